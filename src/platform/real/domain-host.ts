// Hosting domains on one core of the real platform: load a domain's program, give its main a
// dispatcher's DomainContext, and report to the monitor how it ended.
//
// Loading code is I/O, so it lives here in the platform, not in the monitor: the spawn module asks
// (`startDispatcher`), the host imports the module, runs `main(ctx)`, and calls back `exited` with
// its status — 0 for a normal return (or the number main returned), 1 and the error's message for a
// throw or a program that cannot be loaded. A failing domain is reported and its dispatcher
// closed; the core and its other domains go on.
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DomainRuntime } from "../../kernel/domain-runtime.js";
import type { MonitorModule } from "../../monitor/monitor-module.js";
import type { SpawnHost, SpawnModule } from "../../monitor/spawn.js";
import type { CoreEnv } from "../core-env.js";

export class DomainHost implements SpawnHost {
  private spawn: SpawnModule | undefined;
  private readonly runtime: DomainRuntime;

  constructor(
    private readonly env: CoreEnv,
    private readonly log: (line: string) => void,
  ) {
    this.runtime = new DomainRuntime(env);
  }

  attach(spawn: SpawnModule): void {
    this.spawn = spawn;
  }

  /** The monitor modules the dispatchers need (name service, binding, replication). */
  monitorModules(): MonitorModule[] {
    return this.runtime.monitorModules();
  }

  startDispatcher(domainId: number, program: string, cores: readonly number[]): void {
    void this.runDispatcher(domainId, program, cores);
  }

  private async runDispatcher(domainId: number, program: string, cores: readonly number[]): Promise<void> {
    let status = 0;
    let error = "";
    try {
      const url = program.startsWith("file:")
        ? program
        : pathToFileURL(isAbsolute(program) ? program : resolve(program)).href;
      const module = (await import(url)) as { main?: unknown; default?: unknown };
      const main = typeof module.main === "function" ? module.main : module.default;
      if (typeof main !== "function") throw new Error(`${program} exports no main function`);
      const result = await this.runtime.run(domainId, cores, main as (ctx: unknown) => unknown);
      status = typeof result === "number" && Number.isInteger(result) ? result : 0;
    } catch (thrown) {
      status = 1;
      error = thrown instanceof Error ? thrown.message : String(thrown);
      this.log(`domain ${domainId} failed: ${error}`);
    }
    this.spawn?.exited(domainId, status, error);
  }

  async closeAll(): Promise<void> {
    this.runtime.closeAll();
  }
}
