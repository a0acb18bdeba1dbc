// The simulator's public entry point: exactly what the CLI, benchmarks and tests may import.
//
// A machine model (machine.ts, from a file in machines/ or from SKB measurements), a cost model
// calibrated to the paper's Table 2 (cost-model.ts), the discrete-event engine that hosts unchanged
// CoreLogic (engine.ts), the faults it can inject (faults.ts), the trace it can write (trace.ts),
// the channel invariant checker (checkers.ts), the simulated Table 2 (urpc-table.ts), the scenarios
// that run the real monitors (scenarios/), the replica checker and the randomised seed checker.

export {
  type ChannelHome,
  homeAtPackage,
  homeAtReceiver,
  homeAtSender,
} from "./channel-placement.js";
export {
  type CheckCase,
  type CheckFailure,
  type CheckSummary,
  checkCaseOf,
  checkSeeds,
  commandOf,
  runCheckCase,
} from "./check-run.js";
export { ChannelChecker, type ChannelViolation } from "./checkers.js";
export { CoherenceModel } from "./coherence.js";
export { CacheLines, CostModel, coreShareOfPeriod } from "./cost-model.js";
export {
  type RunOptions,
  type RunStats,
  type SimCoreEnv,
  Simulation,
  type SimulationOptions,
} from "./engine.js";
export { type Fault, planFaults } from "./faults.js";
export { InterruptCosts } from "./interrupts.js";
export {
  buildMachine,
  listMachines,
  loadMachine,
  type Machine,
  MachineError,
  type MachineSpec,
  machineFromMeasurements,
  type PathCalibration,
  type PathClass,
  pathClassOf,
} from "./machine.js";
export { MonitorPath } from "./monitor-path.js";
export { Prng } from "./prng.js";
export { ReplicaChecker, type UpdateOutcome } from "./replica-checker.js";
export {
  isScenarioName,
  makeScenario,
  runScenario,
  type Scenario,
  type ScenarioName,
  type ScenarioOptions,
  type ScenarioParams,
  type ScenarioResult,
  scenarioNames,
} from "./scenarios/index.js";
export { TraceRecorder } from "./trace.js";
export {
  measurePingPong,
  measureStreaming,
  simulateUrpcTable,
  type UrpcPathResult,
  type UrpcTable,
  type UrpcTableOptions,
} from "./urpc-table.js";
