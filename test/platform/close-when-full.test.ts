// A client that closes its binding while its port's wait for room is full (limits.portBacklogMax
// messages waiting, e.g. after a burst the port refused) still tells the server: rpc_close waits
// for room and goes out behind the backlog, and the transport closes after it (else the server's
// end would stay open, and on real cores the channel frame would never be reused, until the
// server's domain ended). With a call timeout and a server that takes nothing, the transport closes
// at the timeout without it. Shown on the loopback platform, which bounds a dispatcher channel as
// real cores do.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { Receive } from "../../src/idl/index.js";
import { LoopbackPlatform } from "../../src/platform/loopback/index.js";
import { noteSink } from "./domains/note-sink.js";

/** Bound on the platform steps: far more than a ring and a backlog of deliveries. */
const stepsMax = 100_000;
/** Bound on the notes sent before the port refuses one: a ring and a backlog, with room to spare. */
const notesMax = 10_000;

it("a client closed with its port's wait full still tells the server", () => {
  const platform = new LoopbackPlatform([0, 1], { seed: 3 });
  for (const id of [0, 1]) platform.add(id, () => ({ start() {}, receive() {} }));
  platform.start();
  const id = platform.env(0).allocateChannelId();
  let toServer: Receive = () => {};
  let toClient: Receive = () => {};
  const serverEnd = platform
    .env(1)
    .openChannel(id, 1, 0, (type, bytes, length) => toServer(type, bytes, length));
  const clientEnd = platform
    .env(0)
    .openChannel(id, 0, 1, (type, bytes, length) => toClient(type, bytes, length));
  let notes = 0;
  let serverClosed = 0;
  const handlers = { note: () => void notes++, count: (): [number, boolean] => [notes, true] };
  toServer = noteSink.server(serverEnd, handlers, { onClosed: () => serverClosed++ }).receive;
  const client = noteSink.client(clientEnd);
  toClient = client.receive;
  let sent = 0;
  for (; sent < notesMax; sent++) {
    try {
      client.client.note(sent);
    } catch (error) {
      assert.match(String(error), /limits\.portBacklogMax/);
      break;
    }
  }
  client.client.close();
  platform.runUntilIdle({ maxSteps: stepsMax });
  assert.equal(notes, sent, "every note sent before the close arrived");
  assert.equal(serverClosed, 1, "the server never heard of the close");
});

it("with a call timeout and a server that takes nothing, the transport closes at the timeout", () => {
  const platform = new LoopbackPlatform([0, 1], { seed: 3 });
  for (const id of [0, 1]) platform.add(id, () => ({ start() {}, receive() {} }));
  platform.start();
  const id = platform.env(0).allocateChannelId();
  // The server's side never opens: nothing is ever taken from the channel.
  const clientEnd = platform.env(0).openChannel(id, 0, 1, () => {});
  let transportClosed = 0;
  const transport = {
    name: clientEnd.name,
    send: clientEnd.send,
    drain: clientEnd.drain,
    close: () => {
      transportClosed++;
      clientEnd.close();
    },
  };
  const timers: Array<() => void> = [];
  const client = noteSink.client(transport, {
    callTimeout: {
      ns: 1_000_000,
      setTimer: (_delayNs, onFire) => {
        timers.push(onFire);
        return { cancel() {} };
      },
    },
  });
  for (let sent = 0; sent < notesMax; sent++) {
    try {
      client.client.note(sent);
    } catch {
      break;
    }
  }
  client.client.close();
  assert.equal(transportClosed, 0, "closed at once, before the close could go out");
  assert.equal(timers.length, 1, "no timer bounds the wait for room");
  timers[0]!();
  assert.equal(transportClosed, 1, "the timeout did not close the transport");
  client.client.close();
  assert.equal(transportClosed, 1, "a second close closed it again");
});
