// A small JSON parser that remembers on which line each value starts, for error messages.
//
// Topology files are written by hand, so an error should point at the line to fix. JSON.parse
// gives values without positions; this recursive-descent parser gives the same values plus a map
// from each value's field path (`packages[2].cores`, in the notation the validator prints) to its
// 1-based line. Syntax errors name the line and column. Nesting is bounded so a hostile file cannot
// exhaust the stack.

const depthMax = 64;

export interface ParsedJson {
  readonly value: unknown;
  /** Line (1-based) where the value at each field path starts; "" is the root. */
  readonly lines: ReadonlyMap<string, number>;
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${message}`);
    this.name = "JsonSyntaxError";
  }
}

export function parseJsonWithLines(text: string): ParsedJson {
  const lines = new Map<string, number>();
  let pos = 0;
  let line = 1;
  let lineStart = 0;

  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, line, pos - lineStart + 1);
  };
  const skipSpace = (): void => {
    while (pos < text.length) {
      const ch = text.charCodeAt(pos);
      if (ch === 10) {
        line++;
        pos++;
        lineStart = pos;
      } else if (ch === 32 || ch === 9 || ch === 13) pos++;
      else break;
    }
  };
  const parseString = (): string => {
    const start = pos;
    pos++; // opening quote
    while (pos < text.length) {
      const ch = text.charCodeAt(pos);
      if (ch === 34) {
        pos++;
        return JSON.parse(text.slice(start, pos)) as string;
      }
      if (ch === 92) pos += 2;
      else if (ch === 10) fail("unterminated string");
      else pos++;
    }
    return fail("unterminated string");
  };
  const parseValue = (path: string, depth: number): unknown => {
    if (depth > depthMax) fail(`nesting deeper than ${depthMax}`);
    skipSpace();
    lines.set(path, line);
    const ch = text[pos];
    if (ch === "{") {
      pos++;
      const result: Record<string, unknown> = {};
      skipSpace();
      if (text[pos] === "}") {
        pos++;
        return result;
      }
      for (;;) {
        skipSpace();
        if (text[pos] !== '"') fail("expected a quoted key");
        const key = parseString();
        skipSpace();
        if (text[pos] !== ":") fail(`expected ':' after key "${key}"`);
        pos++;
        if (Object.hasOwn(result, key)) fail(`duplicate key "${key}"`);
        result[key] = parseValue(path === "" ? key : `${path}.${key}`, depth + 1);
        skipSpace();
        if (text[pos] === ",") pos++;
        else if (text[pos] === "}") {
          pos++;
          return result;
        } else fail("expected ',' or '}'");
      }
    }
    if (ch === "[") {
      pos++;
      const result: unknown[] = [];
      skipSpace();
      if (text[pos] === "]") {
        pos++;
        return result;
      }
      for (;;) {
        result.push(parseValue(`${path}[${result.length}]`, depth + 1));
        skipSpace();
        if (text[pos] === ",") pos++;
        else if (text[pos] === "]") {
          pos++;
          return result;
        } else fail("expected ',' or ']'");
      }
    }
    if (ch === '"') return parseString();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(pos, pos + 64),
    );
    if (literal === null) return fail(`unexpected ${ch === undefined ? "end of file" : `'${ch}'`}`);
    pos += literal[0].length;
    return JSON.parse(literal[0]) as unknown;
  };

  const value = parseValue("", 0);
  skipSpace();
  if (pos < text.length) fail("unexpected text after the value");
  return { value, lines };
}
