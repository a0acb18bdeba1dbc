// Calls that always settle, on the real platform: a call in flight to a service whose domain ends
// (by failing, or by finishing normally) rejects at once naming the service; a handler that throws
// a value whose toString throws answers the caller with an RpcError; a main that throws such a
// value is reported failed with a safe description, and the core goes on. The domains live in
// ./domains (server-ends, serves-once with calls-ended, hostile-handler, hostile-main). A domain
// that binds more often than its core has channel frames (rebinds) checks that closed frames return.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { domain, exitOf, useBootedSystem } from "./booted-system.js";

/** Bound on one test: one or two domains on a booted system. */
const domainTestTimeoutMs = 60_000;
/** Bound on one domain's run, well inside the test's: a call that never settles fails here. */
const runTimeoutMs = 30_000;

describe("real platform: calls that always settle", () => {
  const booted = useBootedSystem();

  it("a call in flight when the server's domain fails rejects, naming the service; so do later calls and binds", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    const result = await booted.system.run(domain("server-ends"), [0, 1], runTimeoutMs);
    assert.deepEqual(exitOf(result, 1), { core: 1, status: 0, error: "" });
    assert.match(exitOf(result, 0).error, /the server ends while a call is in flight/);
  });

  it("a call in flight when the server's domain finishes normally rejects the same way", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    const server = booted.system.run(domain("serves-once"), [0], runTimeoutMs);
    const client = await booted.system.run(domain("calls-ended"), [1], runTimeoutMs);
    assert.deepEqual(client.exits, [{ core: 1, status: 0, error: "" }]);
    assert.equal((await server).status, 0);
  });

  it("a handler that throws a value whose toString throws answers the caller with an RpcError", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    const result = await booted.system.run(domain("hostile-handler"), [0, 1], runTimeoutMs);
    assert.equal(result.status, 0, JSON.stringify(result.exits));
  });

  it("a main that throws a value whose toString throws fails its domain safely; the core goes on", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    const result = await booted.system.run(domain("hostile-main"), [0, 1], runTimeoutMs);
    assert.equal(result.status, 1);
    assert.match(exitOf(result, 1).error, /an object whose description threw/);
    assert.equal(exitOf(result, 0).status, 0);
    const again = await booted.system.run(domain("echo-calls"), [0, 1], runTimeoutMs);
    assert.equal(again.status, 0, JSON.stringify(again.exits));
  });

  it("a core binds, calls and closes 3 × its share of channel frames: closed frames are reused", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    const result = await booted.system.run(domain("rebinds"), [0, 1], runTimeoutMs);
    assert.deepEqual(exitOf(result, 1), { core: 1, status: 0, error: "" });
    assert.equal(result.status, 0, JSON.stringify(result.exits));
  });
});
