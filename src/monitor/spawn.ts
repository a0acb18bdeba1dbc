// Spawning domains through the monitors, and reporting how they end.
//
// A domain is spawned on a set of cores with one dispatcher per core. The request reaches the BSP's
// monitor (from the platform's `run`), which sends `spawn` to the monitor of every core the domain
// spans; each of those asks its platform host to load the domain's program and start its
// dispatcher (loading code is I/O, so it is the host's job, not the monitor's). When a dispatcher's
// main returns or throws, its monitor sends `exited` to the BSP. Once every core has exited, the BSP
// has every dispatcher closed, and reports the domain done only when each core has said `closed`:
// closing frees the domain's service names (sent to the name server, on the BSP, before `closed`
// on the same FIFO channel), so that the next domain may export them again. A domain that throws
// is cleaned up on its core and reported; other domains and cores go on.
// Whichever way a domain ends — main returns, throws, resolves to something that is not an exit
// status (exit-status.ts), its program fails to load, or the BSP abandons it (`abandon`, for a run
// that timed out or was aborted) — every one of its dispatchers is closed, which returns its frames, frees its
// names, closes its channels and detaches it from binding, and its slot (of domainsMax) is freed.
// An exit report counts only from the monitor of the core it names (the channel says who sent it),
// once per core of the domain: nothing a domain posts elsewhere decides another run's status.
// Arguments and results are the platform's to carry, not the monitors': a spawn carries only the
// key (`argsKey`, 0 for none) under which the platform delivered the domain's arguments to each of
// its cores, and `exited` hands the host's result value (exit-status.ts) to the `exited` method,
// which a platform overrides to send it to the caller (the real platform: by postMessage).
//
//   BSP → core    spawn(domainId, program, cores, argsKey)
//   core → BSP    exited(domainId, core, status, error)
//   BSP → core    close(domainId)      once every core has exited: dispatchers stop serving
//   core → BSP    closed(domainId, core)   the dispatcher is closed, its names released
// `abandon(domainId)` on the BSP takes the place of the exits still missing (each reported failed,
// with the reason) and sends close at once; the slot is freed then, without waiting for `closed`,
// so that a core that never runs again (a busy loop) cannot hold it. A late exit or close report of
// an abandoned domain is ignored.

import type { CoreEnv } from "../cpu-driver/core-env.js";
import { bindingTypeBase } from "../cpu-driver/message-types.js";
import { defineInterface, t } from "../idl/index.js";
import { utf8Length } from "../idl/utf8.js";
import {
  domainsMax,
  spawnCoreListBytesMax,
  spawnExitErrorBytesMax,
  spawnProgramBytesMax,
} from "../limits.js";
import { exitOutcomeOf, exitStatusFailed } from "./exit-status.js";
import type { MonitorModule } from "./monitor-module.js";

/** Spawn messages sit at the top of the binding range, clear of the name service's messages. */
const spawnTypeBase = bindingTypeBase + 0xf0;

export const spawnInterface = defineInterface(
  "monitor_spawn",
  {
    spawn: [
      ["domainId", t.u32],
      ["program", t.string(spawnProgramBytesMax)],
      ["cores", t.string(spawnCoreListBytesMax)],
      ["argsKey", t.u32],
    ],
    exited: [
      ["domainId", t.u32],
      ["core", t.u16],
      ["status", t.i32],
      ["error", t.string(spawnExitErrorBytesMax)],
    ],
    close: [["domainId", t.u32]],
    closed: [
      ["domainId", t.u32],
      ["core", t.u16],
    ],
  },
  { typeBase: spawnTypeBase },
);

/** How one dispatcher of a domain ended. */
export interface DispatcherExit {
  readonly core: number;
  readonly status: number;
  /**
   * Why main failed, "" if it did not: the error's message, then (on the real platform) one
   * `    at …` line per frame of its stack in the program's own files (platform/program/failure-text.ts).
   */
  readonly error: string;
  /**
   * What main returned when it is a result rather than an exit status (exit-status.ts); absent when
   * main returned a status or nothing, or failed. Carried by the platform, not the monitors.
   */
  readonly value?: unknown;
}

export interface SpawnHost {
  /**
   * Load `program` and start its dispatcher on this core, with the arguments the platform holds
   * under `argsKey` (0: none); call `SpawnModule.exited` when main ends.
   */
  startDispatcher(domainId: number, program: string, cores: readonly number[], argsKey: number): void;
  /** The whole domain is done: close this core's dispatcher of it. */
  closeDispatcher(domainId: number): void;
}

interface DomainRecord {
  readonly cores: readonly number[];
  /** Each core's exit, once it has reported (or been abandoned). */
  readonly exits: Map<number, DispatcherExit>;
  /** Cores whose dispatcher is closed, once every core has exited. */
  readonly closed: Set<number>;
  readonly onDone: (exits: readonly DispatcherExit[]) => void;
}

/** Cuts `text` to at most `bytesMax` bytes of UTF-8, on a character boundary. */
function truncateUtf8(text: string, bytesMax: number): string {
  if (utf8Length(text) <= bytesMax) return text;
  let end = Math.min(text.length, bytesMax);
  while (end > 0 && utf8Length(`${text.slice(0, end)}…`) > bytesMax) end--;
  return `${text.slice(0, end)}…`;
}

export class SpawnModule implements MonitorModule {
  readonly name = "spawn";
  private readonly receiveFrame;
  private readonly domains = new Map<number, DomainRecord>();
  private nextDomainId = 1;
  /** The core whose message is being received, while it is. */
  private fromCore: number | undefined;

  constructor(
    private readonly env: CoreEnv,
    private readonly host: SpawnHost,
  ) {
    this.receiveFrame = spawnInterface.dispatcher(
      {
        spawn: (domainId, program, cores, argsKey) => this.spawnReceived(domainId, program, cores, argsKey),
        exited: (domainId, core, status, error) =>
          this.exitedReceived(domainId, { core, status, error }, this.sender()),
        close: (domainId) => this.closeReceived(domainId),
        closed: (domainId, core) => this.closedReceived(domainId, core, this.sender()),
      },
      `monitor ${env.coreId}`,
    );
  }

  receive(fromCore: number, type: number, bytes: Uint8Array, length: number): boolean {
    if (!spawnInterface.owns(type)) return false;
    this.fromCore = fromCore;
    try {
      this.receiveFrame(type, bytes, length);
    } finally {
      this.fromCore = undefined;
    }
    return true;
  }

  /** Domains the BSP runs now (each holds one of domainsMax slots). */
  get runningCount(): number {
    return this.domains.size;
  }

  /**
   * BSP only: spawns `program` on `cores`, its arguments held by each core's platform under
   * `argsKey` (0: none); `onDone` gets every dispatcher's exit. Returns the domain id.
   */
  spawn(
    program: string,
    cores: readonly number[],
    onDone: (exits: readonly DispatcherExit[]) => void,
    argsKey = 0,
  ): number {
    this.checkBsp("spawn");
    if (cores.length === 0) throw new Error("spawn: a domain needs at least one core");
    for (const core of cores) {
      if (!this.env.coreIds.includes(core)) {
        throw new Error(`spawn: core ${core} does not exist (booted cores: ${this.env.coreIds.join(", ")})`);
      }
    }
    if (new Set(cores).size !== cores.length)
      throw new Error(`spawn: cores ${cores.join(",")} name a core twice`);
    if (this.domains.size >= domainsMax)
      throw new Error(`spawn: ${domainsMax} domains already run (limits.domainsMax)`);
    // Check what the spawn messages carry before anything starts: a message that cannot be sent
    // after some cores started the domain would leave it half-spawned, never done.
    const coreList = cores.join(",");
    if (utf8Length(program) > spawnProgramBytesMax)
      throw new Error(
        `spawn: the program's name is ${utf8Length(program)} bytes, over the ${spawnProgramBytesMax} a spawn carries`,
      );
    if (utf8Length(coreList) > spawnCoreListBytesMax)
      throw new Error(
        `spawn: the list of ${cores.length} cores is ${utf8Length(coreList)} bytes, over the ${spawnCoreListBytesMax} a spawn carries`,
      );
    const domainId = this.nextDomainId++;
    this.domains.set(domainId, { cores, exits: new Map(), closed: new Set(), onDone });
    // Remote cores first, this core last: should a send still fail, nothing has started here.
    for (const core of cores) {
      if (core !== this.env.coreId)
        spawnInterface.sender(this.env.portTo(core)).spawn(domainId, program, coreList, argsKey);
    }
    if (cores.includes(this.env.coreId)) this.host.startDispatcher(domainId, program, cores, argsKey);
    return domainId;
  }

  /**
   * BSP only: gives up on a domain that has not ended (its run timed out). Every core that has not
   * reported is counted failed with `reason`, every dispatcher is told to close (returning its
   * frames, names and channels), and the slot is freed now; `onDone` is called with the exits.
   * Returns false if no such domain runs (it ended already, or was never spawned).
   */
  abandon(domainId: number, reason: string): boolean {
    this.checkBsp("abandon");
    const domain = this.domains.get(domainId);
    if (domain === undefined) return false;
    const error = truncateUtf8(`abandoned: ${reason}`, spawnExitErrorBytesMax);
    for (const core of domain.cores) {
      if (!domain.exits.has(core)) domain.exits.set(core, { core, status: exitStatusFailed, error });
    }
    this.domains.delete(domainId);
    this.sendClose(domainId, domain.cores);
    domain.onDone(sortedExits(domain));
    return true;
  }

  /**
   * On the dispatcher's core: its main has ended with `status` (checked here: a value outside
   * 0–255 is reported failed, with an error naming it) and `error` ("" for none). `value`, main's
   * result if it returned one, is not sent to the BSP: a platform that hands results back overrides
   * this method to carry it (see the file comment).
   */
  exited(domainId: number, status: number, error: string, _value?: unknown): void {
    const outcome = error === "" ? exitOutcomeOf(status) : { status: exitStatusFailed, error };
    const exit = {
      core: this.env.coreId,
      status: outcome.status,
      error: truncateUtf8(outcome.error, spawnExitErrorBytesMax),
    };
    const bsp = this.env.coreIds[0]!;
    if (bsp === this.env.coreId) this.exitedReceived(domainId, exit, bsp);
    else spawnInterface.sender(this.env.portTo(bsp)).exited(domainId, exit.core, exit.status, exit.error);
  }

  private checkBsp(what: string): void {
    if (this.env.coreId !== this.env.coreIds[0])
      throw new Error(`${what}: only the BSP (core ${this.env.coreIds[0]}) spawns domains`);
  }

  private spawnReceived(domainId: number, program: string, cores: string, argsKey: number): void {
    this.host.startDispatcher(domainId, program, cores.split(",").map(Number), argsKey);
  }

  /** The core whose message is being received (the channel it came on says so, not the message). */
  private sender(): number {
    if (this.fromCore === undefined) throw new Error("spawn: a message handler ran outside receive");
    return this.fromCore;
  }

  private exitedReceived(domainId: number, exit: DispatcherExit, from: number): void {
    if (exit.core !== from) {
      this.env.log(
        `spawn: core ${from} reported an exit for core ${exit.core} of domain ${domainId}: ignored`,
      );
      return;
    }
    const domain = this.domains.get(domainId);
    if (domain === undefined || !domain.cores.includes(exit.core) || domain.exits.has(exit.core)) {
      // An abandoned domain's late report is expected; anything else is a confused or forged one.
      if (domainId < this.nextDomainId) return;
      this.env.log(`spawn: exit report for unknown domain ${domainId} from core ${exit.core}`);
      return;
    }
    domain.exits.set(exit.core, exit);
    if (domain.exits.size === domain.cores.length) this.sendClose(domainId, domain.cores);
  }

  private sendClose(domainId: number, cores: readonly number[]): void {
    for (const core of cores) {
      if (core === this.env.coreId) this.closeReceived(domainId);
      else spawnInterface.sender(this.env.portTo(core)).close(domainId);
    }
  }

  /** On each core of a domain that has ended: close its dispatcher, then tell the BSP. */
  private closeReceived(domainId: number): void {
    this.host.closeDispatcher(domainId);
    const bsp = this.env.coreIds[0]!;
    if (bsp === this.env.coreId) this.closedReceived(domainId, bsp, bsp);
    else spawnInterface.sender(this.env.portTo(bsp)).closed(domainId, this.env.coreId);
  }

  private closedReceived(domainId: number, core: number, from: number): void {
    const domain = this.domains.get(domainId);
    if (domain === undefined || domain.exits.size !== domain.cores.length || core !== from) {
      // An abandoned domain's cores still confirm their close: its slot is already free.
      if (domain === undefined && domainId < this.nextDomainId) return;
      this.env.log(`spawn: close report for domain ${domainId} from core ${core}, which is not closing`);
      return;
    }
    domain.closed.add(core);
    if (domain.closed.size !== domain.cores.length) return;
    this.domains.delete(domainId);
    domain.onDone(sortedExits(domain));
  }
}

function sortedExits(domain: DomainRecord): DispatcherExit[] {
  return [...domain.exits.values()].sort((a, b) => a.core - b.core);
}
