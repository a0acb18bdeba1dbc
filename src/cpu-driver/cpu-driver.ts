// The CPU driver: one core's loop — what runs, in which order, and when to poll, give the host's
// event loop a turn, or sleep on the doorbell — with the counters that show what it decided. It
// drives a CoreMachine, which the platform implements (real-core.ts on a worker thread: its
// channels, timers, clock and doorbell); the decision itself (`idle`) reads no clock and is tested
// in virtual time.
//
// The loop, each turn:
//   1. poll every channel once; if that delivered anything, publish the handlers' replies, let the
//      promise continuations run (their sends batched, then published), and poll again;
//   2. while polls find nothing, give promise continuations a microtask turn every
//      pollsPerMicrotaskTurn polls (an async chain advances one step per turn);
//   3. only every busyTurnsPerClockRead busy turns, or pollsPerClockRead empty polls, read the
//      clock: fire due timers, run deferred platform work (the SKB's probes), and on an empty
//      stretch ask `idle` what next; before any sleep, let every microtask and the event loop
//      run, and sleep only if the core is still idle.
//
// The policy, after Barrelfish's dispatcher (a domain polls its waitsets until its timeslice ends;
// a receiver that goes to sleep sets a flag so that only then does the sender pay for the
// interrupt), Seastar's reactor (poll mode; sleep only after an idle-poll time with nothing to do)
// and Glommio's executor (spin, then park):
//   1. Work in flight keeps the core polling. While a domain on this core has calls awaiting
//      replies (`callsInFlight`, counted through CoreActivity by the rpc clients, and by the
//      monitor for replicated-object updates and shootdowns this core started), the core does
//      not sleep, for up to `inFlightPollNs` after its last message: a reply is on its way, and
//      a wake-up (≈ 8-30 µs on the machines we measured) would cost more than the call itself.
//   2. A core that just had messages keeps polling for `idlePollNs` after the last one: more
//      tend to follow (a client's next call, the next message of a stream).
//   3. Past both windows the core is idle and sleeps on its doorbell, until a sender rings it or
//      its next timer is due, at most sleepSliceMs at a time: an idle core costs almost nothing.
//   4. A busy or polling core gives the host's event loop a turn every `eventLoopYieldNs` (a
//      domain's own I/O and V8's housekeeping tasks run there), at once when the platform says
//      something waits there (`eventLoopWanted`: a control message from the boot thread), and
//      always right after a sleep. A turn is not free: on the machines we measured, one taken after
//      a stretch of polling costs tens of microseconds, which every call in flight then waits.
// More cores than CPUs: polling then takes the CPU that a peer needs to answer, so the platform
// passes an `inFlightPollNs` no longer than `idlePollNs` (boot.ts chooses): a core waiting for a
// reply sleeps after the short window and its peer's send wakes it. Every call still completes;
// each costs a wake-up instead of a spin.
//
// Time is in nanoseconds of whatever clock the platform's CoreMachine reads.

import { busyTurnsPerClockRead, pollsPerClockRead, pollsPerMicrotaskTurn } from "../limits.js";

/**
 * A settled promise: what the loop awaits to let runnable continuations run — one microtask turn,
 * like `await undefined`, without making a promise each time (an await of a settled promise costs
 * only its reaction; a busy core takes one or two such turns per message) — and what a platform
 * chains work on to run it after the microtasks already queued.
 */
export const microtaskTurn: Promise<void> = Promise.resolve();

/** What the platform should do next. */
export const enum CoreStep {
  /** Poll the channels again. */
  Poll = 0,
  /** Let the host's event loop run once, then poll again. */
  YieldToEventLoop = 1,
  /** Sleep on the doorbell (until rung, or the next timer, or sleepSliceMs). */
  Sleep = 2,
}

/** How long a core polls in each situation (see the file comment); chosen by the platform at boot. */
export interface CpuDriverPolicy {
  /** Polling after the last message, with no call in flight. */
  readonly idlePollNs: number;
  /** Polling after the last message while calls await replies. */
  readonly inFlightPollNs: number;
  /** Longest stretch without giving the host's event loop a turn. */
  readonly eventLoopYieldNs: number;
}

/** The policy's bounds, by name. */
const policyNames: readonly string[] = ["idlePollNs", "inFlightPollNs", "eventLoopYieldNs"];

/** Throws a RangeError naming the first bound of `policy` that is missing, unknown or not a finite number ≥ 0. */
export function checkCpuDriverPolicy(policy: CpuDriverPolicy): void {
  for (const name of Object.keys(policy)) {
    if (!policyNames.includes(name))
      throw new RangeError(`cpu driver: policy has no bound ${name} (it has ${policyNames.join(", ")})`);
  }
  for (const name of policyNames) {
    const value: unknown = (policy as unknown as Record<string, unknown>)[name];
    if (!(typeof value === "number" && value >= 0 && Number.isFinite(value)))
      throw new RangeError(`cpu driver: policy ${name} = ${String(value)} is not a finite number ≥ 0`);
  }
}

/**
 * What a core's domains and monitor tell its CPU driver: requests sent and not yet answered. Rpc
 * clients add one when a call goes out and take one away when it settles (replied, failed, timed
 * out or closed); so do the monitor's replicated-object updates and TLB shootdowns for the
 * operations this core started.
 */
export interface CoreActivity {
  callsInFlight: number;
}

/** One core as the CPU driver's loop sees it; the platform implements it. */
export interface CoreMachine {
  /** False once the core is told to stop; the loop then returns. */
  readonly running: boolean;
  /** Polls every channel once, handing each message to its receiver; returns how many. */
  pollChannels(): number;
  /** Whether ports hold messages written and not yet published, or waiting for room in a ring. */
  hasUnpublished(): boolean;
  /** Publishes every port's written messages. */
  publish(): void;
  /**
   * Brackets the loop's await that lets runnable promise continuations run: sends made between
   * `continuationsBegin` and `continuationsEnd` are batched, and the end publishes them.
   */
  continuationsBegin(): void;
  continuationsEnd(): void;
  /** The platform's clock, in nanoseconds. */
  nowNs(): number;
  /** Fires the timers due at `nowNs`; returns how many. */
  fireTimers(nowNs: number): number;
  /** Runs work the platform queued outside the polls; returns how much. */
  runDeferred(): number;
  /** Sleeps on the doorbell until rung, the next timer, or a slice; returns whether it slept. */
  sleep(nowNs: number): boolean;
  /** Gives the host's event loop one turn. */
  yieldToEventLoop(): Promise<void>;
  /**
   * Whether something the platform knows of waits on the host's event loop (a control message
   * posted to the core): the loop then yields at its next clock read, whatever eventLoopYieldNs says.
   */
  eventLoopWanted(): boolean;
}

export class CpuDriver implements CoreActivity {
  callsInFlight = 0;
  /** Times the core slept on its doorbell. */
  sleeps = 0;
  /** Sleeps taken with calls in flight (only once the in-flight window had passed). */
  sleepsWithCallsInFlight = 0;
  /** Turns given to the host's event loop. */
  eventLoopYields = 0;
  private lastMessageNs: number;
  private lastYieldNs: number;

  constructor(
    readonly policy: CpuDriverPolicy,
    nowNs: number,
  ) {
    checkCpuDriverPolicy(policy);
    this.lastMessageNs = nowNs;
    this.lastYieldNs = nowNs;
  }

  /** Messages were delivered (or timers fired) at about `nowNs`. */
  active(nowNs: number): void {
    this.lastMessageNs = nowNs;
  }

  /** Whether a busy core should give the event loop a turn now. */
  yieldDue(nowNs: number): boolean {
    return nowNs - this.lastYieldNs >= this.policy.eventLoopYieldNs;
  }

  /** Polls found nothing for a while; what next, at `nowNs`. */
  idle(nowNs: number): CoreStep {
    const quietNs = nowNs - this.lastMessageNs;
    const windowNs = this.callsInFlight > 0 ? this.policy.inFlightPollNs : this.policy.idlePollNs;
    if (quietNs >= windowNs) return CoreStep.Sleep;
    return this.yieldDue(nowNs) ? CoreStep.YieldToEventLoop : CoreStep.Poll;
  }

  /** The platform gave the event loop a turn at `nowNs`. */
  yielded(nowNs: number): void {
    this.eventLoopYields++;
    this.lastYieldNs = nowNs;
  }

  /**
   * The platform slept (it found no work after raising its doorbell flag). Waking does not reopen
   * a polling window: if the wake-up brought messages, their delivery does (`active`); if it was a
   * sleep slice ending or a ring without a message, the core goes back to sleep after one poll.
   */
  slept(): void {
    this.sleeps++;
    if (this.callsInFlight > 0) this.sleepsWithCallsInFlight++;
  }

  /** Runs the core's loop until `core.running` turns false. */
  async run(core: CoreMachine): Promise<void> {
    let emptyPolls = 0;
    let busyTurns = 0;
    /** Whether a turn delivered something since the clock was last read. */
    let deliveredSinceClockRead = false;
    while (core.running) {
      if (core.pollChannels() > 0) {
        emptyPolls = 0;
        deliveredSinceClockRead = true;
        if (core.hasUnpublished()) core.publish();
        // The continuations these deliveries made runnable run during this one await (written
        // out: an async helper would cost a promise and two more microtask turns per busy poll).
        core.continuationsBegin();
        await microtaskTurn;
        core.continuationsEnd();
        if ((++busyTurns & (busyTurnsPerClockRead - 1)) === 0) await this.busyCheck(core);
        continue;
      }
      if (core.hasUnpublished()) core.publish();
      // A continuation chain deeper than the one turn above (an async function awaiting another)
      // advances one step per microtask turn: give it turns while polling, so that it reaches its
      // next send within microseconds rather than at the next event-loop turn.
      if ((++emptyPolls & (pollsPerMicrotaskTurn - 1)) === 0) await microtaskTurn;
      if (emptyPolls < pollsPerClockRead) continue;
      emptyPolls = 0;
      const nowNs = core.nowNs();
      // The last message came at most pollsPerClockRead polls ago: close enough to now.
      if (deliveredSinceClockRead) this.active(nowNs);
      deliveredSinceClockRead = false;
      if (core.fireTimers(nowNs) + core.runDeferred() > 0) {
        this.active(nowNs);
        await this.runContinuations(core);
        continue;
      }
      let step = this.idle(nowNs);
      if (step === CoreStep.Poll) {
        if (!core.eventLoopWanted()) continue;
        step = CoreStep.YieldToEventLoop;
      }
      // Before sleeping, every eventLoopYieldNs, and when the platform asks: every microtask and
      // the event loop run (a continuation still queued must not wait out a sleep), and every
      // written slot is published; a sleep is taken only if the core still runs and is still idle
      // after that, and is followed by another turn (control messages wake it). Messages waiting
      // in a port's backlog for credit do not keep the core awake: its sleep asks the receivers to
      // ring it when credit returns.
      await this.yieldTo(core);
      if (step === CoreStep.Sleep && core.running && this.idle(core.nowNs()) === CoreStep.Sleep) {
        if (core.sleep(core.nowNs())) this.slept();
        await this.yieldTo(core);
      }
    }
  }

  /** Lets runnable continuations run, their sends batched (off the hot path: timers, probes). */
  private async runContinuations(core: CoreMachine): Promise<void> {
    core.continuationsBegin();
    await microtaskTurn;
    core.continuationsEnd();
  }

  /** Now and then on a busy core: timers, deferred work, and the event loop's turn when due. */
  private async busyCheck(core: CoreMachine): Promise<void> {
    const nowNs = core.nowNs();
    this.active(nowNs);
    if (core.fireTimers(nowNs) + core.runDeferred() > 0) await this.runContinuations(core);
    if (this.yieldDue(nowNs) || core.eventLoopWanted()) await this.yieldTo(core);
  }

  private async yieldTo(core: CoreMachine): Promise<void> {
    await core.yieldToEventLoop();
    this.yielded(core.nowNs());
    core.publish();
  }
}
