// The SKB's tight round-trip measurement between two cores on the real platform.
//
// Timing the monitors' own ping-pong would measure the poll loop, the message decoding and the
// JIT's mood as much as the hardware: microseconds of noise over differences of tens of
// nanoseconds (a hidden SMT sibling answers in ~100 ns, another core in ~190 ns). So the platform
// measures the way the C floor does: both cores leave their poll loops and run a synchronous
// ping-pong of empty messages on their own monitor channel, the initiator timing each round trip.
//
//   a → b   probe-begin(total)           on the mesh channel, through b's normal poll
//   b       leaves its loop, echoes `total` pings, then returns to its loop
//   a ↔ b   probe-ping / probe-pong      `total` times; a keeps the last `rounds` samples
// Every wait is bounded (roundTripProbeTimeoutMs): a peer that never answers fails the probe with a
// clear error instead of hanging the core. Messages of other types that arrive meanwhile on the
// same ring are handed to the core's normal receiver, in order.
import { performance } from "node:perf_hooks";
import { roundTripProbeTimeoutMs } from "../../limits.js";
import type { UrpcChannel } from "../../urpc/index.js";

/** Message types reserved for the platform on monitor channels (the IDL ranges stay below 0x1000). */
export const probeBeginType = 0xfff0;
export const probePingType = 0xfff1;
export const probePongType = 0xfff2;

/** Whether a monitor-channel message type belongs to the probe. */
export function isProbeType(type: number): boolean {
  return type >= probeBeginType && type <= probePongType;
}

const spinsPerClockRead = 1024;
const noPayload = new Uint8Array(8);

/** Reads the round count of a probe-begin message. */
export function probeTotal(bytes: Uint8Array, length: number): number {
  if (length < 4) return 0;
  return new DataView(bytes.buffer, bytes.byteOffset, length).getUint32(0, true);
}

/** Waits (spinning, bounded) for one message of `wanted` type; others go to `other`. */
function receiveOne(
  channel: UrpcChannel,
  wanted: number,
  other: (type: number, bytes: Uint8Array, length: number) => void,
): void {
  let got = false;
  const handler = (type: number, bytes: Uint8Array, length: number) => {
    if (type === wanted) got = true;
    else other(type, bytes, length);
  };
  const deadline = performance.now() + roundTripProbeTimeoutMs;
  for (let spins = 1; ; spins++) {
    channel.poll(handler, 1);
    if (got) return;
    if (spins % spinsPerClockRead === 0 && performance.now() > deadline) {
      throw new Error(
        `${channel.name}: round-trip probe got no ${wanted === probePongType ? "pong" : "ping"} within ${roundTripProbeTimeoutMs} ms`,
      );
    }
  }
}

function send(channel: UrpcChannel, type: number): void {
  const deadline = performance.now() + roundTripProbeTimeoutMs;
  while (!channel.trySend(type, noPayload, 0)) {
    if (performance.now() > deadline)
      throw new Error(
        `${channel.name}: round-trip probe could not send within ${roundTripProbeTimeoutMs} ms`,
      );
  }
}

/** The initiator's side: returns `rounds` round-trip samples in ns, after `warmupRounds` untimed. */
export function probeInitiate(
  channel: UrpcChannel,
  warmupRounds: number,
  rounds: number,
  other: (type: number, bytes: Uint8Array, length: number) => void,
): number[] {
  const total = warmupRounds + rounds;
  const begin = new Uint8Array(8);
  new DataView(begin.buffer).setUint32(0, total, true);
  const deadline = performance.now() + roundTripProbeTimeoutMs;
  while (!channel.trySend(probeBeginType, begin, 4)) {
    if (performance.now() > deadline) throw new Error(`${channel.name}: round-trip probe could not begin`);
  }
  const samplesNs: number[] = [];
  for (let i = 0; i < total; i++) {
    const start = performance.now();
    send(channel, probePingType);
    receiveOne(channel, probePongType, other);
    if (i >= warmupRounds) samplesNs.push((performance.now() - start) * 1e6);
  }
  return samplesNs;
}

/**
 * The peer's side: echoes `total` pings, then returns to its loop. `alreadyReceived` pings came in
 * through the normal poll that delivered the probe-begin (it drains a ring's waiting messages) and
 * are answered first.
 */
export function probeEcho(
  channel: UrpcChannel,
  total: number,
  alreadyReceived: number,
  other: (type: number, bytes: Uint8Array, length: number) => void,
): void {
  let owed = alreadyReceived;
  for (let answered = 0; answered < total; answered++) {
    if (owed > 0) owed--;
    else receiveOne(channel, probePingType, other);
    send(channel, probePongType);
  }
}
