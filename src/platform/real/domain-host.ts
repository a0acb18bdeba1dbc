// Hosting domains on one core of the real platform: load a domain's program, give its main its
// dispatcher's DomainContext, and report to the monitor how main ended.
//
// Loading code is I/O, so it lives here in the platform, not in the monitor: the spawn module asks
// (`startDispatcher`), the host loads the module (src/platform/program: TypeScript or JavaScript,
// with source maps), creates the core's dispatcher through the monitor, runs `main(ctx)`, and
// reports `exited` with its status — the number main returned (0 for none; an integer in 0–255,
// else refused: exit-status.ts), or 1 and the error's text for a throw or a program that cannot be
// loaded (its message and the frames of its stack in the program's files: failure-text.ts) — and
// its result, any other value main returned (exit-status.ts; the core's spawn module posts it to
// the boot thread). `ctx.args` are the domain's arguments, which the boot thread delivered to this
// core (domain-args.ts) under the key the spawn carries. A dispatcher closed before its main ends (the BSP abandoned
// the domain) reports nothing more; one closed while its program loads is never created. The
// dispatcher keeps serving its exports after main returns (a server's main exports and returns);
// it is closed when the whole domain is done (`closeDispatcher`, sent by the BSP) or the core stops.
// A failing domain is reported and closed; the core and its other domains go on. Whatever main
// throws or resolves to is described without throwing (describeThrown: a value whose toString
// throws, say), and nothing a domain does escapes runDispatcher, so no domain takes the core's
// worker down. A core declared failed (the failure detector, through RealCore.onPeerFailed) reaches
// every dispatcher here: each fails its bindings to that core, so calls in flight to it reject.
import { describeThrown } from "../../cpu-driver/describe-thrown.js";
import { Dispatcher } from "../../domain/dispatcher.js";
import { exitOutcomeOf } from "../../monitor/exit-status.js";
import type { Monitor } from "../../monitor/monitor.js";
import type { PeerFailureListener } from "../../monitor/peer-failure.js";
import type { SpawnHost, SpawnModule } from "../../monitor/spawn.js";
import { failureText } from "../program/failure-text.js";
import { loadProgram } from "../program/program-loader.js";
import { argsCancelled, DomainArgs } from "./domain-args.js";

export { programUrl } from "../program/program-loader.js";

export class DomainHost implements SpawnHost, PeerFailureListener {
  /** The domains' arguments the boot thread delivered to this core. */
  readonly args = new DomainArgs();
  private spawn: SpawnModule | undefined;
  /** The key of each starting domain's arguments, until they arrive (closing it cancels the claim). */
  private readonly argsKeys = new Map<number, number>();
  private readonly dispatchers = new Map<number, Dispatcher>();
  /** Domains whose program is loading here: closing one before it starts cancels it. */
  private readonly starting = new Set<number>();

  constructor(
    private readonly monitor: Monitor,
    private readonly log: (line: string) => void,
  ) {}

  attach(spawn: SpawnModule): void {
    this.spawn = spawn;
  }

  startDispatcher(domainId: number, program: string, cores: readonly number[], argsKey: number): void {
    this.starting.add(domainId);
    // Claimed at once, so that arguments arriving while the program loads wait for it, not in `held`.
    const args = argsKey === 0 ? Promise.resolve(undefined) : this.args.claim(argsKey);
    if (argsKey !== 0) this.argsKeys.set(domainId, argsKey);
    this.runDispatcher(domainId, program, cores, args).catch((thrown: unknown) =>
      this.log(`domain ${domainId}: reporting its end failed: ${describeThrown(thrown)}`),
    );
  }

  closeDispatcher(domainId: number): void {
    // A dispatcher still loading is not created at all; one running stops serving now.
    this.starting.delete(domainId);
    const argsKey = this.argsKeys.get(domainId);
    this.argsKeys.delete(domainId);
    if (argsKey !== undefined) this.args.cancel(argsKey);
    this.dispatchers.get(domainId)?.close();
    this.dispatchers.delete(domainId);
  }

  private async runDispatcher(
    domainId: number,
    program: string,
    cores: readonly number[],
    argsClaim: Promise<unknown>,
  ): Promise<void> {
    let status = 0;
    let error = "";
    let value: unknown;
    let dispatcher: Dispatcher | undefined;
    try {
      const main = await loadProgram(program);
      const args = await argsClaim;
      this.argsKeys.delete(domainId);
      // Closed (abandoned) while loading: nothing to start, nothing to report.
      if (!this.starting.delete(domainId) || args === argsCancelled) return;
      dispatcher = new Dispatcher(this.monitor, domainId, cores, { args });
      this.dispatchers.set(domainId, dispatcher);
      const outcome = exitOutcomeOf(await main(dispatcher.context));
      status = outcome.status;
      error = outcome.error;
      value = outcome.value;
    } catch (thrown) {
      status = 1;
      error = failureText(thrown);
    }
    this.starting.delete(domainId);
    // A dispatcher closed before main ended was abandoned: the BSP has counted it already.
    if (dispatcher !== undefined && this.dispatchers.get(domainId) !== dispatcher) return;
    if (error !== "") {
      // The first line here; the whole text, with its stack, goes to the run's result.
      this.log(`domain ${domainId} failed: ${error.split("\n", 1)[0]}`);
      try {
        this.closeDispatcher(domainId);
      } catch (closing) {
        this.log(`domain ${domainId}: closing its dispatcher failed: ${describeThrown(closing)}`);
      }
    }
    this.spawn?.exited(domainId, status, error, value);
  }

  /** Core `coreId` was declared failed: every dispatcher here fails its bindings to that core. */
  peerCoreFailed(coreId: number, reason: string): void {
    for (const [domainId, dispatcher] of this.dispatchers) {
      try {
        dispatcher.peerCoreFailed(coreId, reason);
      } catch (thrown) {
        this.log(
          `domain ${domainId}: failing its bindings to core ${coreId} failed: ${describeThrown(thrown)}`,
        );
      }
    }
  }

  closeAll(): void {
    for (const id of [...this.dispatchers.keys()]) this.closeDispatcher(id);
  }
}
