// The TLB-shootdown case study on real cores: how long one unmap takes, per protocol.
//
// Run it with `npx multikernel run dist/examples/tlb-shootdown.js --core-list 0-3`. The domain spans
// the given cores. For each protocol (broadcast, unicast, multicast, numa-multicast through the
// monitors; shared-memory, the single-address-space baseline) it opens an address space and
// repeats, the protocols taking turns within each repetition: the lowest core maps a page and
// writes to it; every core translates it (filling its TLB) and reads what was written; the lowest
// core times `unmap`, which resolves once no core can translate the page; every core then checks
// that it faults. The cores step together through a
// barrier (a replicated counter). The lowest core prints a table of the unmap latency (median, mean,
// p99 and the slowest, which shows when one outlier lifts the mean above the p99) and one line
// `tlb-shootdown: {"results":[{"protocol","cores","latencyNs","meanNs","p99Ns","maxNs"}]}` for tools
// (latencyNs is the median).
// TLB_REPS sets the timed repetitions per protocol (default 200), TLB_WARMUP the untimed ones
// before them (default 1000);
// TLB_PROTOCOLS=unicast,shared-memory runs those only, in that order.
import type { DomainContext } from "../src/index.js";
import { pageBytes } from "../src/limits.js";
import { rightRead, rightWrite, type ShootdownProtocol, VmError } from "../src/vm/index.js";

/** Every protocol, message protocols first, the shared-memory baseline last. */
export const tlbShootdownProtocols: readonly ShootdownProtocol[] = [
  "broadcast",
  "unicast",
  "multicast",
  "numa-multicast",
  "shared-memory",
];

/** The prefix of the result line. */
export const tlbShootdownLinePrefix = "tlb-shootdown: ";

const repetitions = Number(process.env.TLB_REPS ?? 200);
/** Untimed repetitions first: the unmap gets several times faster over the first few hundred. */
const warmupRepetitions = Number(process.env.TLB_WARMUP ?? 1000);
/** TLB_PROTOCOLS: a comma-separated subset, in the order to run them (default: all, as above). */
const protocolsToRun: readonly ShootdownProtocol[] =
  process.env.TLB_PROTOCOLS === undefined
    ? tlbShootdownProtocols
    : process.env.TLB_PROTOCOLS.split(",").map((name) => {
        if (!(tlbShootdownProtocols as readonly string[]).includes(name))
          throw new Error(`TLB_PROTOCOLS: unknown protocol ${name}`);
        return name as ShootdownProtocol;
      });
/** The page every repetition maps and unmaps. */
const vaddr = 0x1_0000;

/** A barrier over the domain's cores: a replicated counter each core adds one to per round. */
export function makeBarrier(ctx: DomainContext, name: string): () => Promise<void> {
  const counter = ctx.replicated<number, number>(name, { initial: 0, apply: (state, add) => state + add });
  let round = 0;
  return async () => {
    round++;
    const target = round * ctx.cores.length;
    await counter.update(1, "one-phase");
    if (counter.read() >= target) return;
    // Unbounded here (a timer per barrier would pile up over thousands of rounds): `run`'s own
    // timeout bounds the domain if a core fails.
    await new Promise<void>((resolve) => {
      const stop = counter.onApplied((_seq, _update, state) => {
        if (state >= target) {
          stop();
          resolve();
        }
      });
    });
  };
}

/** Median, mean, 99th percentile and maximum of samples in nanoseconds, rounded. */
function summary(samples: readonly number[]): {
  latencyNs: number;
  meanNs: number;
  p99Ns: number;
  maxNs: number;
} {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length;
  return {
    latencyNs: Math.round(sorted[Math.floor(sorted.length / 2)]!),
    meanNs: Math.round(mean),
    p99Ns: Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!),
    maxNs: Math.round(sorted[sorted.length - 1]!),
  };
}

export async function main(ctx: DomainContext): Promise<number> {
  if (
    !Number.isInteger(repetitions) ||
    repetitions < 1 ||
    !Number.isInteger(warmupRepetitions) ||
    warmupRepetitions < 0
  )
    throw new Error(`TLB_REPS=${repetitions}, TLB_WARMUP=${warmupRepetitions}: not counts`);
  const leader = ctx.cores[0]!;
  const barrier = makeBarrier(ctx, "tlb-shootdown-barrier");
  const results: {
    protocol: ShootdownProtocol;
    cores: number;
    latencyNs: number;
    meanNs: number;
    p99Ns: number;
    maxNs: number;
  }[] = [];
  const spaces = protocolsToRun.map((protocol) => ctx.addressSpace(`tlb-${protocol}`, { protocol }));
  const frames = spaces.map((space) => (ctx.coreId === leader ? space.allocFrame() : -1));
  const samples = spaces.map((): number[] => []);
  await barrier();
  // Protocols take turns within each repetition, so that warming up (the JIT, the CPU's clock)
  // favours none of them.
  for (let rep = 0; rep < warmupRepetitions + repetitions; rep++) {
    const marker = (rep % 250) + 1;
    for (let p = 0; p < spaces.length; p++) {
      const space = spaces[p]!;
      const protocol = protocolsToRun[p]!;
      if (ctx.coreId === leader) {
        await space.map(vaddr, frames[p]!, rightRead | rightWrite);
        space.translate(vaddr, rightWrite).page.set(0, marker);
      }
      await barrier();
      const seen = space.translate(vaddr, rightRead).page.get(0);
      if (seen !== marker) throw new Error(`${protocol}: core ${ctx.coreId} read ${seen}, not ${marker}`);
      await barrier();
      if (ctx.coreId === leader) {
        const startNs = ctx.nowNs();
        await space.unmap(vaddr, pageBytes);
        if (rep >= warmupRepetitions) samples[p]!.push(ctx.nowNs() - startNs);
      }
      await barrier();
      try {
        space.translate(vaddr, rightRead);
        throw new Error(`${protocol}: core ${ctx.coreId} still translates ${vaddr.toString(16)} after unmap`);
      } catch (error) {
        if (!(error instanceof VmError && error.code === "page-fault")) throw error;
      }
      await barrier();
    }
  }
  if (ctx.coreId === leader) {
    for (let p = 0; p < spaces.length; p++)
      results.push({
        protocol: protocolsToRun[p]!,
        cores: ctx.cores.length,
        ...summary(samples[p]!),
      });
  }
  if (ctx.coreId === leader) {
    ctx.log(
      `unmap of one page on ${ctx.cores.length} cores, ${repetitions} timed after ${warmupRepetitions} untimed (µs):`,
    );
    const us = (ns: number) => (ns / 1000).toFixed(1).padStart(8);
    ctx.log(
      `${"protocol".padEnd(16)} ${"cores".padStart(5)} ${"median".padStart(8)} ${"mean".padStart(8)} ${"p99".padStart(8)} ${"max".padStart(8)}`,
    );
    for (const r of results)
      ctx.log(
        `${r.protocol.padEnd(16)} ${String(r.cores).padStart(5)} ${us(r.latencyNs)} ${us(r.meanNs)} ${us(r.p99Ns)} ${us(r.maxNs)}`,
      );
    ctx.log(`${tlbShootdownLinePrefix}${JSON.stringify({ results })}`);
  }
  return 0;
}
