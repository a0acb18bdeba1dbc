// Test harness for the spawn module on the loopback platform: every core's monitor with its
// spawn and vm modules (physical memory of its own), and a host that runs mains registered by
// program name in memory, as the real platform's DomainHost runs imported modules. A domain's
// dispatchers close as the spawn module says; `check` reads what the system holds, to compare a
// machine before and after a run of domains.

import { Dispatcher } from "../../src/domain/dispatcher.js";
import type { DomainMain } from "../../src/domain/domain-context.js";
import { pageBytes } from "../../src/limits.js";
import { exitOutcomeOf } from "../../src/monitor/exit-status.js";
import { Monitor } from "../../src/monitor/monitor.js";
import { type DispatcherExit, type SpawnHost, SpawnModule } from "../../src/monitor/spawn.js";
import { VmModule } from "../../src/monitor/vm-module.js";
import { LoopbackPlatform } from "../../src/platform/loopback/index.js";

/** Frames of the machine's physical memory (split evenly among the cores). */
export const machineFrames = 64;

/** One core's host: runs registered mains as dispatchers. */
class MemoryHost implements SpawnHost {
  readonly dispatchers = new Map<number, Dispatcher>();
  spawn!: SpawnModule;

  constructor(
    private readonly monitor: Monitor,
    private readonly programs: ReadonlyMap<string, DomainMain>,
  ) {}

  startDispatcher(domainId: number, program: string, cores: readonly number[]): void {
    void this.run(domainId, program, cores);
  }

  closeDispatcher(domainId: number): void {
    this.dispatchers.get(domainId)?.close();
    this.dispatchers.delete(domainId);
  }

  private async run(domainId: number, program: string, cores: readonly number[]): Promise<void> {
    const main = this.programs.get(program);
    if (main === undefined) {
      this.spawn.exited(domainId, 1, `no program named ${program}`);
      return;
    }
    const dispatcher = new Dispatcher(this.monitor, domainId, cores);
    this.dispatchers.set(domainId, dispatcher);
    let outcome: { status: number; error: string };
    try {
      outcome = exitOutcomeOf(await main(dispatcher.context));
    } catch (error) {
      outcome = { status: 1, error: error instanceof Error ? error.message : "a non-Error was thrown" };
    }
    if (this.dispatchers.get(domainId) !== dispatcher) return; // abandoned meanwhile
    this.spawn.exited(domainId, outcome.status, outcome.error);
  }
}

export interface SpawnMachine {
  readonly platform: LoopbackPlatform;
  readonly monitors: readonly Monitor[];
  readonly hosts: readonly MemoryHost[];
  readonly spawns: readonly SpawnModule[];
  readonly vms: readonly VmModule[];
  /** Spawns through the BSP; the promise resolves with the exits when the domain is done. */
  run(
    program: string,
    cores: readonly number[],
  ): { domainId: number; done: Promise<readonly DispatcherExit[]> };
}

export function bootSpawnMachine(
  coreCount: number,
  programs: ReadonlyMap<string, DomainMain>,
  seed = 1,
): SpawnMachine {
  const coreIds = Array.from({ length: coreCount }, (_, i) => i);
  const platform = new LoopbackPlatform(coreIds, { seed });
  const physicalMemory = new SharedArrayBuffer(machineFrames * pageBytes);
  const hosts: MemoryHost[] = [];
  const spawns: SpawnModule[] = [];
  const vms: VmModule[] = [];
  const monitors = coreIds.map((id) =>
    platform.add(id, (env) => {
      const monitor = new Monitor(env);
      const host = new MemoryHost(monitor, programs);
      host.spawn = monitor.add(new SpawnModule(env, host));
      vms.push(monitor.add(new VmModule(env, { physicalMemory })));
      hosts.push(host);
      spawns.push(host.spawn);
      return monitor;
    }),
  );
  platform.start();
  return {
    platform,
    monitors,
    hosts,
    spawns,
    vms,
    run(program, cores) {
      let resolve!: (exits: readonly DispatcherExit[]) => void;
      const done = new Promise<readonly DispatcherExit[]>((r) => {
        resolve = r;
      });
      const domainId = spawns[0]!.spawn(program, cores, resolve);
      return { domainId, done };
    },
  };
}

/** What the machine holds: the figures a run of domains must leave as it found them. */
export function holdings(machine: SpawnMachine) {
  return {
    framesFree: machine.vms.map((vm) => vm.memory!.framesFree),
    running: machine.spawns[0]!.runningCount,
    dispatchers: machine.hosts.map((h) => h.dispatchers.size),
    names: machine.monitors[0]!.nameService.registeredCount,
    addressSpaces: machine.vms.map((vm) => vm.openCount),
  };
}
