// Tests of the simulated TLB-shootdown figure (bench/shootdown-sim.ts) and `bench shootdown`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { simulateIpiUnmap } from "../../src/bench/shootdown-ipi-sim.js";
import {
  coresInPackageOrder,
  shootdownBenchProtocols,
  simulateShootdown,
  skbOfMachine,
} from "../../src/bench/shootdown-sim.js";
import { KernelCalls, syscallEntryCycles } from "../../src/platform/sim/kernel-calls.js";
import { loadMachine } from "../../src/platform/sim/machine.js";

const mainPath = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const cliTimeoutMs = 60_000;

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [mainPath, ...args], { encoding: "utf8", timeout: cliTimeoutMs });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("the same call gives the same numbers (the simulation is seeded)", () => {
  const a = simulateShootdown("amd-4x4", [2, 8, 16]);
  const b = simulateShootdown("amd-4x4", [2, 8, 16]);
  assert.deepEqual(a, b);
  assert.equal(a.machine, "amd-4x4");
  assert.equal(a.results.length, shootdownBenchProtocols.length * 3);
});

for (const machine of ["amd-4x4", "amd-8x4"]) {
  test(`every protocol completes for 2..16 cores on ${machine}`, () => {
    const counts = Array.from({ length: 15 }, (_, i) => i + 2);
    const figure = simulateShootdown(machine, counts);
    for (const protocol of shootdownBenchProtocols) {
      for (const cores of counts) {
        const point = figure.results.find((r) => r.protocol === protocol && r.cores === cores);
        assert.ok(point !== undefined, `${protocol} at ${cores} cores`);
        assert.ok(
          Number.isFinite(point.latencyCycles) && point.latencyCycles > 0,
          `${protocol} at ${cores}: ${point.latencyCycles}`,
        );
      }
    }
  });
}

test("more cores never make a unicast unmap cheaper (each core adds a message and an ack)", () => {
  const figure = simulateShootdown("amd-4x4", [2, 4, 8, 16], ["unicast"]);
  const cycles = figure.results.map((r) => r.latencyCycles);
  for (let i = 1; i < cycles.length; i++) assert.ok(cycles[i]! > cycles[i - 1]!, cycles.join(","));
});

test("cores are taken in package order and the SKB sees the machine's packages", () => {
  const machine = loadMachine("amd-4x4");
  assert.deepEqual(coresInPackageOrder(machine, 6), [0, 1, 2, 3, 4, 5]);
  const skb = skbOfMachine(machine);
  assert.equal(skb.packages().length, 4);
  assert.throws(() => coresInPackageOrder(machine, 17), /16 cores/);
  assert.throws(() => coresInPackageOrder(machine, 1), /at least 2/);
});

test("the IPI baseline runs on every core, grows with the cores, and pays its interrupts", () => {
  const machine = loadMachine("amd-4x4");
  const two = simulateIpiUnmap(machine, coresInPackageOrder(machine, 2), 1);
  const sixteen = simulateIpiUnmap(machine, coresInPackageOrder(machine, 16), 1);
  assert.ok(sixteen > two, `${two} then ${sixteen}`);
  assert.equal(simulateIpiUnmap(machine, coresInPackageOrder(machine, 16), 1), sixteen);
  // At two cores: at least one interrupt's delivery, trap and return (a handler in the kernel: no
  // dispatch of a user-level dispatcher), and a transaction each way.
  const lrpc = machine.lrpcCycles!;
  const inKernel = 2_200 - (lrpc - syscallEntryCycles);
  assert.ok(two > inKernel * (1 + 1 / 3), `${two} cycles at two cores`);
});

test("both kinds of unmap pay their kernel calls: each monitor's invalidation, the baseline's syscall", () => {
  const machine = loadMachine("amd-4x4");
  for (const cores of [2, 8]) {
    const kernel = new KernelCalls();
    const withCalls = simulateShootdown("amd-4x4", [cores], ["unicast"], 1, { kernelCalls: kernel });
    const without = simulateShootdown("amd-4x4", [cores], ["unicast"], 1, { kernelCalls: false });
    // Every monitor asks its CPU driver once (one system call and one INVLPG each) ...
    assert.equal(kernel.syscalls, cores);
    assert.equal(kernel.invalidations, cores);
    // ... and at least the root's and one other's are on the unmap's path (142 cycles each).
    const extra = withCalls.results[0]!.latencyCycles - without.results[0]!.latencyCycles;
    assert.ok(extra >= 0.95 * 2 * 142, `${cores} cores: ${extra} extra`);
  }
  const kernel = new KernelCalls();
  const subset = coresInPackageOrder(machine, 4);
  const withCalls = simulateIpiUnmap(machine, subset, 1, kernel);
  // One system call (the domain's) and one INVLPG per core.
  assert.equal(kernel.syscalls, 1);
  assert.equal(kernel.invalidations, 4);
  assert.ok(withCalls > simulateIpiUnmap(machine, subset, 1), "the baseline pays them too");
});

test("the message protocols pay the monitor path: Table 1's LRPC for the request and the answer", () => {
  const machine = loadMachine("amd-4x4");
  const lrpc = machine.lrpcCycles!;
  for (const cores of [2, 8]) {
    const withPath = simulateShootdown("amd-4x4", [cores], ["unicast"], 1);
    const without = simulateShootdown("amd-4x4", [cores], ["unicast"], 1, { monitorPath: false });
    const extra = withPath.results[0]!.latencyCycles - without.results[0]!.latencyCycles;
    // Two crossings, each within the handler jitter of the LRPC (and no third).
    assert.ok(Math.abs(extra - 2 * lrpc) < 0.05 * 2 * lrpc, `${cores} cores: ${extra} extra, LRPC ${lrpc}`);
  }
});

test("bench shootdown --json prints the figure as one object, alone on standard output", () => {
  const r = cli("bench", "shootdown", "--machine", "amd-4x4", "--core-counts", "2,4", "--json");
  assert.equal(r.status, 0, r.stderr);
  const figure = JSON.parse(r.stdout) as {
    machine: string;
    results: { protocol: string; cores: number; latencyCycles: number }[];
  };
  assert.equal(figure.machine, "amd-4x4");
  assert.equal(figure.results.length, shootdownBenchProtocols.length * 2);
  for (const r of figure.results)
    assert.deepEqual(Object.keys(r).sort(), ["cores", "latencyCycles", "protocol"]);
  assert.match(r.stderr, /numa-multicast/, "the table is on standard error");
});

for (const bad of ["64", "2,17", "1", "0", "abc", "2,,4"]) {
  test(`bench shootdown --core-counts ${bad} is refused`, () => {
    const r = cli("bench", "shootdown", "--machine", "amd-4x4", "--core-counts", bad);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--core-counts/);
    assert.equal(r.stdout, "");
  });
}

test("bench shootdown refuses an unknown machine", () => {
  const r = cli("bench", "shootdown", "--machine", "no-such-machine");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no-such-machine/);
});

/** One protocol's latency at one core count of a figure. */
function latencyOf(figure: ReturnType<typeof simulateShootdown>, protocol: string, cores: number): number {
  const point = figure.results.find((r) => r.protocol === protocol && r.cores === cores);
  assert.ok(point !== undefined, `${protocol} at ${cores} cores`);
  return point.latencyCycles;
}

test("the NUMA-aware tree sends to the farthest package first and its leaders forward in parallel", () => {
  const machine = loadMachine("amd-8x4");
  const subset = coresInPackageOrder(machine, 32);
  const tree = skbOfMachine(machine).multicastTree(0, subset);
  const hopsOf = (core: number) => machine.packageHops[0]![machine.cores[core]!.packageId]!;
  const hops = tree.children.map((child) => hopsOf(child.core));
  assert.deepEqual(
    hops,
    [...hops].sort((a, b) => b - a),
    "the root's children are ordered farthest first",
  );
  const leaders = tree.children.filter((child) => child.children.length > 0);
  assert.equal(leaders.length, machine.packages.length - 1, "one leader per other package forwards");
});

test("broadcast is the slowest message protocol at 16 cores on amd-4x4 (readers of one line queue)", () => {
  const figure = simulateShootdown("amd-4x4", [16], ["broadcast", "unicast", "multicast", "numa-multicast"]);
  const broadcast = latencyOf(figure, "broadcast", 16);
  for (const other of ["unicast", "multicast", "numa-multicast"])
    assert.ok(broadcast > latencyOf(figure, other, 16), `broadcast ${broadcast}, ${other} slower or equal`);
});

test("NUMA-aware multicast's margin over multicast comes from channel placement, not the tree's order", () => {
  const protocols = ["multicast", "numa-multicast"] as const;
  const own = simulateShootdown("amd-4x4", [16], protocols);
  const same = simulateShootdown("amd-4x4", [16], protocols, undefined, { placement: "receiver" });
  const ownMargin = 1 - latencyOf(own, "numa-multicast", 16) / latencyOf(own, "multicast", 16);
  const orderMargin = 1 - latencyOf(same, "numa-multicast", 16) / latencyOf(same, "multicast", 16);
  assert.ok(ownMargin > 0.02, `with each protocol's placement: ${ownMargin}`);
  assert.ok(Math.abs(orderMargin) < 0.01, `with one placement for both: ${orderMargin}`);
});
