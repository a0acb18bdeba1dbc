// The `pingpong` scenario: two monitors exchange typed messages, and the latency is measured.
//
// Core `a`'s module sends ping(seq, payload) to core `b`'s, which answers pong(seq); a sends the
// next ping when the pong arrives, `rounds` times. Each round trip is timed on a's clock in virtual
// cycles, and the one-way latency is half of it, as in the paper's Table 2 (whose value for the
// pair's path class is printed beside it). The messages are declared with src/idl and travel over
// the monitor channels, so the figure includes the monitor's routing and the decoding, as a
// protocol between monitors would pay it. A module's own checker verifies that pongs come back in
// order, each once. If a's failure detector declares b failed, the round in flight and those left
// end there, failed with "core b failed" (the goal: every round answered, or failed that way).

import { testTypeBase } from "../../../cpu-driver/message-types.js";
import { defineInterface, t } from "../../../idl/index.js";
import type { MonitorModule } from "../../../monitor/monitor-module.js";
import type { SimCoreEnv } from "../engine.js";
import { pathClassOf } from "../machine.js";
import type { Scenario, ScenarioReport, ScenarioRun } from "./scenario.js";

export const pingPongInterface = defineInterface(
  "sim_pingpong",
  {
    ping: [
      ["seq", t.u32],
      ["payload", t.string(32)],
    ],
    pong: [["seq", t.u32]],
  },
  { typeBase: testTypeBase },
);

export interface PingPongScenarioOptions {
  readonly a: number;
  readonly b: number;
  readonly rounds: number;
}

export function pingPongScenario(options: PingPongScenarioOptions): Scenario {
  const { a, b, rounds } = options;
  if (a === b) throw new RangeError(`pingpong: the two cores must differ, got ${a} and ${b}`);
  if (!(Number.isInteger(rounds) && rounds >= 1))
    throw new RangeError(`pingpong: rounds must be a positive integer, got ${rounds}`);
  const roundTripCycles: number[] = [];
  const violations: string[] = [];
  /** Why the rounds left were given up (a's detector declared b failed), if they were. */
  const ended = { reason: "" };
  return {
    name: "pingpong",
    install(monitor, env: SimCoreEnv, run: ScenarioRun) {
      if (!run.cores.includes(a) || !run.cores.includes(b))
        throw new RangeError(`pingpong: cores ${a} and ${b} must both be among the run's cores`);
      if (env.coreId === a) monitor.add(pingerModule(env, b, rounds, roundTripCycles, violations, ended));
      if (env.coreId === b) monitor.add(pongerModule(env));
    },
    done: (excused) => roundTripCycles.length === rounds || ended.reason !== "" || excused.has(a),
    peerFailed(by, failed) {
      if (by !== a || failed !== b || roundTripCycles.length === rounds || ended.reason !== "") return;
      ended.reason = `round ${roundTripCycles.length} and the ${rounds - roundTripCycles.length - 1} after it failed: core ${b} failed`;
    },
    report(run): ScenarioReport {
      const sorted = roundTripCycles.map((c) => c / 2).sort((x, y) => x - y);
      const median = sorted[Math.floor(sorted.length / 2)] ?? null;
      const mean = sorted.length === 0 ? null : sorted.reduce((s, x) => s + x, 0) / sorted.length;
      const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? null;
      const pathClass = pathClassOf(run.machine, a, b);
      const calibration = run.machine.paths.get(pathClass);
      const paper =
        run.machine.paperCalibration && calibration !== undefined && !calibration.extrapolated
          ? calibration.latencyCycles
          : null;
      const lines = [
        `pingpong ${a} <-> ${b} (${calibration?.name ?? pathClass}): ${sorted.length}/${rounds} round trips${ended.reason === "" ? "" : `; ${ended.reason}`}`,
        `one-way latency (cycles): median ${median?.toFixed(1) ?? "n/a"}, mean ${mean?.toFixed(1) ?? "n/a"}, p99 ${p99?.toFixed(1) ?? "n/a"}` +
          (paper === null ? "" : `; paper (Table 2, raw URPC): ${paper}`),
      ];
      return {
        lines,
        results: {
          a,
          b,
          pathClass,
          pathName: calibration?.name ?? pathClass,
          rounds: sorted.length,
          oneWayCyclesMedian: median,
          oneWayCyclesMean: mean,
          oneWayCyclesP99: p99,
          paperLatencyCycles: paper,
        },
        violations,
      };
    },
  };
}

function pingerModule(
  env: SimCoreEnv,
  peer: number,
  rounds: number,
  roundTripCycles: number[],
  violations: string[],
  ended: { readonly reason: string },
): MonitorModule & { start(): void } {
  // The peer's core may not exist yet while cores are added: take the port on first use.
  let send: ReturnType<typeof pingPongInterface.sender> | undefined;
  let seq = 0;
  let sentAtCycles = 0;
  const pingSend = (): void => {
    sentAtCycles = env.nowCycles();
    send ??= pingPongInterface.sender(env.portTo(peer));
    send.ping(seq, "ping from a simulated core");
  };
  const receiveFrame = pingPongInterface.dispatcher(
    {
      ping: () => violations.push(`pingpong: core ${env.coreId} got a ping`),
      pong: (answered) => {
        if (ended.reason !== "") return;
        if (answered !== seq) {
          violations.push(`pingpong: pong ${answered} arrived while ${seq} was awaited`);
          return;
        }
        roundTripCycles.push(env.nowCycles() - sentAtCycles);
        seq++;
        if (seq < rounds) pingSend();
      },
    },
    `pingpong on core ${env.coreId}`,
  );
  return {
    name: "pingpong",
    start: pingSend,
    receive(_from, type, bytes, length) {
      if (!pingPongInterface.owns(type)) return false;
      receiveFrame(type, bytes, length);
      return true;
    },
  };
}

function pongerModule(env: SimCoreEnv): MonitorModule {
  const senders = new Map<number, ReturnType<typeof pingPongInterface.sender>>();
  let from = -1;
  const receiveFrame = pingPongInterface.dispatcher(
    {
      ping: (seq) => {
        let sender = senders.get(from);
        if (sender === undefined) {
          sender = pingPongInterface.sender(env.portTo(from));
          senders.set(from, sender);
        }
        sender.pong(seq);
      },
      pong: () => {},
    },
    `pingpong on core ${env.coreId}`,
  );
  return {
    name: "pingpong",
    receive(fromCore, type, bytes, length) {
      if (!pingPongInterface.owns(type)) return false;
      from = fromCore;
      receiveFrame(type, bytes, length);
      return true;
    },
  };
}
