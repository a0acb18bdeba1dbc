// Tests of ctx.replicated: a domain's replicated objects through the monitors' replication service.
// Every core of the domain holds a replica; reads are local; one-phase and two-phase updates reach
// every replica in one order; objects are scoped by domain; bad core sets are refused clearly; a
// throwing observer does not wedge an object, and replicas that diverge are reported to the domain.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DomainContext, DomainReplica } from "../../src/domain/domain-context.js";
import { ReplicationError } from "../../src/monitor/replication-error.js";
import { boot, drain, settle, spawn } from "./harness.js";

/** A bank of accounts: a two-phase debit is refused when it would go below zero. */
type Bank = Readonly<Record<string, number>>;
type Move = { readonly account: string; readonly amount: number };
const bank = {
  initial: {} as Bank,
  apply: (state: Bank, move: Move): Bank => ({
    ...state,
    [move.account]: (state[move.account] ?? 0) + move.amount,
  }),
  validate: (state: Bank, move: Move) =>
    (state[move.account] ?? 0) + move.amount < 0 ? `${move.account} would go below zero` : undefined,
};

describe("ctx.replicated", () => {
  for (const seed of [1, 2, 3]) {
    it(`4 cores, seed ${seed}: every core updates, every replica ends in the same state`, async () => {
      const machine = boot(4, seed);
      const replicas: DomainReplica<Bank, Move>[] = [];
      const d = spawn(machine, 1, [0, 1, 2, 3], async (ctx: DomainContext) => {
        const accounts = ctx.replicated("bank", bank);
        replicas.push(accounts);
        assert.deepEqual(accounts.cores, [0, 1, 2, 3]);
        await Promise.all(
          Array.from({ length: 5 }, () =>
            accounts.update({ account: `c${ctx.coreId}`, amount: 10 }, "one-phase"),
          ),
        );
        await accounts.update({ account: "shared", amount: ctx.coreId }, "two-phase");
        return 0;
      });
      assert.deepEqual(await settle(machine.platform, d.exits), [0, 0, 0, 0]);
      await drain(machine.platform);
      assert.equal(replicas.length, 4);
      for (const replica of replicas) {
        assert.deepEqual(replica.read(), { c0: 50, c1: 50, c2: 50, c3: 50, shared: 6 });
      }
      assert.deepEqual(machine.monitors[3]!.replication.read("domain1/bank"), replicas[0]!.read());
    });
  }

  it("a two-phase update that a replica refuses rejects with the reason; nothing is applied", async () => {
    const machine = boot(2, 5);
    let refused: unknown;
    let after: Bank | undefined;
    const d = spawn(machine, 1, [0, 1], async (ctx) => {
      const accounts = ctx.replicated("bank", bank);
      if (ctx.coreId !== 1) return;
      await accounts.update({ account: "a", amount: 5 }, "two-phase");
      refused = await accounts.update({ account: "a", amount: -9 }, "two-phase").catch((e: unknown) => e);
      after = accounts.read();
    });
    await settle(machine.platform, d.exits);
    assert.ok(refused instanceof ReplicationError, String(refused));
    assert.equal((refused as ReplicationError).code, "voted-no");
    assert.match((refused as ReplicationError).message, /a would go below zero/);
    assert.deepEqual(after, { a: 5 });
  });

  it("objects are the domain's own; a replica set outside the domain is refused", async () => {
    const machine = boot(4, 2);
    const reads: Bank[] = [];
    const run = (domainId: number, amount: number) =>
      spawn(machine, domainId, [1, 2], async (ctx) => {
        const accounts = ctx.replicated("bank", bank);
        if (ctx.coreId === 1) await accounts.update({ account: "x", amount }, "one-phase");
      });
    await settle(machine.platform, Promise.all([run(1, 1).exits, run(2, 2).exits]));
    await drain(machine.platform);
    for (const domain of [1, 2])
      reads.push(machine.monitors[2]!.replication.read(`domain${domain}/bank`) as Bank);
    assert.deepEqual(reads, [{ x: 1 }, { x: 2 }]);
    const [d] = spawn(machine, 3, [0, 1], () => {}).dispatchers;
    assert.throws(
      () => d!.context.replicated("bank", { ...bank, cores: [0, 3] }),
      /replicated\("bank"\): core 3 is not one of the domain's cores \(0, 1\)/,
    );
    assert.throws(() => d!.context.replicated("", bank), /the object's name must be a non-empty string/);
  });

  it("an observer that throws on the home core: every update settles and the replicas agree", async () => {
    const machine = boot(3, 4);
    const replicas: DomainReplica<Bank, Move>[] = [];
    const d = spawn(machine, 1, [0, 1, 2], async (ctx) => {
      const accounts = ctx.replicated("bank", bank);
      replicas.push(accounts);
      if (ctx.coreId === 0) {
        accounts.onApplied(() => {
          throw new Error("observer bug");
        });
      }
      await accounts.update({ account: `c${ctx.coreId}`, amount: 1 }, "one-phase");
      await accounts.update({ account: "shared", amount: 1 }, "two-phase");
      return 0;
    });
    assert.deepEqual(await settle(machine.platform, d.exits), [0, 0, 0]);
    await drain(machine.platform);
    for (const replica of replicas) assert.deepEqual(replica.read(), { c0: 1, c1: 1, c2: 1, shared: 3 });
    assert.ok(
      machine.platform.logLines.some((l) => /observer threw \(the update stands\): observer bug/.test(l)),
    );
  });

  it("a replica whose apply differs: the update rejects diverged naming it; later ones reject failed", async () => {
    const machine = boot(2, 6);
    const errors: unknown[] = [];
    const d = spawn(machine, 1, [0, 1], async (ctx) => {
      const accounts = ctx.replicated("bank", {
        ...bank,
        apply: (state: Bank, move: Move) => bank.apply(state, { ...move, amount: move.amount + ctx.coreId }),
      });
      if (ctx.coreId !== 0) return;
      errors.push(await accounts.update({ account: "a", amount: 1 }, "one-phase").catch((e: unknown) => e));
      errors.push(await accounts.update({ account: "a", amount: 1 }, "one-phase").catch((e: unknown) => e));
    });
    await settle(machine.platform, d.exits);
    const [diverged, failed] = errors;
    assert.ok(diverged instanceof ReplicationError && diverged.code === "diverged", String(diverged));
    assert.equal(diverged.core, 1);
    assert.match(diverged.message, /the replicas diverged at update 1, core 1 differs from the home/);
    assert.ok(failed instanceof ReplicationError && failed.code === "failed", String(failed));
    assert.match(
      failed.message,
      /the object is failed: core 1's replica diverged from the home's at update 1/,
    );
  });
});
