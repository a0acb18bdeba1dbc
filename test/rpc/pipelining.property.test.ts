// Property test of an rpc binding under random pipelining (fast-check): calls, one-way messages
// and replies stay in order and are neither lost nor duplicated, whatever mix of awaited and
// pipelined calls the client makes, however the transport batches delivery, and whenever the
// server's handlers answer (at once or later, out of order). The client's calls-in-flight bound is
// small, so that the pending table's slots are reused many times over; calls past the bound are
// refused at once, and the activity counter returns to zero.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { CoreActivity } from "../../src/cpu-driver/cpu-driver.js";
import { t } from "../../src/idl/index.js";
import { defineRpc, type RpcTransport } from "../../src/rpc/rpc.js";

const seq = defineRpc("seq", {
  call: {
    call: [["n", t.u32]],
    reply: [
      ["n", t.u32],
      ["seen", t.u32],
    ],
  },
  note: { message: [["n", t.u32]] },
});

interface Frame {
  readonly type: number;
  readonly bytes: Uint8Array;
}

type Op =
  | { kind: "call"; awaited: boolean }
  | { kind: "note" }
  | { kind: "deliver"; frames: number; answer: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("call" as const), awaited: fc.boolean() }),
  fc.record({ kind: fc.constant("note" as const) }),
  fc.record({
    kind: fc.constant("deliver" as const),
    frames: fc.integer({ min: 1, max: 8 }),
    answer: fc.nat(),
  }),
);

/** Delivers up to `count` frames of `queue` to `receive`, in order. */
function deliver(
  queue: Frame[],
  count: number,
  receive: (type: number, bytes: Uint8Array, length: number) => void,
) {
  for (let i = 0; i < count && queue.length > 0; i++) {
    const frame = queue.shift()!;
    receive(frame.type, frame.bytes, frame.bytes.length);
  }
}

describe("rpc under random pipelining (fast-check)", () => {
  it("keeps calls, messages and replies in order, each exactly once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 120 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
        fc.integer({ min: 1, max: 8 }),
        async (ops, answerLaterPattern, callsInFlightMax) => {
          const toServer: Frame[] = [];
          const toClient: Frame[] = [];
          const transport = (name: string, queue: Frame[]): RpcTransport => ({
            name,
            send: (type, bytes, length) => queue.push({ type, bytes: bytes.slice(0, length) }),
          });
          const activity: CoreActivity = { callsInFlight: 0 };
          const { client, receive: clientReceive } = seq.client(transport("c->s", toServer), {
            callsInFlightMax,
            activity,
          });
          /** What the server saw, in arrival order: "c<n>" for a call, "m<n>" for a message. */
          const arrivals: string[] = [];
          const later: Array<() => void> = [];
          let calls = 0;
          const server = seq.server(transport("s->c", toClient), {
            call: (n) => {
              arrivals.push(`c${n}`);
              const seen = arrivals.length;
              if (!answerLaterPattern[calls++ % answerLaterPattern.length]) return [n, seen];
              return new Promise((resolve) => later.push(() => resolve([n, seen])));
            },
            note: (n) => {
              arrivals.push(`m${n}`);
            },
          });
          /** What the client sent and was accepted, in order. */
          const sent: string[] = [];
          const results: Array<Promise<void>> = [];
          let next = 0;
          /** Moves frames both ways until `done()`; answers held calls newest first only when stuck. */
          const settle = async (done: () => boolean) => {
            while (!done()) {
              const moved = toServer.length + toClient.length;
              deliver(toServer, toServer.length, server.receive);
              deliver(toClient, toClient.length, clientReceive);
              await Promise.resolve();
              await Promise.resolve();
              if (moved === 0 && !done()) {
                assert.ok(later.length > 0, "nothing left to deliver, yet a call is unanswered");
                later.pop()!();
                await Promise.resolve();
              }
            }
          };
          for (const step of ops) {
            if (step.kind === "deliver") {
              deliver(toServer, step.frames, server.receive);
              deliver(toClient, step.frames, clientReceive);
              // Held calls are answered in a random order, one now and then, so that replies overtake.
              if (later.length > 0 && step.answer % 3 === 0)
                later.splice(step.answer % later.length, 1)[0]!();
              await Promise.resolve();
              continue;
            }
            const n = next++;
            if (step.kind === "note") {
              client.note(n);
              sent.push(`m${n}`);
              continue;
            }
            const full = activity.callsInFlight >= callsInFlightMax;
            const result = client.call(n).then(
              ([echoed, seen]) => {
                assert.ok(!full, `call ${n} was accepted past the bound`);
                assert.equal(echoed, n, `call ${n} got the reply of call ${echoed}`);
                assert.equal(arrivals[seen - 1], `c${n}`, `call ${n}'s reply names another arrival`);
              },
              (error: Error) => {
                assert.ok(full, `call ${n} failed: ${error.message}`);
                assert.match(error.message, /calls already in flight/);
              },
            );
            if (!full) sent.push(`c${n}`);
            if (step.awaited) {
              let finished = false;
              const watched = result.then(() => {
                finished = true;
              });
              await settle(() => finished);
              await watched;
            } else results.push(result);
          }
          const outstanding = Promise.all(results);
          let allDone = false;
          void outstanding.then(() => (allDone = true));
          await settle(() => allDone && toServer.length === 0 && toClient.length === 0 && later.length === 0);
          await outstanding;
          assert.deepEqual(arrivals, sent, "the server saw exactly what was sent, in order");
          assert.equal(activity.callsInFlight, 0, "every call settled");
        },
      ),
      { numRuns: 300 },
    );
  });
});
