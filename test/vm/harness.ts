// Test harness: an address space spanning every core of a loopback platform, one ShootdownEngine
// per core, plus the invariant checks the tests share (safety at each completion, replicas agree).

import assert from "node:assert/strict";
import { pageBytes } from "../../src/limits.js";
import { LoopbackPlatform } from "../../src/platform/loopback/index.js";
import type { CorePackage } from "../../src/skb/types.js";
import {
  type CompletedOperation,
  PhysicalMemory,
  packageTree,
  ShootdownEngine,
  type ShootdownProtocol,
} from "../../src/vm/index.js";

export const framesPerCore = 8;
export const maxSteps = 200_000;

/** Synthetic packages: `perPackage` consecutive cores each, the lowest one leading. */
export function packagesOf(coreIds: readonly number[], perPackage: number): CorePackage[] {
  const packages: CorePackage[] = [];
  for (let i = 0; i < coreIds.length; i += perPackage) {
    const cores = coreIds.slice(i, i + perPackage);
    packages.push({ id: packages.length, leader: cores[0]!, cores });
  }
  return packages;
}

/** Package size for a core count: 2 → 1, 4 → 2, 16 → 4. */
export function perPackageFor(coreCount: number): number {
  return Math.max(1, Math.floor(Math.sqrt(coreCount)));
}

export interface Machine {
  readonly platform: LoopbackPlatform;
  readonly engines: ShootdownEngine[];
  readonly packages: CorePackage[];
  readonly completed: CompletedOperation[];
  readonly buffer: SharedArrayBuffer;
  /** Runs the platform until idle. */
  run(): void;
}

export interface BootOptions {
  readonly seed?: number;
  readonly home?: number;
  /** Check safety at every completion (default true). */
  readonly checkSafety?: boolean;
}

export function boot(coreCount: number, protocol: ShootdownProtocol, options: BootOptions = {}): Machine {
  const coreIds = Array.from({ length: coreCount }, (_, i) => i);
  const platform = new LoopbackPlatform(coreIds, { seed: options.seed ?? 1 });
  const packages = packagesOf(coreIds, perPackageFor(coreCount));
  const buffer = new SharedArrayBuffer(coreCount * framesPerCore * pageBytes);
  const engines: ShootdownEngine[] = [];
  const completed: CompletedOperation[] = [];
  // The NUMA-aware tree: farthest package first, distance being the difference of package ids.
  const tree = (root: number) => {
    const home = packages.find((p) => p.cores.includes(root))!;
    const distance = (p: CorePackage) => Math.abs(p.id - home.id);
    return packageTree(packages, root, (a, b) => distance(b) - distance(a) || a.id - b.id);
  };
  for (const id of coreIds) {
    platform.add(id, (env) => {
      const engine = new ShootdownEngine(env, {
        protocol,
        packages,
        tree,
        memory: new PhysicalMemory(buffer, coreIds, id),
        ...(options.home === undefined ? {} : { home: options.home }),
        onComplete: (op) => {
          completed.push(op);
          if (options.checkSafety ?? true) checkSafetyAt(engines, op);
        },
      });
      engines[id] = engine;
      return {
        start: () => {},
        receive: (from, type, bytes, length) => {
          if (!engine.receive(from, type, bytes, length))
            throw new Error(`core ${id}: unexpected type ${type}`);
        },
      };
    });
  }
  platform.start();
  return {
    platform,
    engines,
    packages,
    completed,
    buffer,
    run: () => {
      platform.runUntilIdle({ maxSteps });
    },
  };
}

/**
 * Safety, checked the moment an operation completes: every core's translation of each page of the
 * range (TLB first, as translate does) reflects this operation or a later one. For an unmap that
 * means the page faults, or was mapped again by a map sequenced after the unmap.
 */
export function checkSafetyAt(engines: readonly ShootdownEngine[], op: CompletedOperation): void {
  if (op.error !== undefined || op.kind === "map") return;
  for (let vaddr = op.vaddr; vaddr < op.vaddr + op.lengthBytes; vaddr += pageBytes) {
    for (const engine of engines) {
      let seq: number | undefined;
      try {
        seq = engine.translate(vaddr, 0).seq;
      } catch {
        continue;
      }
      const fresh = op.kind === "unmap" ? seq > op.seq : seq >= op.seq;
      assert.ok(
        fresh,
        `core ${engine.coreId} still translates 0x${vaddr.toString(16)} (seq ${seq}) when ${op.kind} #${op.seq} of core ${op.core} completed`,
      );
    }
  }
}

/** Every replica equals the home's, and every TLB entry equals its replica's entry. */
export function checkReplicasAgree(engines: readonly ShootdownEngine[]): void {
  const reference = engines[0]!.replica.snapshot();
  for (const engine of engines) {
    assert.deepEqual(
      engine.replica.snapshot(),
      reference,
      `core ${engine.coreId}'s replica differs from core 0's`,
    );
    assert.equal(engine.appliedSeq, engines[0]!.appliedSeq);
    assert.equal(engine.inFlight, 0);
    for (const [vpage, entry] of engine.tlb.cached()) {
      assert.deepEqual(
        entry,
        engine.replica.lookup(vpage),
        `core ${engine.coreId}: stale TLB entry for page ${vpage}`,
      );
    }
  }
}

/** Touches every mapped page on every core, filling the TLBs (so a missed invalidation shows). */
export function warmTlbs(engines: readonly ShootdownEngine[]): void {
  for (const engine of engines) {
    for (const [vpage] of engine.replica.snapshot()) engine.translate(vpage * pageBytes, 0);
  }
}
