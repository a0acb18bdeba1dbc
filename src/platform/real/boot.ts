// Booting a multikernel on this machine's cores: `boot({ cores })` → a running system.
//
// The boot thread (the caller's thread) plays the firmware: it allocates the shared memory and starts
// every core's worker at once, so that their threads start and load their code in parallel (one
// after the other, a boot cost the sum of every core's start). It then waits for every core to
// report up and the BSP to report every monitor connected (that instant is `bootMs`), has the SKB
// measure the URPC round trip between every pair of cores, and returns a `Multikernel` that can run
// domains and shut down. Every step is logged with its time since the start of boot; a core's "up"
// line says how long each of its own start-up steps took (thread start, loading its modules,
// pinning, building its monitor), timed inside its thread. A core starts from the core's bundle (its
// modules built into one file and a few chunks, core-bundle.ts) unless the bundle is missing or
// older than the modules, which the log then says. Every wait is bounded (limits.ts): a
// core must report up within `coreStartTimeoutMs` of its thread's start. A boot that fails (a core
// that throws, exits or never answers) rejects with an error naming the core, after terminating
// every worker and clearing every timer it started.
//
// Failures after boot. Every core's monitor runs a heartbeat failure detector (liveness.ts; its
// interval and misses are BootOptions, seconds by default), armed once boot is complete. When a live core declares another
// failed — its worker died, or its thread stopped answering: a domain busy-looping on it — it
// reports "peer-failed"; the boot thread logs it, marks the core failed, and every wait on the
// system (a run in progress, a later run) rejects with an error naming the core. A worker that
// throws or exits by itself fails the system the same way. Shutdown then terminates a failed
// core's worker at once (terminate() stops even a synchronous loop), and the others cleanly.
// A run is bounded (`run`'s timeoutMs, BootOptions.runTimeoutMs, else domainRunTimeoutMs): past
// it, the run rejects naming the domain and the cores whose main has not returned (each core
// reports "exited" when its dispatcher's main ends), and the domain is abandoned (spawn.ts: its
// slot, frames and names are freed); the system goes on, and shuts down cleanly. A run's
// AbortSignal does the same at once: the run rejects with the signal's reason.
// Data in and out of a run: `args` are posted to every core of the domain before its spawn
// (domain-args.ts), each core's main sees its own copy as `ctx.args`; what main returns, when it is
// a result rather than an exit status (exit-status.ts), comes back with that core's "exited"
// report, and the run resolves once the BSP says the domain is done and every core's report has
// come (they travel on different workers' ports, in any order).
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { type CpuDriverPolicy, checkCpuDriverPolicy } from "../../cpu-driver/cpu-driver.js";
import { describeThrown } from "../../cpu-driver/describe-thrown.js";
import { checkRunArgs } from "../../domain/run-data.js";
import {
  bootTimeoutMs,
  coreStartTimeoutMs,
  cpuTimeReadTimeoutMs,
  domainRunTimeoutMs,
  eventLoopYieldNs,
  inFlightPollNs,
  latencyMeasureTimeoutMs,
  latencyPasses,
  latencyRoundsPerPair,
  latencyWarmupRoundsPerPair,
  physicalMemoryBytes,
  pollSpinNs,
  pollSpinPinnedNs,
  realCoresMax,
  realHeartbeatIntervalMs,
  realHeartbeatMissesMax,
  runTimeoutMsMax,
  shutdownTimeoutMs,
  skbDistributeTimeoutMs,
} from "../../limits.js";
import type { DispatcherExit } from "../../monitor/spawn.js";
import { LatencyMatrix } from "../../skb/latency.js";
import { SystemKnowledgeBase } from "../../skb/skb.js";
import { allocateAlignedShared } from "../../urpc/aligned-memory.js";
import { Doorbell } from "../../urpc/doorbell.js";
import { checkProgram } from "../program/preflight.js";
import type {
  ControlReport,
  ControlRequest,
  CoreStartData,
  CoreStartFault,
  CoreStartTimes,
  CoreStopReport,
} from "./control.js";
import { type CoreEntry, coreEntry } from "./core-bundle.js";
import { type CoreTraceData, mergeCoreTraces } from "./core-trace.js";
import { MemoryPlan } from "./memory-plan.js";
import { reportKeyBytes, reportOriginError, type SignedReport } from "./report-origin.js";
import { sharedShootdownRegionBytes } from "./shared-memory-space.js";
import { readHostTopology } from "./sysfs.js";

export interface BootOptions {
  /** How many cores to boot (numbered 0..n-1); default: every online CPU. */
  readonly cores?: number;
  /** Pin each core's thread to its CPU where possible (default true). */
  readonly pin?: boolean;
  /** Measure the SKB's latency matrix at boot (default true). */
  readonly measureLatency?: boolean;
  /** Write a Chrome Trace Event file of every core's messages and handlers here at shutdown. */
  readonly trace?: string;
  /**
   * Called with each boot-log line and each line a core prints (`ctx.log`, and a domain's console),
   * prefixed `[boot …]` or `[core N]`. Without it those lines go nowhere: pass `console.log` to see
   * them. The boot log is kept in `bootLog` either way.
   */
  readonly onLog?: (line: string) => void;
  /** Called with each line a domain wrote to its console's error stream, prefixed `[core N]`; default: onLog. */
  readonly onErrorLog?: (line: string) => void;
  /**
   * Overrides of the CPU driver's polling policy (src/cpu-driver/cpu-driver.ts), for experiments
   * and tests; by default boot chooses from the number of cores and CPUs.
   */
  readonly pollPolicy?: Partial<CpuDriverPolicy>;
  /**
   * Start each core from the core's bundle (one file and a few chunks: core-bundle.ts), as by
   * default, or, when false, from its modules one by one (slower to start, the same code).
   */
  readonly bundledCore?: boolean;
  /** Longest a core may take from its thread's start to reporting up (default coreStartTimeoutMs). */
  readonly coreStartTimeoutMs?: number;
  /** For tests only: make one core fail to start (see CoreStartFault). */
  readonly startFault?: CoreStartFault;
  /** Default bound on one `run`, in ms (default domainRunTimeoutMs); `run`'s own argument overrides it. */
  readonly runTimeoutMs?: number;
  /** The failure detector's heartbeat period, in ms (default realHeartbeatIntervalMs). */
  readonly heartbeatIntervalMs?: number;
  /** Heartbeat periods without news after which a core is declared failed (default: defaultHeartbeatMisses). */
  readonly heartbeatMissesMax?: number;
}

/** One core's thread CPU time, read inside its worker (thread-cpu.ts). */
export interface CoreCpuTime {
  readonly core: number;
  /** ms since the epoch when it was read. */
  readonly atMs: number;
  /** ns the thread has spent on a CPU; null where it cannot be read (then `error` says why). */
  readonly cpuNs: number | null;
  readonly error?: string;
}

/** One pending wait of the boot thread on the cores' reports. */
interface Waiter {
  /** What is awaited, for errors: "domain /path/x.js", "boot of 4 cores". */
  readonly what: () => string;
  readonly report: (report: ControlReport) => void;
  readonly fail: (error: Error) => void;
}

export interface BootLogEntry {
  readonly atMs: number;
  readonly step: string;
}

/** How to run a domain: `Multikernel.run(program, cores, options)`. */
export interface RunOptions {
  /**
   * Data every core's main gets as `ctx.args` (structured-cloned: each core has its own copy), at
   * most limits.domainArgsBytesMax encoded; default `[]`.
   */
  readonly args?: unknown;
  /**
   * Aborting it rejects the run at once with the signal's reason (an AbortError unless the reason
   * says otherwise) and abandons the domain: its dispatchers are closed, its slot, frames and names
   * freed, and the system goes on. A signal aborted already rejects before anything starts.
   */
  readonly signal?: AbortSignal;
  /**
   * Bound on the run in ms (default BootOptions.runTimeoutMs, else domainRunTimeoutMs): past it the
   * run rejects naming the cores whose main still runs, and the domain is abandoned.
   */
  readonly timeoutMs?: number;
}

/**
 * How a run ended. `exits` has one entry per core, ascending: its status, its error ("" for none)
 * and, when main returned a result rather than an exit status, that result as `value`.
 */
export interface DomainResult {
  readonly domainId: number;
  readonly exits: readonly DispatcherExit[];
  /** 0 when every dispatcher returned 0; else the first non-zero status (1 for a thrown error). */
  readonly status: number;
}

/** A core's "exited" report: when its main ended, and its result if it returned one. */
type ExitedReport = Extract<ControlReport, { kind: "exited" }>;

/** The name a program is spawned under: a path, or a `file:` URL's text. */
function programName(program: string | URL): string {
  if (typeof program === "string") return program;
  if (program.protocol !== "file:")
    throw new TypeError(`run: a program URL must be a file: URL, got ${program.protocol} (${program.href})`);
  return program.href;
}

function checkCoreCount(cores: number): void {
  if (!Number.isInteger(cores) || cores < 1 || cores > realCoresMax) {
    throw new RangeError(
      `boot: cores must be an integer in [1, ${realCoresMax}] (limits.realCoresMax), got ${cores}`,
    );
  }
}

/** Throws a RangeError naming the first of the run and failure-detection bounds that is not valid. */
function checkFailureBounds(options: BootOptions): void {
  const check = (name: string, value: number | undefined, min: number) => {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= min && value <= runTimeoutMsMax))
      throw new RangeError(`boot: ${name} must be an integer in [${min}, ${runTimeoutMsMax}], got ${value}`);
  };
  check("runTimeoutMs", options.runTimeoutMs, 1);
  check("heartbeatIntervalMs", options.heartbeatIntervalMs, 1);
  check("heartbeatMissesMax", options.heartbeatMissesMax, 2);
}

/** "0,2,3", or "none", for errors. */
function listed(cores: ReadonlySet<number>): string {
  return [...cores].sort((a, b) => a - b).join(",") || "none";
}

/** ms since the epoch: comparable with the times a core's thread reports. */
function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** How long each of a core's start-up steps took, for its "up" line of the boot log. */
function describeStart(times: CoreStartTimes, createdAtMs: number): string {
  const ms = (from: number, to: number) => `${(to - from).toFixed(1)} ms`;
  return (
    `thread start ${ms(createdAtMs, times.bootstrappedAtMs)}, modules ${ms(times.bootstrappedAtMs, times.loadedAtMs)}, ` +
    `pin wait ${ms(times.loadedAtMs, times.pinnedAtMs)}, channels and monitor ${ms(times.pinnedAtMs, times.builtAtMs)}`
  );
}

/** A bounded wait that ran out. */
class WaitTimeoutError extends Error {}

/** `promise`, rejected past `ms` or (with the signal's reason) when `signal` aborts; nothing left armed after. */
function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: () => string,
  signal?: AbortSignal,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(`${what()} did not finish within ${ms} ms`)), ms);
    if (signal === undefined) return;
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
  });
}

export class Multikernel {
  readonly bootLog: BootLogEntry[] = [];
  /** Each core's counters, as it reported them when it stopped (filled by shutdown). */
  readonly stopReports: CoreStopReport[] = [];
  readonly cores: number;
  readonly coreIds: readonly number[];
  bootMs = 0;
  /** Where the cores' threads started: the core's bundle, or their modules and why (core-bundle.ts). */
  coreStart: CoreEntry | undefined;
  pinned: boolean[];
  latencyNs: number[][] = [];
  skb: SystemKnowledgeBase | undefined;
  private readonly workers: Worker[] = [];
  /** The boot thread's end of each core's private control channel (see report-origin.ts). */
  private readonly controlPorts: MessagePort[] = [];
  /** The secret each core signs its reports with (report-origin.ts). */
  private readonly reportKeys: string[] = [];
  /** When the boot thread created each core's worker (ms since the epoch). */
  private readonly createdAtMs: number[] = [];
  /** Each core's bound on reporting up, cleared when it does, and at any failure or shutdown. */
  private readonly startTimers = new Map<number, NodeJS.Timeout>();
  private readonly up = new Set<number>();
  /** Each worker's end, resolved by its 'exit' event (which fires once: a late listener would wait forever). */
  private readonly workerExits: Promise<void>[] = [];
  private readonly traces: CoreTraceData[] = [];
  /** Each core's doorbell, in the shared memory: rung after every control message. */
  private doorbells: Doorbell[] = [];
  /** The shared memory as words, and each core's control count in it (MemoryPlan.controlWord). */
  private controlCounts: Int32Array | undefined;
  private controlWords: number[] = [];
  private readonly startMs = performance.now();
  private readonly waiters = new Set<Waiter>();
  private nextRequest = 1;
  private closed = false;
  private failure: Error | undefined;
  /** Every error a core's failure made (coreFailed), to tell them from a run's own errors. */
  private readonly coreFailures = new Set<Error>();
  /** Cores declared failed by another core's detector, or whose worker died: terminated at shutdown. */
  private readonly failedCores = new Set<number>();
  /** The "exited" reports of each core whose dispatcher's main has ended, per domain whose run is waited on. */
  private readonly exitedCores = new Map<number, Map<number, ExitedReport>>();
  /** Exits reported before their domain's "spawned" (reports of different workers may cross). */
  private readonly earlyExits = new Map<number, Map<number, ExitedReport>>();
  /** The request ids of the runs waited on now. */
  private readonly runsWaiting = new Set<number>();
  /** The cores each spawn request's arguments were posted to, until it is answered (domain-args.ts). */
  private readonly argsCores = new Map<number, readonly number[]>();
  /** The highest domain id reported spawned: an exit of an id at most this, not waited on, is late. */
  private lastSpawnedDomainId = 0;

  /** @internal Made by `boot()`. */
  constructor(
    cores: number,
    private readonly options: BootOptions,
  ) {
    this.cores = cores;
    this.coreIds = Array.from({ length: cores }, (_, i) => i);
    this.pinned = this.coreIds.map(() => false);
  }

  step(text: string): void {
    const atMs = performance.now() - this.startMs;
    this.bootLog.push({ atMs, step: text });
    this.options.onLog?.(`[boot ${atMs.toFixed(1).padStart(7)} ms] ${text}`);
  }

  /**
   * Resolves with the first report that `pick` accepts (returns non-undefined for); rejects at once
   * if a core has failed or fails meanwhile, since a dead core would never send what is awaited.
   */
  private waitFor<T>(
    pick: (report: ControlReport) => T | undefined,
    ms: number,
    what: string | (() => string),
    signal?: AbortSignal,
  ): Promise<T> {
    const describe = typeof what === "string" ? () => what : what;
    let waiter: Waiter | undefined;
    const promise = new Promise<T>((resolve, reject) => {
      if (this.failure !== undefined) reject(this.failure);
      waiter = {
        report: (report) => {
          try {
            const value = pick(report);
            if (value !== undefined) resolve(value);
          } catch (error) {
            reject(error);
          }
        },
        fail: reject,
        what: describe,
      };
      this.waiters.add(waiter);
    });
    return withTimeout(promise, ms, describe, signal).finally(() => this.waiters.delete(waiter!));
  }

  /** A core's worker died: the system cannot go on; every wait fails with why. */
  private coreFailed(error: Error): void {
    this.coreFailures.add(error);
    this.failure ??= error;
    for (const waiter of [...this.waiters]) waiter.fail(error);
  }

  /** A core's detector declared `report.core` failed: the system cannot go on without it. */
  private peerFailed(report: Extract<ControlReport, { kind: "peer-failed" }>): void {
    // A core already failed (a domain looped on it, it resumed) hears nothing from the others, who
    // stopped sending to it: what it concludes of them is not news.
    if (this.failedCores.has(report.core) || this.failedCores.has(report.by)) return;
    this.failedCores.add(report.core);
    this.step(`core ${report.core} declared failed by core ${report.by}: ${report.reason}`);
    this.coreFailed(new Error(`core ${report.core} failed: ${report.reason}`));
  }

  /** Notes that a dispatcher's main ended (with its result), for its run and its bound's error. */
  private dispatcherExited(report: ExitedReport): void {
    const waited = this.exitedCores.get(report.domainId);
    if (waited !== undefined) waited.set(report.core, report);
    else if (report.domainId > this.lastSpawnedDomainId) {
      const early = this.earlyExits.get(report.domainId) ?? new Map<number, ExitedReport>();
      this.earlyExits.set(report.domainId, early.set(report.core, report));
    }
  }

  /**
   * The BSP answered spawn request `requestId`: its arguments are claimed or let go, and, if its
   * run is still waited on, its domain's exits are noted from now on (an abandoned run's are not).
   */
  private spawnAnswered(report: Extract<ControlReport, { kind: "spawned" | "spawn-failed" }>): void {
    const argsCores = this.argsCores.get(report.requestId) ?? [];
    this.argsCores.delete(report.requestId);
    if (report.kind === "spawn-failed") {
      for (const core of argsCores) this.post(core, { kind: "domain-args-drop", key: report.requestId });
      return;
    }
    this.lastSpawnedDomainId = Math.max(this.lastSpawnedDomainId, report.domainId);
    const early = this.earlyExits.get(report.domainId) ?? new Map<number, ExitedReport>();
    this.earlyExits.delete(report.domainId);
    if (this.runsWaiting.has(report.requestId)) this.exitedCores.set(report.domainId, early);
  }

  /** A report over `fromCore`'s control channel: believed only if it agrees with its channel. */
  private onCoreReport(fromCore: number, signed: SignedReport): void {
    const { key, ...report } = signed;
    const refused =
      key === this.reportKeys[fromCore]
        ? reportOriginError(fromCore, this.coreIds[0]!, report)
        : "not signed by the core";
    if (refused === undefined) this.onReport(report);
    else this.step(`core ${fromCore}: ignored a ${report.kind} report on its control channel: ${refused}`);
  }

  private onReport(report: ControlReport): void {
    if (report.kind === "up") this.coreUp(report);
    if (report.kind === "peer-failed") this.peerFailed(report);
    if (report.kind === "exited") this.dispatcherExited(report);
    if (report.kind === "spawned" || report.kind === "spawn-failed") this.spawnAnswered(report);
    if (report.kind === "log") this.options.onLog?.(`[core ${report.core}] ${report.line}`);
    if (report.kind === "trace") this.traces.push(report.data);
    if (report.kind === "stopped") {
      this.stopReports.push(report);
      this.step(
        `core ${report.core} stopped: ${report.delivered} messages delivered, slept ${report.sleeps} times (${report.sleepsWithCallsInFlight} with calls in flight), ${report.receiveErrors} receive errors`,
      );
    }
    if (report.kind === "connected")
      this.step(`core ${report.core}: monitor connected to all ${this.cores - 1} other monitors`);
    for (const waiter of [...this.waiters]) waiter.report(report);
  }

  /**
   * The cores' polling policy. Idle cores poll long only while a CPU is left over for the boot
   * thread and V8's own threads: with every CPU taken by a spinning core, long polls starve them
   * (measured: docs/platform.md). With a CPU for every core a core polls while its calls are in
   * flight; with fewer, it sleeps after the short window and lets the CPU go to the peer that must
   * answer. BootOptions.pollPolicy overrides any of it (checked here, before any thread starts).
   */
  private pollPolicy(cpus: number): CpuDriverPolicy {
    const idlePollNs = this.cores < cpus ? pollSpinPinnedNs : pollSpinNs;
    const policy: CpuDriverPolicy = {
      idlePollNs,
      inFlightPollNs: this.cores <= cpus ? inFlightPollNs : idlePollNs,
      eventLoopYieldNs,
      ...this.options.pollPolicy,
    };
    checkCpuDriverPolicy(policy);
    return policy;
  }

  private coreUp(report: Extract<ControlReport, { kind: "up" }>): void {
    this.up.add(report.core);
    clearTimeout(this.startTimers.get(report.core));
    this.startTimers.delete(report.core);
    this.pinned[report.core] = report.pinned;
    const pin = report.pinned ? `pinned to CPU ${report.core}` : `not pinned (${report.pinReason})`;
    const times = describeStart(report.times, this.createdAtMs[report.core] ?? report.times.bootstrappedAtMs);
    this.step(`core ${report.core} up, ${pin}: ${times}`);
  }

  private clearStartTimers(): void {
    for (const timer of this.startTimers.values()) clearTimeout(timer);
    this.startTimers.clear();
  }

  /** Starts a core's worker, bounded by `startTimeoutMs` until it reports up. */
  private startWorker(entryUrl: URL, data: CoreStartData, startTimeoutMs: number): void {
    this.createdAtMs[data.coreId] = epochMs();
    // Reports and requests travel on a private channel, not on the worker's parentPort, which any
    // domain on the core can post on (report-origin.ts).
    const control = new MessageChannel();
    const reportKey = randomBytes(reportKeyBytes).toString("hex");
    this.reportKeys[data.coreId] = reportKey;
    const worker = new Worker(entryUrl, {
      workerData: { ...data, controlPort: control.port2, reportKey } satisfies CoreStartData,
      transferList: [control.port2],
      stdout: true,
      stderr: true,
    });
    this.controlPorts[data.coreId] = control.port1;
    const prefix = (stream: NodeJS.ReadableStream, log: ((line: string) => void) | undefined) => {
      let pending = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) log?.(`[core ${data.coreId}] ${line}`);
      });
      // A last line with no newline is printed when the worker's stream ends, not lost.
      stream.on("end", () => {
        if (pending !== "") log?.(`[core ${data.coreId}] ${pending}`);
        pending = "";
      });
    };
    prefix(worker.stdout, this.options.onLog);
    prefix(worker.stderr, this.options.onErrorLog ?? this.options.onLog);
    control.port1.on("message", (report: SignedReport) => this.onCoreReport(data.coreId, report));
    worker.on("message", () =>
      this.step(`core ${data.coreId}: ignored a message posted on its worker's parentPort (not a report)`),
    );
    worker.on("error", (error) => {
      this.failedCores.add(data.coreId);
      const what = this.up.has(data.coreId) ? "failed" : "failed to start";
      this.coreFailed(new Error(`core ${data.coreId} ${what}: ${error.message}`));
      this.options.onLog?.(`[core ${data.coreId}] crashed: ${error.stack ?? error.message}`);
    });
    // The worker's last reports are in once its end of the channel has closed, after its exit.
    const reportsEnded = new Promise<void>((resolve) => control.port1.once("close", resolve));
    const exited = new Promise<void>((resolve) => {
      worker.once("exit", (code) => {
        // A worker ends by itself only when shut down; any other end (process.exit in a domain,
        // say) leaves the system without that core.
        if (!this.closed)
          this.coreFailed(new Error(`core ${data.coreId} exited unexpectedly (code ${code})`));
        resolve();
      });
    });
    this.workerExits[data.coreId] = Promise.all([exited, reportsEnded]).then(() => {});
    this.workers[data.coreId] = worker;
    const startTimer = setTimeout(() => {
      const cpus = availableParallelism();
      // Many more cores than CPUs is the usual cause: say so, with the two ways out.
      const crowded =
        this.cores > cpus
          ? `; ${this.cores} cores share ${cpus} CPUs: boot fewer cores, or allow each more time (coreStartTimeoutMs)`
          : "";
      this.coreFailed(
        new Error(
          `core ${data.coreId} failed to start: not up within ${startTimeoutMs} ms of its thread's start${crowded}`,
        ),
      );
    }, startTimeoutMs);
    this.startTimers.set(data.coreId, startTimer);
  }

  /** Posts a control request to a core and wakes it. */
  private post(core: number, request: ControlRequest): void {
    this.controlPorts[core]?.postMessage(request);
    // The core may sleep in Atomics.wait, or be about to: count the message where the core checks
    // before it sleeps, then ring its doorbell, so that it turns to its event loop either way.
    if (this.controlCounts !== undefined) Atomics.add(this.controlCounts, this.controlWords[core]!, 1);
    this.doorbells[core]?.ring();
  }

  /** @internal Starts every core and waits for boot to complete (called by `boot()`). */
  async bootCores(
    memory: SharedArrayBuffer,
    plan: MemoryPlan,
    pin: boolean,
    vmMemory?: { physicalMemory: SharedArrayBuffer; sharedShootdown: SharedArrayBuffer },
  ): Promise<void> {
    this.doorbells = this.coreIds.map((_, i) => new Doorbell(memory, plan.doorbellWord(i)));
    this.controlCounts = new Int32Array(memory);
    this.controlWords = this.coreIds.map((_, i) => plan.controlWord(i));
    const cpus = availableParallelism();
    const pinnable = pin && this.cores <= cpus;
    if (pin && !pinnable)
      this.step(`${this.cores} cores on ${cpus} CPUs: threads left unpinned, the OS shares the CPUs`);
    // Idle cores poll long only while a CPU is left over for the boot thread and V8's own threads:
    // with every CPU taken by a spinning core, long polls starve them (measured: docs/platform.md).
    const policy = this.pollPolicy(cpus);
    const fault = this.options.startFault;
    const dataFor = (coreId: number): CoreStartData => ({
      coreId,
      coreIds: this.coreIds,
      memory,
      cpu: pinnable ? coreId : null,
      policy,
      trace: this.options.trace !== undefined,
      heartbeatIntervalNs: (this.options.heartbeatIntervalMs ?? realHeartbeatIntervalMs) * 1e6,
      heartbeatMissesMax:
        this.options.heartbeatMissesMax ??
        defaultHeartbeatMisses(this.cores, cpus, this.options.heartbeatIntervalMs),
      ...vmMemory,
      ...(fault?.core === coreId ? { startFault: fault.kind } : {}),
    });
    let bspSaysConnected = false;
    const connected = new Set<number>();
    const allConnected = this.waitFor(
      (report) => {
        if (report.kind === "all-connected") bspSaysConnected = true;
        if (report.kind === "connected") connected.add(report.core);
        // Reports of different workers may arrive in any order: a core's own "up" or "connected"
        // may follow the BSP's word; the boot is logged up only once every core's has come.
        const done = bspSaysConnected && this.up.size === this.cores && connected.size === this.cores;
        return done ? true : undefined;
      },
      bootTimeoutMs,
      () => `boot of ${this.cores} cores (up: ${listed(this.up)}; monitors connected: ${listed(connected)})`,
    );
    const startTimeoutMs = this.options.coreStartTimeoutMs ?? coreStartTimeoutMs;
    const entry = coreEntry(this.options.bundledCore ?? true);
    this.coreStart = entry;
    const from = entry.bundled ? "the core bundle" : `their modules (${entry.reason})`;
    this.step(`start the threads of all ${this.cores} cores at once, from ${from}`);
    for (const core of this.coreIds) this.startWorker(entry.url, dataFor(core), startTimeoutMs);
    await allConnected;
    this.bootMs = performance.now() - this.startMs;
    this.step(`all ${this.cores} monitors connected (bootMs ${this.bootMs.toFixed(1)})`);
  }

  async measureLatency(): Promise<void> {
    // Each core's worker compiles its own code: the first passes run the probe while the JIT warms
    // up every core, so that early pairs do not look slower than late ones. Only the last is kept.
    for (let pass = 0; pass < latencyPasses; pass++) {
      const rows = this.waitFor(
        (report) => (report.kind === "latency" ? report.rows : undefined),
        latencyMeasureTimeoutMs,
        "SKB latency measurement",
      );
      this.post(0, {
        kind: "measure",
        warmupRounds: latencyWarmupRoundsPerPair,
        rounds: latencyRoundsPerPair,
      });
      this.latencyNs = (await rows).map((row) => row.map((ns) => Math.round(ns)));
    }
    const matrix = LatencyMatrix.fromRows(this.latencyNs);
    this.skb = new SystemKnowledgeBase(readHostTopology(), matrix);
    const packages = this.skb.packages();
    this.step(
      `SKB: measured ${(this.cores * (this.cores - 1)) / 2} core pairs × ${latencyRoundsPerPair} round trips; ` +
        `${packages.length} package(s) (${this.skb.clustering.source})`,
    );
    // Each core's vm module builds the same SKB from these rows (multicast packages and trees).
    const told = new Set<number>();
    const allTold = this.waitFor(
      (report) => {
        if (report.kind === "skb-set") told.add(report.core);
        return told.size === this.cores ? true : undefined;
      },
      skbDistributeTimeoutMs,
      "SKB distribution to the cores",
    );
    for (const core of this.coreIds) this.post(core, { kind: "skb", rows: this.latencyNs });
    await allTold;
  }

  /**
   * Runs `program` (a module path, a `file:` URL or URL object, exporting `main`) on `cores`
   * (default every core), with `options` (RunOptions; a number is taken as `timeoutMs`, the
   * earlier signature); resolves when every dispatcher ended, with each core's status and result.
   * Rejects past the bound naming the cores whose main still runs, with the signal's reason when it
   * aborts (both abandon the domain), or at once when a core fails, naming it.
   */
  async run(
    program: string | URL,
    cores: readonly number[] = this.coreIds,
    options: RunOptions | number = {},
  ): Promise<DomainResult> {
    if (this.closed) throw new Error("run: the system is shut down");
    const { args, signal, timeoutMs } = this.runOptions(options);
    signal?.throwIfAborted();
    const name = programName(program);
    await checkProgram(program); // Once here, not once per core: a ProgramLoadError with a hint.
    if (this.closed) throw new Error(`domain ${name}: the system was shut down`); // While it checked.
    const requestId = this.nextRequest++;
    let domainId = 0;
    let exits: readonly DispatcherExit[] | undefined;
    const done = this.waitFor(
      (report) => {
        if (report.kind === "spawn-failed" && report.requestId === requestId) throw new Error(report.error);
        if (report.kind === "spawned" && report.requestId === requestId) domainId = report.domainId;
        if (report.kind === "domain-done" && report.requestId === requestId) exits = report.exits;
        return exits === undefined ? undefined : this.withResults(domainId, exits);
      },
      timeoutMs,
      `domain ${name}`,
      signal,
    );
    this.runsWaiting.add(requestId);
    const argsKey = this.postArgs(requestId, cores, args);
    this.post(0, { kind: "spawn", requestId, program: name, cores, argsKey });
    try {
      const ended = await done;
      const failed = ended.find((exit) => exit.status !== 0);
      return { domainId, exits: ended, status: failed?.status ?? 0 };
    } catch (error) {
      throw this.runFailed(error, requestId, name, () => this.runState(domainId, cores), signal);
    } finally {
      this.runsWaiting.delete(requestId);
      this.exitedCores.delete(domainId);
    }
  }

  /** `run`'s options, checked; a number is the bound (run's earlier third argument). */
  private runOptions(options: RunOptions | number): {
    readonly args: unknown;
    readonly signal: AbortSignal | undefined;
    readonly timeoutMs: number;
  } {
    const given = typeof options === "number" ? { timeoutMs: options } : options;
    const timeoutMs = given.timeoutMs ?? this.options.runTimeoutMs ?? domainRunTimeoutMs;
    if (!(Number.isSafeInteger(timeoutMs) && timeoutMs >= 1 && timeoutMs <= runTimeoutMsMax))
      throw new RangeError(`run: timeoutMs must be an integer in [1, ${runTimeoutMsMax}], got ${timeoutMs}`);
    if (given.args !== undefined) checkRunArgs(given.args, "run");
    return { args: given.args, signal: given.signal, timeoutMs };
  }

  /**
   * Posts a run's arguments to each of its cores, ahead of its spawn (domain-args.ts); returns the
   * key the spawn carries (0 when there are none). Cores that do not exist are left to the spawn
   * to refuse.
   */
  private postArgs(requestId: number, cores: readonly number[], args: unknown): number {
    if (args === undefined) return 0;
    const targets = [...new Set(cores)].filter((core) => this.workers[core] !== undefined);
    this.argsCores.set(requestId, targets);
    for (const core of targets) this.post(core, { kind: "domain-args", key: requestId, args });
    return requestId;
  }

  /** Once every core of a done domain has reported its exit: the exits, each with its result. */
  private withResults(domainId: number, exits: readonly DispatcherExit[]): DispatcherExit[] | undefined {
    const reported = this.exitedCores.get(domainId);
    if (reported === undefined || exits.some((exit) => !reported.has(exit.core))) return undefined;
    return exits.map((exit) => {
      const report = reported.get(exit.core)!;
      return "value" in report ? { ...exit, value: report.value } : exit;
    });
  }

  /** Which cores still run main, for the bound's and a failed core's error. */
  private runState(domainId: number, cores: readonly number[]): string {
    if (domainId === 0) return "not spawned yet";
    const exited = this.exitedCores.get(domainId) ?? new Map<number, ExitedReport>();
    const running = cores.filter((core) => !exited.has(core));
    const still =
      running.length === 0
        ? "every main returned"
        : `main still running on ${running.length === 1 ? "core" : "cores"} ${running.join(",")}`;
    return `id ${domainId}, ${still}`;
  }

  /**
   * The error a run that did not end rejects with. A failed core's error says which core, the
   * bound's which domain: say what still ran. An aborted or timed-out run's domain is abandoned,
   * so that it holds nothing; the system goes on.
   */
  private runFailed(
    error: unknown,
    requestId: number,
    name: string,
    state: () => string,
    signal: AbortSignal | undefined,
  ): unknown {
    if (error instanceof Error && this.coreFailures.has(error))
      return new Error(`domain ${name} (${state()}): ${error.message}`, { cause: error });
    if (signal?.aborted === true && error === signal.reason) {
      this.post(0, { kind: "abandon", requestId, reason: `the run was aborted: ${describeThrown(error)}` });
      return error;
    }
    if (error instanceof WaitTimeoutError) {
      const message = `${error.message} (${state()})`;
      this.post(0, { kind: "abandon", requestId, reason: message });
      return new Error(message);
    }
    return error;
  }

  /**
   * Boot is complete: every core's failure detector starts watching the others. Not before: a
   * core still starting, or away in the SKB's round-trip probe for seconds on a loaded machine,
   * is for the boot's own bounds to time out.
   */
  armDetectors(): void {
    for (const core of this.coreIds) this.post(core, { kind: "arm-detector" });
  }

  /** Each core's thread CPU time now, read inside its worker between two turns of its poll loop. */
  async cpuTimes(): Promise<CoreCpuTime[]> {
    if (this.closed) throw new Error("cpuTimes: the system is shut down");
    const requestId = this.nextRequest++;
    const times = new Map<number, CoreCpuTime>();
    const all = this.waitFor(
      (report) => {
        if (report.kind !== "cpu-time" || report.requestId !== requestId) return undefined;
        const { core, atMs, cpuNs, error } = report;
        times.set(core, { core, atMs, cpuNs, ...(error === undefined ? {} : { error }) });
        return times.size === this.cores ? this.coreIds.map((c) => times.get(c)!) : undefined;
      },
      cpuTimeReadTimeoutMs,
      () => `reading the CPU time of every core (answered: ${[...times.keys()].join(",") || "none"})`,
    );
    for (const core of this.coreIds) this.post(core, { kind: "cpu-time", requestId });
    return all;
  }

  /** Stops every core and waits for its worker to end; terminates any that does not in time. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearStartTimers();
    const live = this.workers.filter((w) => w !== undefined);
    // A failed core's thread may never turn to its event loop again (a domain's endless loop):
    // terminate it at once; ask every other core to stop.
    const failed = [...this.failedCores].flatMap((core) => this.workers[core] ?? []);
    await Promise.all(failed.map((worker) => worker.terminate()));
    for (const [core] of this.workers.entries())
      if (!this.failedCores.has(core)) this.post(core, { kind: "shutdown" });
    await this.workersEnded("shutdown timed out: terminating the remaining workers");
    await Promise.all(live.map((worker) => worker.terminate()));
    this.closeControlPorts();
    // Whatever still waits (a domain that had not finished) will never hear: say so, rather than
    // leave its promise, and its timeout's timer, pending.
    for (const waiter of [...this.waiters])
      waiter.fail(new Error(`${waiter.what()}: the system was shut down`));
    this.waiters.clear();
    if (this.options.trace !== undefined) {
      writeFileSync(this.options.trace, mergeCoreTraces(this.traces));
      this.options.onLog?.(`[boot] trace of ${this.traces.length} cores written to ${this.options.trace}`);
    }
  }

  /**
   * Waits, at most shutdownTimeoutMs, for every worker's exit and its control port's close; logs
   * `late` when they do not all come in time.
   */
  private async workersEnded(late: string): Promise<void> {
    try {
      await withTimeout(Promise.all(this.workerExits), shutdownTimeoutMs, () => "the workers' ends");
    } catch {
      this.options.onLog?.(`[boot] ${late}`);
    }
  }

  /** Closes the boot thread's end of every control channel (idempotent). */
  private closeControlPorts(): void {
    for (const port of this.controlPorts) port?.close();
  }

  /**
   * Terminates every worker at once (after a failed boot) and lets go of the shared memory. Resolves
   * once every worker has exited and every control port has finished closing (a port's close
   * completes in a later phase of the event loop than the call), bounded by shutdownTimeoutMs.
   */
  async kill(): Promise<void> {
    this.closed = true;
    this.clearStartTimers();
    await Promise.all(this.workers.filter((w) => w !== undefined).map((worker) => worker.terminate()));
    this.closeControlPorts();
    await this.workersEnded("a failed boot's control ports did not finish closing in time");
    // The workers held the only other references to the shared memory: dropping the doorbells
    // leaves it to the collector even while the caller keeps this object.
    this.doorbells = [];
  }
}

/** Boots a multikernel on this machine's cores. */
/**
 * The failure detector's misses when the boot does not say: realHeartbeatMissesMax for each core
 * that shares a CPU, since a live core gets its CPU that much less often (100 cores on 2 CPUs
 * are silent for seconds at a time), bounded so that a busy-looping domain is still detected
 * within half of a run's default bound.
 */
export function defaultHeartbeatMisses(
  cores: number,
  cpus: number,
  intervalMs = realHeartbeatIntervalMs,
): number {
  const coresPerCpu = Math.max(1, Math.ceil(cores / Math.max(1, cpus)));
  const missesMax = Math.max(2, Math.floor(domainRunTimeoutMs / 2 / intervalMs));
  return Math.min(realHeartbeatMissesMax * coresPerCpu, missesMax);
}

export async function boot(options: BootOptions = {}): Promise<Multikernel> {
  const cores = options.cores ?? availableParallelism();
  checkCoreCount(cores);
  checkFailureBounds(options);
  const system = new Multikernel(cores, options);
  try {
    const plan = new MemoryPlan(cores);
    const memory = allocateAlignedShared(plan.totalBytes, "channels");
    system.step(`allocated ${(plan.totalBytes / 1024).toFixed(0)} KiB of shared memory for ${cores} cores`);
    // Physical memory for the domains' address spaces, and the shared-memory shootdown's region.
    const physicalMemory = allocateAlignedShared(physicalMemoryBytes, "physical memory");
    const sharedShootdown = allocateAlignedShared(sharedShootdownRegionBytes, "shared-memory shootdown");
    system.step(`allocated ${physicalMemoryBytes / 1024 / 1024} MiB of physical memory for frames`);
    await system.bootCores(memory, plan, options.pin ?? true, { physicalMemory, sharedShootdown });
    if (options.measureLatency ?? true) await system.measureLatency();
    system.armDetectors();
    return system;
  } catch (error) {
    await system.kill();
    throw error;
  }
}
