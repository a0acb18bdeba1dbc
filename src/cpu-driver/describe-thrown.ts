// describeThrown: the text of any value a piece of code threw, computed without ever throwing.
//
// JavaScript lets code throw anything: an Error, a string, a Symbol, undefined, or an object whose
// toString, message getter or Symbol.toPrimitive throws (a revoked Proxy throws on every touch,
// even on `instanceof`). Code that reports a failure (an rpc server answering a caller, a domain
// host reporting main's exit) must not fail again while describing it, or the caller waits forever
// and the core's worker dies. So every step here runs inside a try, and anything that cannot be
// described safely is named by its kind: "an object whose description threw". It sits in the
// CPU driver's folder, the lowest one that every layer reporting failures (rpc, monitor, domain,
// platform) may import.

/** The text of `value`: an Error's message, a primitive's text, an object's String(); never throws. */
export function describeThrown(value: unknown): string {
  try {
    return describeUnsafely(value);
  } catch {
    return `${kindOf(value)} whose description threw`;
  }
}

/** The same as describeThrown, but as an Error (the value itself when it is one). */
export function thrownError(value: unknown): Error {
  try {
    if (value instanceof Error) return value;
  } catch {
    // A Proxy whose getPrototypeOf trap throws: describe it instead.
  }
  return new Error(describeThrown(value));
}

function describeUnsafely(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
    case "bigint":
    case "undefined":
      return String(value);
    case "symbol":
      return `a thrown symbol (${String(value.description)})`;
    case "function":
      return `a thrown function ${String(value.name)}`;
  }
  if (value === null) return "null";
  if (value instanceof Error) return errorMessage(value);
  const text: unknown = String(value);
  if (typeof text === "string") return text;
  return `${kindOf(value)} with no text`;
}

/** An Error's message, whatever its getter does. */
function errorMessage(error: Error): string {
  let message: unknown;
  try {
    message = error.message;
  } catch {
    return "an Error whose message threw";
  }
  return typeof message === "string" ? message : `an Error whose message is ${typeof message}`;
}

/** "an object", "a function": never touches the value beyond `typeof`. */
function kindOf(value: unknown): string {
  const type = typeof value;
  return type === "object" ? "an object" : `a ${type}`;
}
