// Tests of defineRpc over an in-memory pair of transports (no platform): the wire messages, tuple
// replies, handlers that answer later, errors carried back, the calls-in-flight bound, close().

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { t } from "../../src/idl/index.js";
import { rpcCallsInFlightMax, rpcCallTimeoutSweeps, rpcErrorMessageBytesMax } from "../../src/limits.js";
import {
  defineRpc,
  type RpcClient,
  RpcError,
  type RpcHandlers,
  type RpcTransport,
} from "../../src/rpc/rpc.js";

const kv = defineRpc("kv", {
  get: {
    call: [["key", t.string(64)]],
    reply: [
      ["value", t.string(256)],
      ["found", t.bool],
    ],
  },
  add: {
    call: [
      ["a", t.u32],
      ["b", t.u32],
    ],
    reply: [["sum", t.u32]],
  },
  reset: { call: [], reply: [] },
});

interface Frame {
  readonly type: number;
  readonly bytes: Uint8Array;
}

/** Two transports whose frames wait in queues until `flush` delivers them. */
function pair() {
  const toServer: Frame[] = [];
  const toClient: Frame[] = [];
  let closes = 0;
  const transport = (name: string, queue: Frame[]): RpcTransport => ({
    name,
    send: (type, bytes, length) => queue.push({ type, bytes: bytes.slice(0, length) }),
    close: () => {
      closes++;
    },
  });
  return {
    clientTransport: transport("client->server", toServer),
    serverTransport: transport("server->client", toClient),
    toServer,
    toClient,
    closes: () => closes,
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function flush(
  p: ReturnType<typeof pair>,
  client: (type: number, bytes: Uint8Array, length: number) => void,
  server: (type: number, bytes: Uint8Array, length: number) => void,
): Promise<void> {
  for (let round = 0; round < 100; round++) {
    await tick();
    if (p.toServer.length === 0 && p.toClient.length === 0) return;
    for (const f of p.toServer.splice(0)) server(f.type, f.bytes, f.bytes.length);
    for (const f of p.toClient.splice(0)) client(f.type, f.bytes, f.bytes.length);
  }
  throw new Error("flush: still busy after 100 rounds");
}

describe("defineRpc", () => {
  it("lays out m_call, m_reply per method, then rpc_error, from typeBase", () => {
    const r = defineRpc("x", { ping: { call: [["n", t.u8]], reply: [] } }, { typeBase: 0x0f00 });
    assert.equal(r.wire.nameOf(0x0f00), "ping_call");
    assert.equal(r.wire.nameOf(0x0f01), "ping_reply");
    assert.equal(r.wire.nameOf(0x0f02), "rpc_error");
    assert.ok(r.isCall(0x0f00));
    assert.ok(!r.isCall(0x0f01));
    assert.ok(!r.isCall(0x0f02));
    assert.equal(r.wire.nameOf(0x0f03), "rpc_close");
    assert.ok(r.isCall(0x0f03), "rpc_close goes to the server");
    assert.deepEqual(kv.methods, ["get", "add", "reset"]);
  });

  it("has a signature and a fingerprint that change with the declaration", () => {
    assert.equal(kv.signature.startsWith("kv{get(key:string(64))->(value:string(256),found:bool);"), true);
    const a = defineRpc("calc", { add: { call: [["a", t.u32]], reply: [["s", t.u32]] } });
    const b = defineRpc("calc", { add: { call: [["a", t.u32]], reply: [["s", t.u64]] } });
    const c = defineRpc("calc", { add: { call: [["a", t.u32]], reply: [["s", t.u32]] } });
    assert.notEqual(a.fingerprint, b.fingerprint);
    assert.equal(a.fingerprint, c.fingerprint);
  });

  it("rejects bad declarations clearly", () => {
    assert.throws(() => defineRpc("r", {}), /declares no methods/);
    assert.throws(() => defineRpc("r", { close: { call: [], reply: [] } }), /"close" is reserved/);
    assert.throws(() => defineRpc("r", { ["th" + "en"]: { call: [], reply: [] } }), /"then" is reserved/);
    assert.throws(
      () => defineRpc("r", { m: { call: [["requestId", t.u32]], reply: [] } }),
      /"requestId" is reserved/,
    );
    assert.throws(() => defineRpc("r", { m: { call: [] } } as never), /must be \{ call/);
    assert.throws(() => defineRpc("r", { ["a".repeat(60)]: { call: [], reply: [] } }), /longer than 56/);
  });
});

describe("rpc types", () => {
  it("clients and handlers are typed exactly from the declaration (checked by tsc)", () => {
    const client = (c: RpcClient<typeof kv.declaration>): void => {
      const got: Promise<[string, boolean]> = c.get("k");
      const sum: Promise<[number]> = c.add(1, 2);
      const none: Promise<[]> = c.reset();
      // @ts-expect-error a number is no string
      void c.get(1);
      // @ts-expect-error one argument too many
      void c.add(1, 2, 3);
      void [got, sum, none];
    };
    const handlers: RpcHandlers<typeof kv.declaration> = {
      get: (key: string) => [key, true],
      add: async (a: number, b: number) => [a + b],
      // @ts-expect-error reset's reply is the empty tuple
      reset: () => [1],
    };
    void [client, handlers];
  });
});

describe("rpc client and server", () => {
  it("calls return their reply tuples, answered at once or later, in any order", async () => {
    const p = pair();
    const map = new Map([["a", "alpha"]]);
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = kv.server(p.serverTransport, {
      get: (key) => [map.get(key) ?? "", map.has(key)],
      add: async (a, b) => {
        await gate;
        return [a + b];
      },
      reset: () => [],
    });
    const { client, receive, inFlight } = kv.client(p.clientTransport);
    const sum = client.add(2, 3);
    const got = client.get("a");
    const missing = client.get("zz");
    const reset = client.reset();
    assert.equal(inFlight(), 4);
    await flush(p, receive, server.receive);
    assert.deepEqual(await got, ["alpha", true]);
    assert.deepEqual(await missing, ["", false]);
    assert.deepEqual(await reset, []);
    assert.equal(inFlight(), 1, "add still waits on its gate");
    release!();
    await flush(p, receive, server.receive);
    assert.deepEqual(await sum, [5]);
    assert.equal(inFlight(), 0);
  });

  it("a handler that throws or rejects makes the call reject with its message", async () => {
    const p = pair();
    const server = kv.server(p.serverTransport, {
      get: () => {
        throw new Error("no such table");
      },
      add: async () => Promise.reject(new Error("overflow")),
      reset: () => [1, 2] as never,
    });
    const { client, receive } = kv.client(p.clientTransport);
    const calls = [client.get("a"), client.add(1, 2), client.reset()];
    for (const c of calls) c.catch(() => {});
    await flush(p, receive, server.receive);
    await assert.rejects(
      calls[0]!,
      (e: unknown) => e instanceof RpcError && e.message === "kv.get: no such table",
    );
    await assert.rejects(calls[1]!, /kv\.add: overflow/);
    await assert.rejects(
      calls[2]!,
      /kv\.reset: the handler of reset returned an array of 2, not a tuple of 0/,
    );
  });

  it("a reply the server cannot encode comes back as an error, not a hang", async () => {
    const p = pair();
    const server = kv.server(p.serverTransport, {
      get: () => ["x".repeat(300), true],
      add: () => [-1],
      reset: () => [],
    });
    const { client, receive } = kv.client(p.clientTransport);
    const calls = [client.get("a"), client.add(1, 2)];
    for (const c of calls) c.catch(() => {});
    await flush(p, receive, server.receive);
    await assert.rejects(calls[0]!, /kv\.get: the handler of get returned a bad reply: .*value/);
    await assert.rejects(calls[1]!, /kv\.add: the handler of add returned a bad reply: .*sum/);
  });

  it("cuts long error texts to rpcErrorMessageBytesMax bytes", async () => {
    const p = pair();
    const server = kv.server(p.serverTransport, {
      get: () => {
        throw new Error("é".repeat(rpcErrorMessageBytesMax));
      },
      add: () => [0],
      reset: () => [],
    });
    const { client, receive } = kv.client(p.clientTransport);
    const call = client.get("a");
    call.catch(() => {});
    await flush(p, receive, server.receive);
    const error = await call.then(
      () => assert.fail("should reject"),
      (e: unknown) => e as RpcError,
    );
    assert.ok(error.remoteMessage.endsWith("…"));
    assert.ok(new TextEncoder().encode(error.remoteMessage).length <= rpcErrorMessageBytesMax);
  });

  it("bounds the calls in flight with a clear error", async () => {
    const p = pair();
    const { client } = kv.client(p.clientTransport);
    const calls = Array.from({ length: rpcCallsInFlightMax }, (_, i) => client.add(i, 1));
    for (const c of calls) c.catch(() => {});
    await assert.rejects(
      client.add(0, 0),
      /kv\.add: 256 calls already in flight on "client->server" \(rpcCallsInFlightMax\)/,
    );
    const small = kv.client(pair().clientTransport, { callsInFlightMax: 2 }).client;
    const two = [small.reset(), small.reset()];
    for (const c of two) c.catch(() => {});
    await assert.rejects(small.reset(), /2 calls already in flight/);
    assert.throws(
      () => kv.client(p.clientTransport, { callsInFlightMax: rpcCallsInFlightMax + 1 }),
      /not in \[1, 256\]/,
    );
  });

  it("rejects bad arguments without sending, and close() rejects calls in flight", async () => {
    const p = pair();
    const { client, inFlight } = kv.client(p.clientTransport);
    await assert.rejects(
      (client.add as (...a: unknown[]) => Promise<unknown>)(1),
      /kv\.add: takes 2 argument\(s\), was given 1/,
    );
    await assert.rejects(client.add(-1, 0), /"a"/);
    assert.equal(inFlight(), 0);
    assert.equal(p.toServer.length, 0);
    const waiting = client.get("k");
    client.close();
    client.close();
    assert.equal(p.closes(), 1);
    await assert.rejects(waiting, /kv\.get: the binding was closed/);
    await assert.rejects(client.reset(), /kv\.reset: the binding is closed/);
  });

  it("a call timeout rejects a call with no reply in time, and drops its late reply quietly", async () => {
    const p = pair();
    const timers: { delayNs: number; fire: () => void; cancelled: boolean }[] = [];
    const errors: string[] = [];
    const { client, receive, inFlight } = kv.client(p.clientTransport, {
      onError: (e) => errors.push(e.message),
      callTimeout: {
        ns: 5e6,
        setTimer: (delayNs, fire) => {
          const timer = { delayNs, fire, cancelled: false };
          timers.push(timer);
          return {
            cancel: () => {
              timer.cancelled = true;
            },
          };
        },
      },
    });
    const server = kv.server(p.serverTransport, {
      get: () => ["v", true],
      add: (a, b) => [a + b],
      reset: () => [],
    });
    const slow = client.add(1, 2);
    slow.catch(() => {});
    // One sweep timer for the client, a quarter of the timeout (rpcCallTimeoutSweeps), not one per call.
    const sweepNs = 5e6 / rpcCallTimeoutSweeps;
    assert.deepEqual(
      timers.map((t) => t.delayNs),
      [sweepNs],
    );
    for (let sweep = 0; sweep < rpcCallTimeoutSweeps; sweep++) timers.at(-1)!.fire();
    const fast = client.get("k");
    assert.equal(timers.length, rpcCallTimeoutSweeps + 1, "each sweep re-arms the next while calls wait");
    timers.at(-1)!.fire();
    await assert.rejects(slow, /^Error: kv\.add: no reply within 5 ms from the server on "client->server"$/);
    assert.equal(inFlight(), 1, "the call sent one sweep ago is still waiting");
    await flush(p, receive, server.receive);
    assert.deepEqual(await fast, ["v", true]);
    assert.deepEqual(errors, [], "the late reply of the timed-out call is dropped quietly");
    const armed = timers.length;
    timers.at(-1)!.fire();
    assert.equal(timers.length, armed, "a sweep with no call in flight arms no further sweep");
    assert.throws(
      () => kv.client(p.clientTransport, { callTimeout: { ns: 0, setTimer: timers[0] as never } }),
      /call timeout 0 ns/,
    );
  });

  it("closing a client tells the server, which closes its end and says so", async () => {
    const p = pair();
    let heard = 0;
    const server = kv.server(
      p.serverTransport,
      { get: () => ["", false], add: () => [0], reset: () => [] },
      { onClosed: () => heard++ },
    );
    const { client, receive } = kv.client(p.clientTransport);
    client.close();
    await flush(p, receive, server.receive);
    assert.equal(heard, 1);
    assert.equal(p.closes(), 2, "both ends closed");
  });

  it("a call whose timeout cannot be set fails with why, sends nothing and leaves no call in flight", async () => {
    const p = pair();
    const activity = { callsInFlight: 0 };
    const { client, inFlight } = kv.client(p.clientTransport, {
      activity,
      callTimeout: {
        ns: 1e6,
        setTimer: () => {
          throw new Error("timers: 65536 timers already pending on this core (limits.timersPerCoreMax)");
        },
      },
    });
    await assert.rejects(client.add(1, 2), /timersPerCoreMax/);
    assert.equal(inFlight(), 0);
    assert.equal(activity.callsInFlight, 0);
    assert.equal(p.toServer.length, 0, "nothing was sent");
  });

  it("a server that closes first tells the client: its calls in flight fail at once, later ones too", async () => {
    const p = pair();
    const held: Array<() => void> = [];
    const server = kv.server(p.serverTransport, {
      get: () => new Promise((resolve) => held.push(() => resolve(["late", true]))),
      add: (a, b) => [a + b],
      reset: () => [],
    });
    const errors: Error[] = [];
    const { client, receive, inFlight } = kv.client(p.clientTransport, { onError: (e) => errors.push(e) });
    const waiting = assert.rejects(
      client.get("k"),
      /^Error: kv\.get: the server on "client->server" closed the binding: its domain ended$/,
    );
    await flush(p, receive, server.receive);
    assert.equal(inFlight(), 1);
    server.close("its domain ended");
    for (const answer of held) answer();
    await flush(p, receive, server.receive);
    await waiting;
    assert.equal(inFlight(), 0);
    await assert.rejects(
      client.add(1, 2),
      /^Error: kv\.add: the binding is closed: the server on "client->server" closed the binding: its domain ended$/,
    );
    assert.equal(p.closes(), 2, "both ends closed");
    assert.deepEqual(errors, []);
    assert.ok(!kv.isCall(kv.wire.typeOf.rpc_closed!), "rpc_closed goes to the client");
  });

  it("one-way messages: sent in order with the calls, no reply, a failing handler reported on the server", async () => {
    const log = defineRpc("log", {
      line: { message: [["text", t.string(64)]] },
      count: { call: [], reply: [["lines", t.u32]] },
    });
    assert.equal(log.wire.nameOf(log.wire.typeBase), "line_message");
    assert.ok(log.isCall(log.wire.typeBase));
    assert.match(log.signature, /^log\{line!\(text:string\(64\)\);count\(\)->\(lines:u32\)\}$/);
    const p = pair();
    const lines: string[] = [];
    const errors: string[] = [];
    const server = log.server(
      p.serverTransport,
      {
        line: (text) => {
          if (text === "bad") throw new Error("refused");
          lines.push(text);
        },
        count: () => [lines.length],
      },
      { onError: (e) => errors.push(e.message) },
    );
    const { client, receive, inFlight } = log.client(p.clientTransport);
    const sendLine: (text: string) => void = client.line;
    sendLine("a");
    client.line("bad");
    client.line("b");
    assert.equal(inFlight(), 0, "messages are not in flight");
    const count = client.count();
    await flush(p, receive, server.receive);
    assert.deepEqual(await count, [2]);
    assert.deepEqual(lines, ["a", "b"]);
    assert.deepEqual(errors, ["log.line: the message handler failed: refused"]);
    assert.throws(
      () => (client.line as (...a: unknown[]) => void)(),
      /log\.line: takes 1 argument\(s\), was given 0/,
    );
    assert.throws(() => client.line("x".repeat(65)), /"text"/);
    client.close();
    assert.throws(() => client.line("late"), /log\.line: the binding is closed/);
    assert.throws(
      () => defineRpc("r", { m: { message: [], call: [], reply: [] } } as never),
      /must be \{ call: .* or \{ message:/,
    );
  });

  it("reports protocol errors: unknown request ids and calls sent to a client", async () => {
    const p = pair();
    const errors: string[] = [];
    const { receive } = kv.client(p.clientTransport, { onError: (e) => errors.push(e.message) });
    const server = kv.server(p.serverTransport, { get: () => ["", false], add: () => [0], reset: () => [] });
    // A reply to nobody: the server answers a call the client never made.
    const stray = kv.client(p.clientTransport).client;
    void stray.reset();
    await flush(p, receive, server.receive);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /kv: a reply of reset for request 1, which is not in flight/);
    const frames: Frame[] = [];
    kv.wire.sender({
      name: "raw",
      send: (type, bytes, length) => frames.push({ type, bytes: bytes.slice(0, length) }),
    }).get_call!(7, "k");
    receive(frames[0]!.type, frames[0]!.bytes, frames[0]!.bytes.length);
    assert.match(errors[1]!, /kv: a client on "client->server" received a call of get/);
    assert.throws(
      () => kv.client(p.clientTransport).receive(0x7777, new Uint8Array(4), 4),
      /unknown message type 0x7777/,
    );
  });
});

describe("calls that always settle", () => {
  const hostile = defineRpc("hostile", { go: { call: [["which", t.string(16)]], reply: [] } });
  const throwingText = {
    toString() {
      throw new Error("toString refuses");
    },
  };
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const messageRefuses = new Error("hidden");
  Object.defineProperty(messageRefuses, "message", {
    get() {
      throw new Error("message refuses");
    },
  });
  /** What each handler does, and text the error its caller gets must hold. */
  const cases: ReadonlyArray<readonly [string, () => unknown, string]> = [
    [
      "text",
      () => {
        throw throwingText;
      },
      "an object whose description threw",
    ],
    [
      "proxy",
      () => {
        throw revoked.proxy;
      },
      "an object whose description threw",
    ],
    [
      "message",
      () => {
        throw messageRefuses;
      },
      "an Error whose message threw",
    ],
    [
      "symbol",
      () => {
        throw Symbol("s");
      },
      "a thrown symbol (s)",
    ],
    [
      "undefined",
      () => {
        throw undefined;
      },
      "undefined",
    ],
    [
      "primitive",
      () => {
        throw {
          [Symbol.toPrimitive]: () => {
            throw new Error("no");
          },
        };
      },
      "an object whose description threw",
    ],
    ["rejects", () => Promise.reject(throwingText), "an object whose description threw"],
    [
      "then-getter",
      () => ({
        // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is what this case tests
        get then() {
          throw throwingText;
        },
      }),
      "an object whose description threw",
    ],
    [
      "then-throws",
      () => ({
        // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is what this case tests
        then() {
          throw Symbol("t");
        },
      }),
      "a thrown symbol (t)",
    ],
    ["returns-proxy", () => revoked.proxy, "revoked"],
  ];

  it("whatever a handler throws or returns, the caller gets an RpcError describing it", async () => {
    const p = pair();
    const errors: string[] = [];
    const server = hostile.server(
      p.serverTransport,
      { go: (which) => cases.find(([name]) => name === which)![1]() as [] },
      { onError: (e) => errors.push(e.message) },
    );
    const { client, receive } = hostile.client(p.clientTransport);
    const outcomes = cases.map(([name]) =>
      client.go(name).then(
        () => "answered",
        (e: unknown) => e,
      ),
    );
    await flush(p, receive, server.receive);
    for (const [index, outcome] of (await Promise.all(outcomes)).entries()) {
      const [name, , text] = cases[index]!;
      assert.ok(outcome instanceof RpcError, `${name}: ${String(outcome)}`);
      assert.ok(outcome.remoteMessage.includes(text), `${name}: ${outcome.remoteMessage}`);
    }
    assert.deepEqual(errors, [], "nothing was left to the server's log");
  });

  it("fail(why) rejects the calls in flight and later ones with why, and closes without telling the server", async () => {
    const p = pair();
    const activity = { callsInFlight: 0 };
    const { client, fail, inFlight } = kv.client(p.clientTransport, { activity });
    const waiting = client.add(1, 2);
    fail('core 3, where service "kv" runs, failed: no heartbeat');
    await assert.rejects(waiting, /^Error: kv\.add: core 3, where service "kv" runs, failed: no heartbeat$/);
    await assert.rejects(client.get("k"), /^Error: kv\.get: the binding is closed: core 3, where/);
    assert.equal(inFlight(), 0);
    assert.equal(activity.callsInFlight, 0);
    assert.equal(p.toServer.length, 1, "only the call went to the server, no rpc_close");
    assert.equal(p.closes(), 1, "the client's end closed");
    fail("again");
    client.close();
    assert.equal(p.closes(), 1, "idempotent");
  });

  it("a client with a call timeout arms no timer until a call is in flight", () => {
    const p = pair();
    let armed = 0;
    kv.client(p.clientTransport, {
      callTimeout: {
        ns: 1e9,
        setTimer: () => {
          armed++;
          return { cancel: () => {} };
        },
      },
    });
    assert.equal(armed, 0);
  });
});
