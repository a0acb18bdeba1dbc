// Every bound of the system, in one place, each with a line on what it limits.
//
// Like xv6's param.h and TigerBeetle's constants.zig: a limit is a named constant here, never a
// literal elsewhere, and the relations between limits are asserted when this module loads, so that
// a change that breaks one (a ring too small for the largest message, say) fails at once and loudly.
// Units are the last part of a name: `...Bytes`, `...Ns`, `...Ms`. Each group of limits is followed by
// the relations that hold between them; a relation between two groups follows the later one.
//
// Only the system's bounds live here. A benchmark's or the report's own settings (rounds, runs,
// warm-ups, sizes, timeouts of a measurement) sit beside the code that uses them, in src/bench,
// src/report and the `bench` commands, and are checked there with assertLimit.

/** Throws, naming the file and the relation, unless `condition` holds; called when a module loads. */
export function assertLimit(condition: boolean, relation: string, file = "limits.ts"): void {
  if (!condition) throw new Error(`${file}: broken relation between limits: ${relation}`);
}

// ---- URPC: the cache-line channel -------------------------------------------------------------

/**
 * The channel's geometry, as a const enum: TypeScript writes its values into the code that uses them
 * as literals. The URPC hot paths (ring.ts, slot-format.ts) read these; everyone else reads the plain
 * constants below, which are the same values. Why: Node 20's optimizing compiler reads an imported
 * `const` from its module cell, with a hole check, at every use, and one send uses a dozen of them
 * (measured in one thread: 17 ns per zero-copy send with imported constants, 11.6 ns with literals).
 */
export const enum UrpcGeometry {
  /** Size of one URPC slot: one cache line on every machine we target. */
  cacheLineBytes = 64,
  /** Bytes of a slot that carry payload; the last 4-byte word is the header, written last. */
  slotPayloadBytes = cacheLineBytes - 4,
  /** log2 of slotsPerRing: the lap of an absolute slot index is `index >>> slotsPerRingLog2`. */
  slotsPerRingLog2 = 8,
  /** Slots in each direction of a channel (Barrelfish: 32). A power of two, so that the slot index's
   * 32-bit wrap keeps the epoch bit consistent. */
  slotsPerRing = 1 << slotsPerRingLog2,
  /** The receiver publishes its consumed count after at most this many slots (and whenever it runs dry). */
  ackEverySlots = slotsPerRing / 4,
  /** Message types a channel can tell apart (16 bits of the header). */
  messageTypesMax = 1 << 16,
  /** Messages a batch may hold before the sender publishes it (Seastar-style batching of the index). */
  publishBatchSlotsMax = 32,
}

/** Size of one URPC slot (UrpcGeometry.cacheLineBytes). */
export const cacheLineBytes: number = UrpcGeometry.cacheLineBytes;
/** Payload bytes of a slot (UrpcGeometry.slotPayloadBytes). */
export const slotPayloadBytes: number = UrpcGeometry.slotPayloadBytes;
/** Slots in each direction of a channel (UrpcGeometry.slotsPerRing). */
export const slotsPerRing: number = UrpcGeometry.slotsPerRing;
/** Slots consumed between acknowledgements (UrpcGeometry.ackEverySlots). */
export const ackEverySlots: number = UrpcGeometry.ackEverySlots;
/** Largest message a channel carries, in bytes, split into fragments of one slot each. */
export const messageBytesMax = 2048;
/** Largest number of slots one message may take; a message is sent only when all its slots are free. */
export const fragmentsPerMessageMax = Math.ceil(messageBytesMax / slotPayloadBytes);
/** Message types a channel can tell apart (UrpcGeometry.messageTypesMax). */
export const messageTypesMax: number = UrpcGeometry.messageTypesMax;
/** How long a receiver spins on an empty ring before it sleeps on its doorbell. */
export const pollSpinNs = 50_000;
/**
 * How long an idle core polls before sleeping while fewer cores are booted than there are CPUs (a
 * CPU is left for the boot thread and V8's threads): a wake-up costs microseconds to tens of
 * microseconds, so a busy core should not fall asleep between messages.
 */
export const pollSpinPinnedNs = 1_000_000;
/** Longest single Atomics.wait; a sleeper re-checks its rings at least this often (never a lost wake-up, but a bound). */
export const sleepSliceMs = 50;
/**
 * How long a core keeps polling after its last message while its domains have calls in flight and
 * there is a CPU for every core (src/cpu-driver/cpu-driver.ts): a reply is on its way, and a
 * wake-up costs more than the call. With more cores than CPUs the window is pollSpinNs instead.
 */
export const inFlightPollNs = 20_000_000;
/**
 * Longest a polling core goes without giving its thread's event loop a turn (a domain's own I/O,
 * V8's housekeeping tasks; control messages get a turn at once, through the control word). A turn
 * taken after a stretch of polling costs tens of microseconds on the machines we measured (26 µs
 * median after 1 ms of polling on the 2-vCPU dev machine, 4 µs after 10 µs), which every call in
 * flight waits: at 1 ms the turns were most of the calls slower than 10 µs.
 */
export const eventLoopYieldNs = 10_000_000;
/** Busy poll turns between two reads of the clock (timers, event-loop turns); a power of two. */
export const busyTurnsPerClockRead = 64;
/** Slots a batch may hold before the sender publishes it (UrpcGeometry.publishBatchSlotsMax). */
export const publishBatchSlotsMax: number = UrpcGeometry.publishBatchSlotsMax;

/** Bytes of a WebAssembly page: aligned shared memory (src/urpc/aligned-memory.ts) comes in whole pages. */
export const wasmPageBytes = 65_536;
/** Largest aligned shared region: a shared WebAssembly.Memory holds at most 65536 pages (4 GiB). */
export const alignedSharedBytesMax = 65_536 * wasmPageBytes;

assertLimit(cacheLineBytes === 64, "a slot is one 64-byte cache line");
assertLimit(slotPayloadBytes % 4 === 0, "payload is whole 32-bit words");
assertLimit((slotsPerRing & (slotsPerRing - 1)) === 0, "slotsPerRing is a power of two");
assertLimit(
  slotsPerRing >= 4 && slotsPerRing <= 1024,
  "slotsPerRing in [4, 1024] (channel memory grows with the square of the cores)",
);
assertLimit(ackEverySlots >= 1 && ackEverySlots <= slotsPerRing / 2, "acks come at least twice a ring");
assertLimit(fragmentsPerMessageMax <= slotsPerRing, "a whole message fits in one ring");
assertLimit(
  slotsPerRing - (ackEverySlots - 1) >= fragmentsPerMessageMax,
  "a drained receiver's unacknowledged slots never keep the largest message out (no credit deadlock)",
);
assertLimit(slotPayloadBytes < 64, "a slot's payload length fits the header's 6 bits");
assertLimit(publishBatchSlotsMax <= slotsPerRing / 2, "a batch never holds more than half a ring");
assertLimit(messageBytesMax <= 65535, "message length fits 16 bits");
assertLimit(sleepSliceMs > 0 && pollSpinNs > 0, "poll and sleep bounds are positive");
assertLimit(inFlightPollNs >= pollSpinPinnedNs, "a core waits for replies at least as long as for messages");
assertLimit(
  eventLoopYieldNs > 0 && eventLoopYieldNs <= sleepSliceMs * 1e6,
  "the event loop runs at least once per sleep slice",
);
assertLimit(
  busyTurnsPerClockRead > 0 && (busyTurnsPerClockRead & (busyTurnsPerClockRead - 1)) === 0,
  "busy turns per clock read is a power of two",
);
assertLimit(
  pollSpinPinnedNs >= pollSpinNs,
  "a core with its own CPU spins at least as long as one sharing it",
);

// ---- IDL: declared interfaces ------------------------------------------------------------------

/** Fields one message may declare. */
export const fieldsPerMessageMax = 32;
/** Messages one interface may declare. */
export const messagesPerInterfaceMax = 256;
/** Elements of a fixed-size array field. */
export const fixedArrayElementsMax = 1024;
/** Characters in an interface, message or field name (they appear in generated code and error messages). */
export const idlNameLengthMax = 64;
/** Interfaces a thread remembers by name for traces (src/idl/registry.ts); the oldest go first. */
export const interfacesRememberedMax = 256;
/** Channels a thread remembers the interface of, for traces (src/idl/registry.ts); the oldest go first. */
export const channelInterfacesRememberedMax = 4096;

assertLimit(messagesPerInterfaceMax <= messageTypesMax, "message ids fit the header's type field");
assertLimit(messageBytesMax <= 0xffff, "a bytes or string field's length fits its 16-bit prefix");

// ---- Virtual memory: page tables, TLBs, shootdown --------------------------------------------

/** Size of one page and of one physical frame. */
export const pageBytes = 4096;
/** Size of a domain's virtual address space (vaddr in [0, addressSpaceBytes)). */
export const addressSpaceBytes = 2 ** 32;
/** Entries of one core's software TLB (evicted least recently used first). */
export const tlbEntriesMax = 64;
/** Pages one map, unmap or protect may cover. */
export const pagesPerOperationMax = 1024;
/** Pages one address-space replica may hold mapped. */
export const mappedPagesMax = 1 << 16;
/** map/unmap/protect operations one core may have in flight (started, not yet answered). */
export const shootdownsInFlightMax = 32;
/** Loopback test platform: virtual time one message delivery costs. */
export const loopbackMessageCostNs = 100;
/** Loopback test platform: messages queued on one channel before a send throws (a runaway protocol). */
export const loopbackQueuedMessagesMax = 1 << 16;
/** Loopback test platform: dispatcher channel ids each core may allocate. */
export const loopbackChannelsPerCoreMax = 1024;

assertLimit((pageBytes & (pageBytes - 1)) === 0, "pageBytes is a power of two");
assertLimit(pageBytes >= cacheLineBytes, "a page holds whole cache lines");
assertLimit(addressSpaceBytes % pageBytes === 0, "the address space is whole pages");
assertLimit(addressSpaceBytes / pageBytes <= 2 ** 32, "page numbers fit 32 bits");
assertLimit(pagesPerOperationMax <= mappedPagesMax, "one operation fits a replica");
assertLimit(tlbEntriesMax >= 1 && shootdownsInFlightMax >= 1, "TLB and in-flight bounds are positive");
assertLimit(loopbackMessageCostNs > 0 && loopbackQueuedMessagesMax >= 1, "loopback bounds are positive");

// ---- SKB: the System Knowledge Base ----------------------------------------------------------

/** Most cores the SKB describes; larger latency matrices and core numbers are rejected. */
export const coresMax = 1024;
/** Two latency levels are different classes (say, SMT siblings and the rest) when the higher is this many times the lower. */
export const latencyClusterGapRatioMin = 1.3;
/** Gaps of at least that ratio tried, lowest first, before the SKB gives up and calls the matrix flat. */
export const latencyClusterGapsTriedMax = 8;
/** Cache levels read per CPU from sysfs (cpu/cpuN/cache/indexK, K below this). */
export const sysfsCacheIndexesMax = 16;

assertLimit(coresMax >= 1 && latencyClusterGapRatioMin > 1, "the SKB has cores; a gap is a ratio above 1");
assertLimit(latencyClusterGapsTriedMax >= 1 && sysfsCacheIndexesMax >= 1, "SKB search bounds are positive");

// ---- Simulator: virtual time, machine models, faults (src/platform/sim) ------------------------

/** Cores a simulated machine may have. */
export const simCoresMax = 1024;
/** Packages a simulated machine may have. */
export const simPackagesMax = 256;
/** Bytes of a machine topology file the loader reads. */
export const simMachineFileBytesMax = 1 << 20;
/** Events one `Simulation.run` processes at most, whatever the caller asks (a bound, not a target). */
export const simEventsPerRunMax = 1e9;
/**
 * Messages a sender may queue on one monitor or broadcast channel of the simulator while it waits
 * for credit; one more throws. A dispatcher channel's queue is bounded by portBacklogMax instead.
 */
export const simSendQueueMessagesMax = 1 << 16;
/** Largest jitter of a handler's cost, as a fraction of it (uniform in [-x, +x]); seeded. */
export const simHandlerJitterFraction = 0.02;
/** Trace events one run records at most; beyond it the trace says it was truncated. */
export const simTraceEventsMax = 2_000_000;
/** Dispatcher channel ids each simulated core may allocate (its share of channel memory). */
export const simChannelsPerCoreMax = 1024;
/** Faults one simulation may list. */
export const simFaultsMax = 1024;
/** Default extra delay of a "message delay" fault, in cycles, when the fault names none. */
export const simMessageDelayCyclesDefault = 10_000;
/** Default factor by which a "slow core" fault multiplies handler costs. */
export const simSlowCoreFactorDefault = 4;
/** Simulated scenarios (src/platform/sim/scenarios): virtual time one run may take before it is cut off and reported as hung. */
export const simScenarioVirtualNsMax = 20_000_000;
/** Simulated scenarios: events one run may process before it is cut off. */
export const simScenarioEventsMax = 20_000_000;
/** Simulated scenarios: virtual time a run goes on after every crash was detected, so that what can still finish does. */
export const simScenarioGraceNs = 1_000_000;
/** `sim --run pingpong`: most round trips one run may be asked for. */
export const simPingPongRoundsMax = 100_000;
/** `sim --run replicated`: most updates each core may make (all in flight at once, so at most updatesInFlightMax). */
export const simReplicatedUpdatesPerCoreMax = 64;
/** `sim --run boot`: round trips the SKB probe makes per pair in the simulator (fewer than on a host: no JIT to warm). */
export const simBootProbeRoundsDefault = 8;
/** `sim --seeds A..B --check`: most seeds one check may cover. */
export const simCheckSeedsMax = 1_000_000;
/** `sim --check`: most cores a randomised scenario runs on (a random subset of the machine's). */
export const simCheckCoresMax = 12;
/** `sim --program`: host time one simulated handler may run before the watchdog ends the run (a busy loop). */
export const simHandlerHostMsDefault = 5_000;
/** `sim --program`: how often the watchdog looks at the simulation's progress, in host ms. */
export const simWatchdogPollMs = 50;

assertLimit(
  simCoresMax >= 2 && simCoresMax <= coresMax,
  "a simulated machine has at least two cores and fits the SKB",
);
assertLimit(
  simHandlerJitterFraction >= 0 && simHandlerJitterFraction < 0.5,
  "jitter never makes a cost negative",
);
assertLimit(simSendQueueMessagesMax >= slotsPerRing, "a send queue holds at least a ring");

// ---- Real platform: booting cores as worker threads ---------------------------------------------

/** Channel frames each core's monitor may hand out to bindings of its dispatchers. */
export const channelsPerCoreMax = 64;
/**
 * Most cores the real platform boots. Their shared memory (every core's channel frames, the mesh
 * and broadcast rings: src/platform/real/memory-plan.ts) grows with the square of the count: 1.6 GB
 * at 256 cores, past the 4 GiB an aligned shared region holds (alignedSharedBytesMax) at about 450.
 */
export const realCoresMax = 256;
/** Longest a boot may take, from the first worker's start to every monitor connected. */
export const bootTimeoutMs = 60_000;
/** Longest one core may take from its thread's start to reporting up; past it, boot fails naming it. */
export const coreStartTimeoutMs = 30_000;
/** Longest the boot thread waits for every core to read its thread's CPU time (bench idle). */
export const cpuTimeReadTimeoutMs = 10_000;
/** Longest a clean shutdown may take before the workers are terminated. */
export const shutdownTimeoutMs = 10_000;
/** Round trips the SKB measures between each pair of cores at boot (the median is kept). */
export const latencyRoundsPerPair = 256;
/** Round trips made first between each pair and not timed, so the path runs JIT-compiled. */
export const latencyWarmupRoundsPerPair = 512;
/** Longest a core waits for its peer's answer during the SKB's tight round-trip probe. */
export const roundTripProbeTimeoutMs = 2_000;
/** Full passes over every pair; only the last is kept (the earlier ones warm every core's JIT). */
export const latencyPasses = 2;
/** Longest the SKB's latency measurement may take; past it, boot fails with a clear error. */
export const latencyMeasureTimeoutMs = 60_000;
/** Polls of an idle core between two reads of the clock while it spins before sleeping. */
export const pollsPerClockRead = 64;
/** Empty polls between two microtask turns given to promise continuations; a power of two. */
export const pollsPerMicrotaskTurn = 16;
assertLimit(
  pollsPerMicrotaskTurn > 0 &&
    (pollsPerMicrotaskTurn & (pollsPerMicrotaskTurn - 1)) === 0 &&
    pollsPerMicrotaskTurn <= pollsPerClockRead,
  "polls per microtask turn is a power of two, at most the polls per clock read",
);
/** Trace events one core records on the real platform (`--trace`); past it, recording stops. */
export const traceEventsPerCoreMax = 1_000_000;
/** Timers one core may have pending (domains' sleeps, protocol timeouts). */
export const timersPerCoreMax = 65_536;
/**
 * Messages the platform may queue on one port while its ring is full, before sending throws (the
 * simulator bounds its dispatcher channels the same way); a stream paces itself with drained().
 */
export const portBacklogMax = 4096;
/**
 * Longest a closed channel end waits for its peer to make room for the messages it sent before
 * closing (its backlog); past it, what still waits is dropped and logged, and the frame released.
 */
export const portCloseDrainMs = 1_000;
/** How long example and benchmark domains wait for a service to be exported before giving up. */
export const domainBindTimeoutMs = 10_000;
/** Pause between two tries of bindWhenExported while the service is not registered yet. */
export const bindRetryPauseMs = 1;
/** Longest a domain run through `Multikernel.run` may take unless the caller says otherwise. */
export const domainRunTimeoutMs = 600_000;
/** Longest bound a run may be given (`run --timeout`, runTimeoutMs): the longest a host timer waits. */
export const runTimeoutMsMax = 2 ** 31 - 1;
/** Domains one booted system may run at a time. */
export const domainsMax = 64;

// ---- Domains: dispatchers, name service, binding, split-phase RPC -------------------------------

/** Calls one RPC client may have in flight (sent, not yet answered); one more is rejected at once. */
export const rpcCallsInFlightMax = 256;
/** drained() waits one RPC client may have at once; one more is rejected at once. */
export const rpcDrainWaitsMax = 256;
/** Bytes of the error text a failed RPC carries back to its caller (longer texts are cut). */
export const rpcErrorMessageBytesMax = 512;
/** Bytes of a service name in the name service. */
export const serviceNameBytesMax = 64;
/**
 * How long a call on a domain's binding waits for its reply unless the binding says otherwise
 * (`ctx.bind(name, rpc, { callTimeoutMs })`; `Infinity` waits forever). 30 s: far above any
 * reply this system gives when it works (a two-phase update or a shootdown across every core
 * takes milliseconds; a bench phase sets its own bound), so a timeout always means something is
 * wrong, yet well inside domainRunTimeoutMs, so that a server that never answers is reported as
 * that, by the call, long before the whole run is given up.
 */
export const rpcCallTimeoutMsDefault = 30_000;
/**
 * Sweeps of a client's calls per call timeout: one periodic timer per client (armed only while
 * calls are in flight) instead of one per call, so a call rejects between its timeout and
 * (1 + 1/this) times it after it was sent.
 */
export const rpcCallTimeoutSweeps = 4;
/** Names the name service may hold at once. */
export const servicesRegisteredMax = 4096;
/** Services one dispatcher may export. */
export const servicesPerDispatcherMax = 64;
/** Longest one `ctx.sleep` may ask for (a day): longer is a bug, not a wait. */
export const domainSleepMsMax = 86_400_000;
/** Bytes of a program's path or URL that a spawn message carries (UTF-8). */
export const spawnProgramBytesMax = 1024;
/** Bytes of the core list ("0,1,2") that a spawn message carries. */
export const spawnCoreListBytesMax = 512;
/**
 * Bytes of the error text a dispatcher's exit message carries to the boot core: the message and
 * the frames of its stack in the program's own files (src/platform/program/failure-text.ts), so
 * most of a message's 2 KiB; a longer text is cut at its end, losing the outermost frames first.
 */
export const spawnExitErrorBytesMax = 1792;
/**
 * Bytes a run's arguments (`run`'s `args`, a domain's `ctx.args`) may take in the structured-clone
 * encoding (v8.serialize): the boot thread posts a copy to every core of the domain.
 */
export const domainArgsBytesMax = 1 << 20;
/**
 * Bytes one core's result (a value main returned that is not an exit status) may take in the
 * structured-clone encoding: each core posts its own to the caller of `run`.
 */
export const domainResultBytesMax = 1 << 20;
/** Stack frames a domain's failure keeps (the innermost ones in the program's own files). */
export const failureFramesMax = 12;
/** Files of a program the syntax-error locator reads at most, following its relative imports. */
export const programSyntaxFilesMax = 256;
/** Longest the check before a run may take to load a program once (a busy loop at its top level). */
export const programPreflightTimeoutMs = 60_000;

assertLimit(rpcCallsInFlightMax >= 1 && servicesPerDispatcherMax >= 1, "RPC and export bounds are positive");
assertLimit(
  rpcCallTimeoutMsDefault > 0 && rpcCallTimeoutMsDefault < domainRunTimeoutMs && rpcCallTimeoutSweeps >= 1,
  "a call's default timeout ends before a domain's run bound, with at least one sweep per timeout",
);
assertLimit(
  serviceNameBytesMax <= messageBytesMax / 4 && rpcErrorMessageBytesMax <= messageBytesMax / 2,
  "names and error texts fit one message",
);
assertLimit(
  spawnProgramBytesMax + spawnCoreListBytesMax + 16 <= messageBytesMax &&
    spawnExitErrorBytesMax + 16 <= messageBytesMax,
  "a spawn message (program, cores, an id) and an exit message (error, a few numbers) fit one message",
);
assertLimit(
  domainArgsBytesMax >= 1024 && domainResultBytesMax >= 1024,
  "a domain's arguments and each core's result may hold at least a few lines of data",
);
assertLimit(
  failureFramesMax >= 1 && programSyntaxFilesMax >= 1 && programPreflightTimeoutMs > 0,
  "a failure keeps a frame, the locator reads a file, the check before a run has time",
);

// ---- Replication: replicated objects kept by the monitors (src/monitor/replication*) -------

/** Replicated objects one core may hold a replica of. */
export const replicatedObjectsMax = 256;
/** Bytes of a replicated object's name (UTF-8). */
export const replicatedObjectNameBytesMax = 64;
/** Updates one core may have asked for and not yet seen answered; also, per object, updates its home may hold sequenced and unacknowledged or queued behind a two-phase transaction. */
export const updatesInFlightMax = 256;
/** Bytes of one encoded update (UTF-8 of its codec's string). */
export const updateBytesMax = 1024;
/** Bytes of the reason a replica gives for voting no (longer reasons are cut). */
export const voteReasonBytesMax = 256;
/** Messages one core buffers for objects it has not created yet. */
export const pendingMessagesMax = 4096;
/** Scopes of ended domains (`domain<id>/`) a core remembers, to drop their late messages unread. */
export const releasedScopesMax = 1024;

assertLimit(
  replicatedObjectNameBytesMax + updateBytesMax + voteReasonBytesMax + 64 <= messageBytesMax,
  "a replication message (name, update or reason, a few numbers) fits one message",
);
assertLimit(
  replicatedObjectsMax >= 1 && updatesInFlightMax >= 1 && pendingMessagesMax >= 1 && releasedScopesMax >= 1,
  "replication bounds are positive",
);
assertLimit(
  simReplicatedUpdatesPerCoreMax <= updatesInFlightMax,
  "a replicated scenario's core may have all its updates in flight",
);

// ---- Liveness: heartbeats between monitors (src/monitor/liveness.ts) ----------------------------

/** Time between two heartbeats a monitor sends to each other monitor. */
export const heartbeatIntervalNs = 50_000;
/** Heartbeat intervals without news from a peer after which a monitor declares it failed. */
export const heartbeatMissesMax = 4;

assertLimit(
  heartbeatIntervalNs > 0 && heartbeatMissesMax >= 2,
  "heartbeats are periodic and one late one is no failure",
);
assertLimit(
  heartbeatIntervalNs * heartbeatMissesMax * 4 <= simScenarioVirtualNsMax,
  "a scenario runs long enough to detect a crash",
);

/**
 * Heartbeats between the monitors of real cores: a core's monitor runs only when its CPU driver's
 * loop does, so a live core may be silent while a domain computes or the OS runs other threads
 * (tests run more cores than CPUs). The simulator's 50 µs would declare such a core failed at
 * once; on real cores the detection time is seconds, and one heartbeat per interval costs an idle
 * core one wake-up from each peer (measured with `bench idle`: docs/platform.md).
 */
export const realHeartbeatIntervalMs = 500;
/** Heartbeat intervals without news after which a real core's monitor declares a peer failed. */
export const realHeartbeatMissesMax = 10;

assertLimit(
  realHeartbeatIntervalMs >= sleepSliceMs,
  "a heartbeat wakes an idle core no more often than its own sleep slice does",
);
assertLimit(domainRunTimeoutMs <= runTimeoutMsMax, "the default bound of a run is one a host timer can wait");
assertLimit(
  realHeartbeatIntervalMs * realHeartbeatMissesMax < domainRunTimeoutMs,
  "a busy-looping domain is detected before its run's default bound ends it",
);

// ---- Virtual memory on real cores: physical memory, address spaces, the shared-memory baseline --

/** Bytes of physical memory (frames for address spaces) a boot shares among its cores. */
export const physicalMemoryBytes = 16 * 1024 * 1024;
/** Longest the boot thread waits for every core to take the SKB's packages and trees. */
export const skbDistributeTimeoutMs = 10_000;
/** Address spaces one core may have open at once. */
export const addressSpacesPerCoreMax = 64;
/** VM messages held for address spaces a core has not opened yet. */
export const vmEarlyMessagesMax = 4096;
/** Closed address spaces, and ended domains, a core remembers to drop their late VM messages. */
export const vmClosedRememberedMax = 1024;
/** Pages the shared-memory baseline's one page table covers. */
export const sharedPageTablePages = 1024;
/** Address spaces the shared-memory baseline may hold (slots of its region). */
export const sharedShootdownSlots = 8;
/** Polls of the shared request word per poll-loop turn in the shared-memory baseline. */
export const sharedShootdownSpinPolls = 64;
/** Longest the shared-memory baseline's initiator waits for every core's acknowledgement. */
export const sharedShootdownWaitMs = 5_000;

/** Translations each core makes in the simulator's `shootdown` scenario, at random virtual times. */
export const tlbSafetyTranslationsPerCore = 40;
/** Pages the `shootdown` scenario maps unless told otherwise. */
export const tlbSafetyPagesDefault = 4;
/** Operations (map, unmap, protect) each core makes, one at a time, in the `shootdown` scenario. */
export const shootdownScenarioOpsPerCore = 4;
/** Violations the simulator's VM checker lists before only counting the rest. */
export const vmCheckerViolationsMax = 32;
