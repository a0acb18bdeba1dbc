// The facts the OS reports about the host's CPUs, and how they are built from sysfs's text.
//
// `HostTopology` is plain data: one `HostCpu` per online CPU, each fact optional because virtual
// machines and containers hide some of sysfs (a missing file is an unknown fact, never an error).
// The I/O lives in src/platform/real/sysfs.ts, which gathers the raw strings into a `SysfsStrings`
// record; `hostTopologyFromSysfs` here turns those strings into facts, so that this part is pure and
// tested without a file system. The last-level cache of a CPU is its highest-level cache that holds
// data (an instruction cache is never the LLC); its shared_cpu_list is the CPU's LLC group.

import { parseCpuList } from "./cpu-list.js";

/** What sysfs says about one online CPU. Facts it does not say are absent. */
export interface HostCpu {
  /** The CPU's number (cpu/cpuN). */
  readonly cpu: number;
  /** topology/physical_package_id: the socket. */
  readonly packageId?: number | undefined;
  /** topology/core_id: the physical core within the socket. */
  readonly coreId?: number | undefined;
  /** topology/thread_siblings_list: the hardware threads of the same physical core (this one included). */
  readonly threadSiblings?: readonly number[] | undefined;
  /** The level of the last-level cache (cache/indexK/level, the highest among data caches). */
  readonly llcLevel?: number | undefined;
  /** That cache's shared_cpu_list: the CPUs sharing this CPU's last-level cache. */
  readonly llcSharedCpus?: readonly number[] | undefined;
  /** The NUMA node whose node/nodeN/cpulist lists this CPU. */
  readonly numaNode?: number | undefined;
}

/** The host's CPUs as sysfs reports them, ascending by CPU number. */
export interface HostTopology {
  readonly cpus: readonly HostCpu[];
}

/** One cache/indexK directory's files, as read (trimmed), undefined where a file is missing. */
export interface SysfsCacheStrings {
  readonly index: number;
  readonly level?: string | undefined;
  readonly type?: string | undefined;
  readonly sharedCpuList?: string | undefined;
}

/** One cpu/cpuN directory's files, as read. */
export interface SysfsCpuStrings {
  readonly cpu: number;
  readonly physicalPackageId?: string | undefined;
  readonly coreId?: string | undefined;
  readonly threadSiblingsList?: string | undefined;
  readonly caches: readonly SysfsCacheStrings[];
}

/** Everything the reader gathered from a sysfs tree, before any parsing. */
export interface SysfsStrings {
  /** cpu/online; when missing every cpuN directory counts as online. */
  readonly online?: string | undefined;
  readonly cpus: readonly SysfsCpuStrings[];
  /** node/nodeN/cpulist for each NUMA node directory. */
  readonly nodes: readonly { readonly node: number; readonly cpuList?: string | undefined }[];
}

function parseId(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*-?\d+\s*$/.test(text)) return undefined;
  const value = Number(text);
  // Linux writes -1 for an unknown package or core id.
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function parseListOrUndefined(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  try {
    return parseCpuList(text);
  } catch {
    return undefined;
  }
}

/** The last-level data cache among a CPU's caches, or undefined when none has a level and a list. */
function lastLevelCache(caches: readonly SysfsCacheStrings[]): { level: number; cpus: number[] } | undefined {
  let best: { level: number; cpus: number[] } | undefined;
  for (const cache of [...caches].sort((a, b) => a.index - b.index)) {
    if (cache.type?.trim() === "Instruction") continue;
    const level = parseId(cache.level);
    const cpus = parseListOrUndefined(cache.sharedCpuList);
    if (level === undefined || cpus === undefined || cpus.length === 0) continue;
    if (best === undefined || level > best.level) best = { level, cpus };
  }
  return best;
}

/** Turns sysfs's text into facts; unparseable or missing text becomes an absent fact. */
export function hostTopologyFromSysfs(strings: SysfsStrings): HostTopology {
  const online = parseListOrUndefined(strings.online);
  const onlineSet = online === undefined ? undefined : new Set(online);
  const nodeOf = new Map<number, number>();
  for (const { node, cpuList } of [...strings.nodes].sort((a, b) => a.node - b.node)) {
    for (const cpu of parseListOrUndefined(cpuList) ?? []) if (!nodeOf.has(cpu)) nodeOf.set(cpu, node);
  }
  const cpus: HostCpu[] = [];
  for (const raw of [...strings.cpus].sort((a, b) => a.cpu - b.cpu)) {
    if (onlineSet !== undefined && !onlineSet.has(raw.cpu)) continue;
    const llc = lastLevelCache(raw.caches);
    cpus.push({
      cpu: raw.cpu,
      packageId: parseId(raw.physicalPackageId),
      coreId: parseId(raw.coreId),
      threadSiblings: parseListOrUndefined(raw.threadSiblingsList),
      llcLevel: llc?.level,
      llcSharedCpus: llc?.cpus,
      numaNode: nodeOf.get(raw.cpu),
    });
  }
  return { cpus };
}
