// The program of one core's worker thread (loaded by core-entry.ts, which has started pinning the
// thread): build the core's monitor, and run its poll loop.
//
// Boot, step by step: the boot thread starts every core's worker at once (threads are what a
// core's start costs here, not the start-up IPI a BSP sends: they load in parallel); each worker
// loads its modules while it pins itself, opens its channels, reports up with when each step ended, and
// runs its monitor, which greets every other monitor over URPC (a hello to a core still loading
// waits in its channel). When every monitor has heard from all the others, the BSP (the lowest
// core) reports the system connected. Control requests from the boot thread (measure, spawn,
// shutdown, CPU time) arrive on the core's private control port (report-origin.ts) and go to the
// core's monitor modules; every report goes back on it, never on parentPort.
//
// Failure detection: every core's monitor runs the heartbeat module (liveness.ts) with the boot's
// interval and misses (seconds by default: limits.realHeartbeatIntervalMs), armed by the boot
// thread once boot is complete (before, the boot's own bounds time a core out). A peer declared failed is
// fanned out by the core (RealCore.onPeerFailed) to the monitor's modules and reported to the boot
// thread ("peer-failed"), which ends the runs in progress naming the core. Each dispatcher's exit
// is reported too ("exited"), so that a run's bound can name the cores whose main still runs, with
// the core's result when main returned one. A domain's arguments arrive here before or after its
// spawn (domain-args.ts); a run given up (aborted, or past its bound) is abandoned by the BSP's
// spawn module, which knows it by the boot thread's request id.
// A failure no domain caught (an unhandled rejection, a throw from a host timer) does not end the
// worker: it is blamed on the domain whose main is running here, or on the core, and reported
// (escaped-failures.ts).
import { performance } from "node:perf_hooks";
import { type MessagePort, workerData } from "node:worker_threads";
import { describeThrown } from "../../cpu-driver/describe-thrown.js";
import { BootModule } from "../../monitor/boot.js";
import { exitStatusFailed } from "../../monitor/exit-status.js";
import { LatencyProbeModule } from "../../monitor/latency-probe.js";
import { LivenessModule } from "../../monitor/liveness.js";
import { Monitor } from "../../monitor/monitor.js";
import { SpawnModule } from "../../monitor/spawn.js";
import { VmModule } from "../../monitor/vm-module.js";
import { LatencyMatrix } from "../../skb/latency.js";
import { SystemKnowledgeBase } from "../../skb/skb.js";
import type { ControlReport, ControlRequest, CoreStartData } from "./control.js";
import { DomainHost } from "./domain-host.js";
import { EscapedFailures } from "./escaped-failures.js";
import { pinningOfThisThread } from "./pinning.js";
import { RealCore } from "./real-core.js";
import { sharedMemoryOpener } from "./shared-memory-space.js";
import { readHostTopology } from "./sysfs.js";
import { readThreadCpu } from "./thread-cpu.js";

/** ms since the epoch, comparable with the boot thread's clock. */
const epochMs = () => performance.timeOrigin + performance.now();
const loadedAtMs = epochMs();
// A worker shares the process's time origin; its nodeTiming marks are its own thread's.
const bootstrappedAtMs = performance.timeOrigin + performance.nodeTiming.bootstrapComplete;

const data = workerData as CoreStartData;
const port = takeControlPort();
const reportKey = takeReportKey();
// Bound now, before any domain loads: a domain that patches MessagePort.prototype later sees no key.
const postReport = port.postMessage.bind(port);
const report = (message: ControlReport) => postReport({ ...message, key: reportKey });
const log = (line: string) => report({ kind: "log", core: data.coreId, line });
/** Failures no domain caught (a rejection left unhandled, a throw from a host timer). */
const escapes = new EscapedFailures(data.coreId, log);

// (Declared before the top-level await below, which runs the core and so builds its monitor.)
/**
 * The spawn module, also telling the boot thread each time a dispatcher's main ends on this core,
 * with main's result (the monitors carry the status, the control port the result).
 */
class ExitReportingSpawnModule extends SpawnModule {
  override exited(domainId: number, status: number, error: string, value?: unknown): void {
    const outcome = escapes.mainEnded(domainId, { status, error });
    try {
      report({ kind: "exited", domainId, core: data.coreId, ...(value === undefined ? {} : { value }) });
    } catch (thrown) {
      // exit-status.ts checked that the value clones; should postMessage still refuse it, say so.
      report({ kind: "exited", domainId, core: data.coreId });
      super.exited(
        domainId,
        exitStatusFailed,
        `main's result could not be posted: ${describeThrown(thrown)}`,
      );
      return;
    }
    super.exited(domainId, outcome.status, outcome.error);
  }
}

/** On the BSP: the domain each spawn request of the boot thread started, until it is done. */
const spawnedDomains = new Map<number, number>();

/** The domain host, telling `escapes` which domains' mains run here (escaped-failures.ts). */
class EscapeTrackingDomainHost extends DomainHost {
  override startDispatcher(
    domainId: number,
    program: string,
    cores: readonly number[],
    argsKey: number,
  ): void {
    escapes.mainStarted(domainId);
    super.startDispatcher(domainId, program, cores, argsKey);
  }

  override closeDispatcher(domainId: number): void {
    escapes.forget(domainId);
    super.closeDispatcher(domainId);
  }
}

/** From now on a failure that escapes the domains is reported, and the worker goes on. */
function catchEscapedFailures(): void {
  process.on("unhandledRejection", (reason: unknown) => escapes.escaped("an unhandled rejection", reason));
  process.on("uncaughtException", (thrown: unknown) => escapes.escaped("an uncaught exception", thrown));
}

/**
 * The private channel to the boot thread, taken out of workerData (which any domain can import)
 * before any domain loads: only this module holds it, so only this core's own code reports.
 */
function takeControlPort(): MessagePort {
  const controlPort = data.controlPort;
  if (controlPort === undefined) throw new Error(`core ${data.coreId}: no control port in workerData`);
  delete (data as { controlPort?: MessagePort }).controlPort;
  return controlPort;
}

/** The key that signs this core's reports, taken out of workerData as the port is. */
function takeReportKey(): string {
  const key = data.reportKey;
  if (key === undefined) throw new Error(`core ${data.coreId}: no report key in workerData`);
  delete (data as { reportKey?: string }).reportKey;
  return key;
}

if (data.startFault === "throw") throw new Error(`core ${data.coreId}: start-up failure staged by a test`);
if (data.startFault === "hang") {
  // Never report up, and stay alive doing nothing: the boot thread's start bound must catch it.
  setInterval(() => {}, 1 << 30);
} else {
  await runCore();
}

async function runCore(): Promise<void> {
  catchEscapedFailures();
  const pin = await pinningOfThisThread();
  const pinnedAtMs = epochMs();
  const core = new RealCore(data, log);
  const { monitor, domains, controlled } = buildMonitor(core);
  port.on("message", (request: ControlRequest) => {
    controlled(request);
    core.publish();
  });
  report({
    kind: "up",
    core: data.coreId,
    pinned: pin.pinned,
    ...(pin.reason === undefined ? {} : { pinReason: pin.reason }),
    times: { bootstrappedAtMs, loadedAtMs, pinnedAtMs, builtAtMs: epochMs() },
  });
  await core.run(monitor);
  domains.closeAll();
  if (core.trace !== undefined) report({ kind: "trace", data: core.trace.data() });
  report({
    kind: "stopped",
    core: data.coreId,
    delivered: core.delivered,
    sleeps: core.driver.sleeps,
    sleepsWithCallsInFlight: core.driver.sleepsWithCallsInFlight,
    receiveErrors: core.receiveErrors,
  });
  port.close();
}

/** The core's monitor and its modules, and the handler of the boot thread's requests. */
function buildMonitor(core: RealCore) {
  const monitor = new Monitor(core.env);
  const liveness = addFailureDetector(core, monitor);
  const boot = new BootModule(core.env, {
    onConnected: (c) => report({ kind: "connected", core: c }),
    onAllConnected: () => report({ kind: "all-connected" }),
  });
  const latency = monitor.add(new LatencyProbeModule(core.env));
  const domains = new EscapeTrackingDomainHost(monitor, log);
  core.onPeerFailed(domains); // every binding to a failed core rejects its calls
  const spawn = monitor.add(new ExitReportingSpawnModule(core.env, domains));
  domains.attach(spawn);
  monitor.add(boot);
  const vm = monitor.add(
    new VmModule(core.env, {
      ...(data.physicalMemory === undefined ? {} : { physicalMemory: data.physicalMemory }),
      ...(data.sharedShootdown === undefined
        ? {}
        : { sharedMemory: sharedMemoryOpener(data.sharedShootdown, core) }),
    }),
  );
  const controlled = (request: ControlRequest): void => {
    switch (request.kind) {
      case "measure":
        latency.measureAll(request.warmupRounds, request.rounds, (rows) => report({ kind: "latency", rows }));
        break;
      case "spawn":
        spawnRequested(spawn, request);
        break;
      case "domain-args":
        domains.args.delivered(request.key, request.args);
        break;
      case "domain-args-drop":
        domains.args.drop(request.key);
        break;
      case "abandon":
        abandonRequested(spawn, request);
        break;
      case "shutdown":
        core.stop();
        break;
      case "skb":
        skbReceived(vm, request.rows);
        break;
      case "cpu-time":
        cpuTimeRequested(request.requestId);
        break;
      case "arm-detector":
        liveness.arm();
        break;
    }
  };
  return { monitor, domains, controlled };
}

/**
 * The heartbeat module, first among the platform's modules (it sees every message the name service
 * and binding do not claim as news of its sender), and who hears of a failure: the monitor's
 * modules and the boot thread. This core's dispatchers are the third listener (RealCore.onPeerFailed).
 */
function addFailureDetector(core: RealCore, monitor: Monitor): LivenessModule {
  const liveness = monitor.add(
    new LivenessModule(core.env, {
      heartbeatIntervalNs: data.heartbeatIntervalNs,
      heartbeatMissesMax: data.heartbeatMissesMax,
      armAtStart: false,
      onPeerFailed: (failed, _nowNs, reason) => core.peerCoreFailed(failed, reason),
    }),
  );
  core.onPeerFailed(monitor);
  core.onPeerFailed({
    peerCoreFailed: (failed, reason) =>
      report({ kind: "peer-failed", core: failed, by: data.coreId, reason }),
  });
  return liveness;
}

function spawnRequested(spawn: SpawnModule, request: Extract<ControlRequest, { kind: "spawn" }>): void {
  const { requestId } = request;
  try {
    const onDone: Parameters<SpawnModule["spawn"]>[2] = (exits) => {
      spawnedDomains.delete(requestId);
      report({ kind: "domain-done", requestId, exits });
    };
    const domainId = spawn.spawn(request.program, request.cores, onDone, request.argsKey);
    spawnedDomains.set(requestId, domainId);
    report({ kind: "spawned", requestId, domainId });
  } catch (error) {
    report({ kind: "spawn-failed", requestId: request.requestId, error: describeThrown(error) });
  }
}

/** The boot thread gave up a run: free its domain's slot, frames and names (spawn.ts's abandon). */
function abandonRequested(spawn: SpawnModule, request: Extract<ControlRequest, { kind: "abandon" }>): void {
  const domainId = spawnedDomains.get(request.requestId);
  // Not spawned (the spawn failed) or done already: nothing to give up.
  if (domainId !== undefined) spawn.abandon(domainId, request.reason);
}

function skbReceived(vm: VmModule, rows: readonly (readonly number[])[]): void {
  // Every core builds the same SKB from the same measurements: packages and trees agree.
  try {
    vm.setTopology(new SystemKnowledgeBase(readHostTopology(), LatencyMatrix.fromRows(rows)));
  } catch (error) {
    // Every core reads the same rows and sysfs, so every core ends up here alike: one package.
    log(`vm: no SKB for multicast trees, one package: ${describeThrown(error)}`);
  }
  report({ kind: "skb-set", core: data.coreId });
}

/** Reads this thread's CPU time: one small file read, between two turns of the poll loop. */
function cpuTimeRequested(requestId: number): void {
  const read = readThreadCpu();
  const atMs = epochMs();
  if ("cpuNs" in read) report({ kind: "cpu-time", core: data.coreId, requestId, atMs, cpuNs: read.cpuNs });
  else report({ kind: "cpu-time", core: data.coreId, requestId, atMs, cpuNs: null, error: read.error });
}
