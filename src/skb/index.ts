// The System Knowledge Base: topology facts, the measured latency matrix, packages and routing trees.
// Exactly what other layers (the CLI, the monitor, the simulator) may import from src/skb.

export {
  type ClusterSource,
  type CoreClustering,
  clusterCores,
  groupsFromLatencies,
  groupsFromTopology,
  type LatencyGap,
} from "./clustering.js";
export { formatCpuList, parseCpuList } from "./cpu-list.js";
export {
  formatLatencyMatrix,
  formatLatencyMatrixRows,
  formatMulticastTree,
  formatPackages,
  formatSkb,
} from "./format.js";
export { LatencyMatrix, LatencyMatrixError } from "./latency.js";
export { describeHostMachine, type HostMachineDescription, medianNs } from "./model.js";
export { type SkbJson, SystemKnowledgeBase } from "./skb.js";
export {
  type HostCpu,
  type HostTopology,
  hostTopologyFromSysfs,
  type SysfsCacheStrings,
  type SysfsCpuStrings,
  type SysfsStrings,
} from "./topology.js";
export type { CorePackage, MulticastNode } from "./types.js";
