// What a core's worker does with a failure that escapes every domain's own handling: a promise a
// domain left rejected with no handler, or a throw from a host callback (a `setTimeout` the domain
// set itself, an event listener), which no `main` can catch. Without a handler either one ends the
// worker thread, and the core with it, silently as far as the domains are concerned.
//
// core-worker.ts installs process-wide handlers (`unhandledRejection`, `uncaughtException`) that
// hand each such failure here. A host callback has no domain attached, so the failure is blamed
// on the one domain whose main is running on this core, if there is exactly one: its exit is then
// reported failed (status 1, the escaped failure as its error) when main ends, even if main
// itself returned 0. With none or several running, it is the core's: logged as such. Either way
// the core goes on. Every value is described with describeThrown (never String: its toString may
// throw).

import { describeThrown } from "../../cpu-driver/describe-thrown.js";

/** How a domain's main ended, as the spawn module reports it. */
export interface MainOutcome {
  readonly status: number;
  readonly error: string;
}

export class EscapedFailures {
  /** Domains whose main is running on this core. */
  private readonly running = new Set<number>();
  /** The first escaped failure blamed on each running domain. */
  private readonly blamed = new Map<number, string>();

  constructor(
    private readonly coreId: number,
    private readonly log: (line: string) => void,
  ) {}

  mainStarted(domainId: number): void {
    this.running.add(domainId);
  }

  /** Main ended: its outcome, failed if an escaped failure was blamed on it meanwhile. */
  mainEnded(domainId: number, outcome: MainOutcome): MainOutcome {
    this.running.delete(domainId);
    const escaped = this.blamed.get(domainId);
    this.blamed.delete(domainId);
    if (escaped === undefined || outcome.status !== 0) return outcome;
    return { status: 1, error: escaped };
  }

  /** The domain's dispatcher closed here (done or abandoned): nothing more is blamed on it. */
  forget(domainId: number): void {
    this.running.delete(domainId);
    this.blamed.delete(domainId);
  }

  /** A failure escaped (`what`: "an unhandled rejection", say): blame it, and log it. */
  escaped(what: string, thrown: unknown): void {
    const text = `${what}: ${describeThrown(thrown)}`;
    if (this.running.size === 1) {
      const [domainId] = this.running;
      if (domainId !== undefined && !this.blamed.has(domainId)) this.blamed.set(domainId, text);
      this.log(`domain ${domainId} failed on core ${this.coreId}: ${text} (the core goes on)`);
      return;
    }
    const who = this.running.size === 0 ? "no domain's main is running" : `${this.running.size} domains run`;
    this.log(`core ${this.coreId}: ${text} (${who}: blamed on the core, which goes on)`);
  }
}
