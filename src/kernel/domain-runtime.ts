// The CPU driver's table of dispatchers on one core, and the start of each: one domain's main runs
// here with its dispatcher's DomainContext. Sans-IO: code loading is the platform's job; this file
// only creates dispatchers, runs a given main, and closes them.
import type { MonitorModule } from "../monitor/monitor-module.js";
import type { CoreEnv } from "../platform/core-env.js";

export interface BasicDomainContext {
  readonly coreId: number;
  readonly cores: readonly number[];
  readonly domainId: number;
  log(...args: unknown[]): void;
  nowNs(): number;
  random(): number;
  sleep(ms: number): Promise<void>;
}

export class DomainRuntime {
  private readonly running = new Map<number, BasicDomainContext>();

  constructor(private readonly env: CoreEnv) {}

  monitorModules(): MonitorModule[] {
    return [];
  }

  async run(domainId: number, cores: readonly number[], main: (ctx: unknown) => unknown): Promise<unknown> {
    const env = this.env;
    const ctx: BasicDomainContext = {
      coreId: env.coreId,
      cores,
      domainId,
      log: (...args) => env.log(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")),
      nowNs: () => env.nowNs(),
      random: () => env.random(),
      sleep: (ms) => new Promise((resolve) => env.setTimer(ms * 1e6, () => resolve())),
    };
    this.running.set(domainId, ctx);
    try {
      return await main(ctx);
    } finally {
      this.running.delete(domainId);
    }
  }

  closeAll(): void {
    this.running.clear();
  }
}
