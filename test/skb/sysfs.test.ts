import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { readHostTopology } from "../../src/platform/real/sysfs.js";
import { hostTopologyFromSysfs } from "../../src/skb/topology.js";

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** Writes a fake sysfs tree from a { "relative/path": "contents" } map and returns its root. */
function fakeSysfs(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "skb-sysfs-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), `${text}\n`);
  }
  return root;
}

/** Two sockets of two cores with two threads each: CPUs 0-3 on socket 0, 4-7 on socket 1; SMT (c, c+2). */
function twoSocketFiles(): Record<string, string> {
  const files: Record<string, string> = {
    "cpu/online": "0-7",
    "node/node0/cpulist": "0-3",
    "node/node1/cpulist": "4-7",
  };
  for (let cpu = 0; cpu < 8; cpu++) {
    const socket = cpu >> 2;
    const base = `cpu/cpu${cpu}`;
    files[`${base}/topology/physical_package_id`] = String(socket);
    files[`${base}/topology/core_id`] = String(cpu % 2);
    files[`${base}/topology/thread_siblings_list`] = `${cpu},${cpu ^ 2}`.split(",").sort().join(",");
    files[`${base}/cache/index0/level`] = "1";
    files[`${base}/cache/index0/type`] = "Data";
    files[`${base}/cache/index0/shared_cpu_list`] = `${Math.min(cpu, cpu ^ 2)},${Math.max(cpu, cpu ^ 2)}`;
    files[`${base}/cache/index1/level`] = "1";
    files[`${base}/cache/index1/type`] = "Instruction";
    files[`${base}/cache/index1/shared_cpu_list`] = String(cpu);
    files[`${base}/cache/index2/level`] = "3";
    files[`${base}/cache/index2/type`] = "Unified";
    files[`${base}/cache/index2/shared_cpu_list`] = socket === 0 ? "0-3" : "4-7";
  }
  return files;
}

describe("sysfs topology", () => {
  it("reads packages, cores, siblings, last-level caches and NUMA nodes", () => {
    const topology = readHostTopology(fakeSysfs(twoSocketFiles()));
    assert.equal(topology.cpus.length, 8);
    assert.deepEqual(topology.cpus[5], {
      cpu: 5,
      packageId: 1,
      coreId: 1,
      threadSiblings: [5, 7],
      llcLevel: 3,
      llcSharedCpus: [4, 5, 6, 7],
      numaNode: 1,
    });
  });

  it("skips offline CPUs", () => {
    const files = twoSocketFiles();
    files["cpu/online"] = "0-2,4-7";
    const topology = readHostTopology(fakeSysfs(files));
    assert.deepEqual(
      topology.cpus.map((c) => c.cpu),
      [0, 1, 2, 4, 5, 6, 7],
    );
  });

  it("turns missing and malformed files into absent facts, never an error", () => {
    const root = fakeSysfs({
      "cpu/cpu0/topology/core_id": "0",
      "cpu/cpu0/topology/physical_package_id": "-1",
      "cpu/cpu0/cache/index0/level": "2",
      "cpu/cpu0/cache/index3/level": "3",
      "cpu/cpu0/cache/index3/shared_cpu_list": "garbage",
      "cpu/cpu1/topology/thread_siblings_list": "1",
      "cpu/cpufreq/policy0": "x",
      "node/has_cpu": "0-1",
    });
    const topology = readHostTopology(root);
    assert.deepEqual(
      topology.cpus.map((c) => c.cpu),
      [0, 1],
    );
    const [cpu0, cpu1] = topology.cpus;
    assert.equal(cpu0!.coreId, 0);
    assert.equal(cpu0!.packageId, undefined);
    assert.equal(cpu0!.llcSharedCpus, undefined);
    assert.equal(cpu0!.llcLevel, undefined);
    assert.equal(cpu0!.numaNode, undefined);
    assert.deepEqual(cpu1!.threadSiblings, [1]);
    assert.equal(cpu1!.coreId, undefined);
  });

  it("gives an empty topology where there is no sysfs at all", () => {
    assert.deepEqual(readHostTopology(join(fakeSysfs({}), "missing")), { cpus: [] });
  });

  it("reads this host without throwing", () => {
    const topology = readHostTopology();
    for (const cpu of topology.cpus) assert.ok(Number.isSafeInteger(cpu.cpu));
  });

  it("parses the strings alone, picking the highest data cache as the LLC", () => {
    const topology = hostTopologyFromSysfs({
      cpus: [
        {
          cpu: 0,
          caches: [
            { index: 0, level: "2", type: "Unified", sharedCpuList: "0-1" },
            { index: 1, level: "4", type: "Instruction", sharedCpuList: "0-15" },
          ],
        },
      ],
      nodes: [{ node: 3, cpuList: "0" }],
    });
    assert.deepEqual(topology.cpus[0], {
      cpu: 0,
      packageId: undefined,
      coreId: undefined,
      threadSiblings: undefined,
      llcLevel: 2,
      llcSharedCpus: [0, 1],
      numaNode: 3,
    });
  });
});
