// Tests of an rpc client's drained() and of sends a port refuses for a full wait, over a transport
// whose every message waits until the test makes room (no platform): drained() resolves at once
// when nothing waits, and otherwise once what was sent before it has left the wait (not what was
// sent after); it rejects on close, on fail and after the call timeout, and at most
// rpcDrainWaitsMax wait at once. A send refused with a PortFullError is re-thrown (a message) or
// rejected (a call) naming the method and drained(), the port's error as its cause. The name
// `drained` is reserved. No test depends on time: a promise's state is read after a setImmediate.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PortDrain, TimerHandle } from "../../src/cpu-driver/core-env.js";
import { DrainWaiters } from "../../src/cpu-driver/drain-waiters.js";
import { PortFullError } from "../../src/cpu-driver/port-full-error.js";
import { t } from "../../src/idl/index.js";
import { portBacklogMax, rpcDrainWaitsMax } from "../../src/limits.js";
import { defineRpc, type RpcEndOptions, type RpcTransport } from "../../src/rpc/rpc.js";

const sink = defineRpc("sink", {
  note: { message: [["i", t.u32]] },
  count: { call: [], reply: [["n", t.u32]] },
});

/** A transport whose sends all wait (a backlog) until `room(n)` lets the oldest n out. */
function backlogged() {
  let entered = 0;
  let left = 0;
  let full = false;
  let closes = 0;
  const waiters = new DrainWaiters();
  const drain: PortDrain = {
    messagesWaiting: () => entered - left,
    whenDrained: (onDrained) => {
      if (entered === left) {
        onDrained();
        return { cancel() {} };
      }
      return waiters.add(entered, onDrained);
    },
  };
  const transport: RpcTransport = {
    name: "client->server",
    send: () => {
      if (full) throw new PortFullError("client->server", portBacklogMax, "portBacklogMax");
      entered++;
    },
    drain,
    close: () => {
      closes++;
      waiters.clear();
    },
  };
  return {
    transport,
    room(messages: number): void {
      left = Math.min(entered, left + messages);
      waiters.passed(left);
    },
    fill(): void {
      full = true;
    },
    waiting: () => entered - left,
    closes: () => closes,
  };
}

/** A promise's state once every continuation queued so far has run. */
async function stateOf(promise: Promise<unknown>): Promise<"pending" | "resolved" | "rejected"> {
  let state: "pending" | "resolved" | "rejected" = "pending";
  promise.then(
    () => {
      state = "resolved";
    },
    () => {
      state = "rejected";
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return state;
}

/** Fake platform timers: each armed timer is kept until the test fires it. */
function fakeTimers() {
  const armed: Array<{ delayNs: number; onFire: () => void; cancelled: boolean }> = [];
  const setTimer = (delayNs: number, onFire: () => void): TimerHandle => {
    const timer = { delayNs, onFire, cancelled: false };
    armed.push(timer);
    return {
      cancel() {
        timer.cancelled = true;
      },
    };
  };
  return { armed, setTimer };
}

function clientOver(transport: RpcTransport, options: RpcEndOptions = {}) {
  return sink.client(transport, { peer: 'service "sink"', ...options });
}

describe("rpc client: drained()", () => {
  it("resolves at once when nothing waits, and over a transport that holds nothing back", async () => {
    const port = backlogged();
    assert.equal(await stateOf(clientOver(port.transport).client.drained()), "resolved");
    const plain: RpcTransport = { name: "plain", send: () => {} };
    const { client } = clientOver(plain);
    client.note(1);
    assert.equal(await stateOf(client.drained()), "resolved");
  });

  it("resolves once what was sent before it has left the wait, whatever is sent after", async () => {
    const port = backlogged();
    const { client } = clientOver(port.transport);
    for (let i = 0; i < 3; i++) client.note(i);
    const drained = client.drained();
    client.note(3);
    client.note(4);
    port.room(2);
    assert.equal(await stateOf(drained), "pending");
    port.room(1);
    assert.equal(await stateOf(drained), "resolved");
    assert.equal(port.waiting(), 2, "the two sent after drained() still wait");
    // A second wait covers those two.
    const again = client.drained();
    port.room(1);
    assert.equal(await stateOf(again), "pending");
    port.room(1);
    assert.equal(await stateOf(again), "resolved");
  });

  it("rejects when the binding closes first, and is refused once it is closed", async () => {
    const port = backlogged();
    const { client } = clientOver(port.transport);
    client.note(0);
    const drained = client.drained();
    client.close();
    await assert.rejects(drained, /^Error: sink\.drained: the binding was closed$/);
    await assert.rejects(client.drained(), /^Error: sink\.drained: the binding is closed$/);
    assert.equal(port.closes(), 1);
  });

  it("rejects when the binding fails first, with the reason a call gets", async () => {
    const port = backlogged();
    const end = clientOver(port.transport);
    end.client.note(0);
    const drained = end.client.drained();
    const call = end.client.count();
    end.fail('core 0, where service "sink" runs, failed: no heartbeat');
    await assert.rejects(
      call,
      /^Error: sink\.count: core 0, where service "sink" runs, failed: no heartbeat$/,
    );
    await assert.rejects(
      drained,
      /^Error: sink\.drained: core 0, where service "sink" runs, failed: no heartbeat$/,
    );
    await assert.rejects(end.client.drained(), /sink\.drained: the binding is closed: core 0/);
  });

  it("rejects after the call timeout when no room comes, naming the service; no timer without a wait", async () => {
    const port = backlogged();
    const timers = fakeTimers();
    const { client } = clientOver(port.transport, { callTimeout: { ns: 5e6, setTimer: timers.setTimer } });
    assert.equal(await stateOf(client.drained()), "resolved");
    assert.equal(timers.armed.length, 0, "nothing waited: no timer");
    client.note(0);
    const drained = client.drained();
    assert.equal(timers.armed.length, 1);
    assert.equal(timers.armed[0]!.delayNs, 5e6);
    assert.equal(await stateOf(drained), "pending");
    timers.armed[0]!.onFire();
    await assert.rejects(
      drained,
      /^Error: sink\.drained: no room within 5 ms for the messages sent to service "sink" \(on "client->server"\)$/,
    );
    // A wait that ends in time cancels its timer.
    const inTime = client.drained();
    port.room(1);
    await inTime;
    assert.equal(timers.armed[1]!.cancelled, true);
  });

  it(`allows ${rpcDrainWaitsMax} waits at once and refuses one more`, async () => {
    const port = backlogged();
    const { client } = clientOver(port.transport);
    client.note(0);
    const waits = Array.from({ length: rpcDrainWaitsMax }, () => client.drained());
    await assert.rejects(
      client.drained(),
      /sink\.drained: \d+ drained\(\) already wait on "client->server" \(limits\.rpcDrainWaitsMax\)/,
    );
    port.room(1);
    await Promise.all(waits);
  });
});

describe("rpc client: a send the port refuses for a full wait", () => {
  const refusal = new RegExp(
    `^sink\\.(note|count): ${portBacklogMax} messages already wait for room on "client->server" \\(limits\\.portBacklogMax\\); await drained\\(\\) on the binding before sending more$`,
  );

  it("a message throws naming the method and drained(), the port's error as cause", () => {
    const port = backlogged();
    const { client } = clientOver(port.transport);
    port.fill();
    assert.throws(
      () => client.note(1),
      (error: Error) => {
        assert.match(error.message, refusal);
        assert.ok(error.cause instanceof PortFullError);
        return true;
      },
    );
  });

  it("a call rejects the same way", async () => {
    const port = backlogged();
    const { client } = clientOver(port.transport);
    port.fill();
    await assert.rejects(client.count(), (error: Error) => {
      assert.match(error.message, refusal);
      return true;
    });
  });

  it("defineRpc refuses a method named drained", () => {
    assert.throws(
      () => defineRpc("r", { drained: { message: [] } }),
      /rpc r: method name "drained" is reserved \(clients have close\(\) and drained\(\)/,
    );
  });
});
