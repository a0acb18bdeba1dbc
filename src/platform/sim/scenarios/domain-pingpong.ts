// The `pingpong` scenario through a domain (`sim --run pingpong --domain`): the same exchange as
// pingpong.ts, but between two dispatchers of one domain, as examples/ping-pong.ts runs on the
// real platform. Core `a` exports a "pong" service; core `b` binds to it through the monitors'
// name service and binding protocol (its own URPC channel) and makes `rounds` typed RPC calls,
// timing each with the domain's clock (virtual here). The latency is half the call's round trip,
// in cycles; it includes the RPC layer, the dispatcher and the continuation after each `await`,
// which the simulator runs as the core's own work. The domain code is the platform-independent
// kind (DomainContext only), so it is the same that runs on worker threads.

import { describeThrown } from "../../../cpu-driver/describe-thrown.js";
import { bindWhenExported } from "../../../domain/bind-wait.js";
import { Dispatcher } from "../../../domain/dispatcher.js";
import type { DomainContext } from "../../../domain/domain-context.js";
import { t } from "../../../idl/index.js";
import { defineRpc } from "../../../rpc/rpc.js";
import { pathClassOf } from "../machine.js";
import type { Scenario, ScenarioReport } from "./scenario.js";

/** The interface of examples/ping-pong.ts. */
const pingPongRpc = defineRpc("ping_pong", {
  ping: {
    call: [
      ["seq", t.u32],
      ["payload", t.string(48)],
    ],
    reply: [
      ["seq", t.u32],
      ["fromCore", t.u16],
    ],
  },
});

/** Virtual time the client waits for the service to be exported. */
const bindTimeoutMs = 10;
const domainId = 1;

export interface DomainPingPongOptions {
  readonly a: number;
  readonly b: number;
  readonly rounds: number;
}

export function domainPingPongScenario(options: DomainPingPongOptions): Scenario {
  const { a, b, rounds } = options;
  if (a === b) throw new RangeError(`pingpong: the two cores must differ, got ${a} and ${b}`);
  const roundTripNs: number[] = [];
  const violations: string[] = [];
  let clientExit: number | undefined;
  const main = async (ctx: DomainContext): Promise<number> => {
    if (ctx.coreId === a) {
      await ctx.export("pong", pingPongRpc, { ping: (seq) => [seq, ctx.coreId] });
      return 0;
    }
    const pong = await bindWhenExported(ctx, "pong", pingPongRpc, bindTimeoutMs);
    for (let seq = 0; seq < rounds; seq++) {
      const sentNs = ctx.nowNs();
      const [answered, fromCore] = await pong.ping(seq, "hello from a simulated domain");
      roundTripNs.push(ctx.nowNs() - sentNs);
      if (answered !== seq || fromCore !== a)
        violations.push(`pingpong: ping ${seq} answered ${answered} by ${fromCore}`);
    }
    pong.close();
    return 0;
  };
  return {
    name: "pingpong",
    continuations: true,
    install(monitor, env, run) {
      if (!run.cores.includes(a) || !run.cores.includes(b))
        throw new RangeError(`pingpong: cores ${a} and ${b} must both be among the run's cores`);
      if (env.coreId !== a && env.coreId !== b) return;
      monitor.add({
        name: "pingpong-domain",
        receive: () => false,
        start() {
          new Dispatcher(
            monitor,
            domainId,
            [a, b].sort((x, y) => x - y),
          )
            .run(main)
            .then(
              (exit) => {
                if (env.coreId === b) clientExit = exit;
              },
              (error: unknown) => {
                violations.push(`pingpong: core ${env.coreId}'s dispatcher failed: ${describeThrown(error)}`);
                if (env.coreId === b) clientExit = -1;
              },
            );
        },
      });
    },
    // The client (on b) must finish unless b itself crashed: a crashed server stalls it (a violation).
    done: (excused) => clientExit !== undefined || excused.has(b),
    report(run): ScenarioReport {
      const clockGHz = run.machine.clockGHz;
      const sorted = roundTripNs.map((ns) => (ns * clockGHz) / 2).sort((x, y) => x - y);
      const median = sorted[Math.floor(sorted.length / 2)] ?? null;
      const mean = sorted.length === 0 ? null : sorted.reduce((s, x) => s + x, 0) / sorted.length;
      const pathClass = pathClassOf(run.machine, a, b);
      const calibration = run.machine.paths.get(pathClass);
      return {
        lines: [
          `pingpong ${b} -> ${a} through a domain's RPC (${calibration?.name ?? pathClass}): ${sorted.length}/${rounds} calls`,
          `one-way latency (cycles, half an RPC): median ${median?.toFixed(1) ?? "n/a"}, mean ${mean?.toFixed(1) ?? "n/a"}` +
            (calibration === undefined
              ? ""
              : `; raw URPC (Table 2 calibration): ${calibration.latencyCycles}`),
        ],
        results: {
          a,
          b,
          domain: true,
          pathClass,
          rounds: sorted.length,
          oneWayCyclesMedian: median,
          oneWayCyclesMean: mean,
          clientExit: clientExit ?? null,
        },
        violations:
          clientExit !== undefined && clientExit !== 0
            ? [...violations, `pingpong: client exited ${clientExit}`]
            : violations,
      };
    },
  };
}
