// The program of one core's worker thread: pin, build the core's monitor, and run its poll loop.
//
// Boot, step by step, as Barrelfish does it: the boot thread starts the BSP's worker (the lowest
// core); the BSP asks for the other cores to be started (the analogue of its start-up IPIs), each
// of which, once up, greets every other monitor over URPC; when every monitor has heard from all
// the others, the BSP reports the system connected. Control requests from the boot thread (measure,
// spawn, shutdown) arrive by postMessage and go to the BSP's monitor modules.
import { parentPort, workerData } from "node:worker_threads";
import { BootModule } from "../../monitor/boot.js";
import { LatencyProbeModule } from "../../monitor/latency-probe.js";
import { Monitor } from "../../monitor/monitor.js";
import { SpawnModule } from "../../monitor/spawn.js";
import { VmModule } from "../../monitor/vm-module.js";
import { LatencyMatrix } from "../../skb/latency.js";
import { SystemKnowledgeBase } from "../../skb/skb.js";
import type { ControlReport, ControlRequest } from "./control.js";
import { DomainHost } from "./domain-host.js";
import { pinCurrentThread } from "./pinning.js";
import { type CoreWorkerData, RealCore } from "./real-core.js";
import { sharedMemoryOpener } from "./shared-memory-space.js";
import { readHostTopology } from "./sysfs.js";

const data = workerData as CoreWorkerData;
const port = parentPort!;
const report = (message: ControlReport) => port.postMessage(message);
const log = (line: string) => report({ kind: "log", core: data.coreId, line });

const pin = data.cpu === null ? { pinned: false, reason: "not asked to pin" } : pinCurrentThread(data.cpu);
const core = new RealCore(data, log);

const monitor = new Monitor(core.env);
const boot = new BootModule(core.env, {
  onConnected: (c) => report({ kind: "connected", core: c }),
  onAllConnected: () => report({ kind: "all-connected" }),
});
const latency = monitor.add(new LatencyProbeModule(core.env));
const domains = new DomainHost(monitor, log);
const spawn = monitor.add(new SpawnModule(core.env, domains));
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

port.on("message", (request: ControlRequest) => {
  switch (request.kind) {
    case "start-others":
      for (const c of data.coreIds) if (c !== data.coreId) report({ kind: "start-core", core: c });
      break;
    case "measure":
      latency.measureAll(request.warmupRounds, request.rounds, (rows) => report({ kind: "latency", rows }));
      break;
    case "spawn":
      try {
        const domainId = spawn.spawn(request.program, request.cores, (exits) =>
          report({ kind: "domain-done", requestId: request.requestId, exits }),
        );
        report({ kind: "spawned", requestId: request.requestId, domainId });
      } catch (error) {
        report({ kind: "spawn-failed", requestId: request.requestId, error: (error as Error).message });
      }
      break;
    case "shutdown":
      core.stop();
      break;
    case "skb":
      // Every core builds the same SKB from the same measurements: packages and trees agree.
      try {
        vm.setTopology(new SystemKnowledgeBase(readHostTopology(), LatencyMatrix.fromRows(request.rows)));
      } catch (error) {
        // Every core reads the same rows and sysfs, so every core ends up here alike: one package.
        log(`vm: no SKB for multicast trees, one package: ${(error as Error).message}`);
      }
      report({ kind: "skb-set", core: data.coreId });
      break;
  }
  core.flushPorts();
});

report({
  kind: "up",
  core: data.coreId,
  pinned: pin.pinned,
  ...(pin.reason === undefined ? {} : { pinReason: pin.reason }),
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
