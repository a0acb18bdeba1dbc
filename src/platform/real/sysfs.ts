// Reads the host's CPU topology from Linux sysfs (/sys/devices/system): the one place the SKB's facts
// touch a file system.
//
// It only gathers text: cpu/online, and for each cpu/cpuN directory its topology files and its
// cache/indexK files, and node/nodeN/cpulist. Parsing happens in src/skb/topology.ts, which is pure.
// Any file or directory that is missing or unreadable (a container, a VM, macOS) becomes an absent
// string and so an unknown fact: this never throws for a missing or odd tree.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sysfsCacheIndexesMax } from "../../limits.js";
import {
  type HostTopology,
  hostTopologyFromSysfs,
  type SysfsCacheStrings,
  type SysfsCpuStrings,
} from "../../skb/topology.js";

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** The numbers N of the entries of `dir` named `${prefix}N`, ascending; [] when `dir` is unreadable. */
function numberedEntries(dir: string, prefix: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const pattern = new RegExp(`^${prefix}(\\d+)$`);
  const ids: number[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (match !== null) ids.push(Number(match[1]));
  }
  return ids.sort((a, b) => a - b);
}

function readCpu(cpuRoot: string, cpu: number): SysfsCpuStrings {
  const dir = join(cpuRoot, `cpu${cpu}`);
  const caches: SysfsCacheStrings[] = [];
  for (const index of numberedEntries(join(dir, "cache"), "index")) {
    if (index >= sysfsCacheIndexesMax) break;
    const cacheDir = join(dir, "cache", `index${index}`);
    caches.push({
      index,
      level: readText(join(cacheDir, "level")),
      type: readText(join(cacheDir, "type")),
      sharedCpuList: readText(join(cacheDir, "shared_cpu_list")),
    });
  }
  return {
    cpu,
    physicalPackageId: readText(join(dir, "topology", "physical_package_id")),
    coreId: readText(join(dir, "topology", "core_id")),
    threadSiblingsList: readText(join(dir, "topology", "thread_siblings_list")),
    caches,
  };
}

/** The topology of every online CPU under `sysfsRoot`; an empty topology where there is no sysfs. */
export function readHostTopology(sysfsRoot = "/sys/devices/system"): HostTopology {
  const cpuRoot = join(sysfsRoot, "cpu");
  const nodeRoot = join(sysfsRoot, "node");
  return hostTopologyFromSysfs({
    online: readText(join(cpuRoot, "online")),
    cpus: numberedEntries(cpuRoot, "cpu").map((cpu) => readCpu(cpuRoot, cpu)),
    nodes: numberedEntries(nodeRoot, "node").map((node) => ({
      node,
      cpuList: readText(join(nodeRoot, `node${node}`, "cpulist")),
    })),
  });
}
