// Tests of the shootdown engine on the loopback platform: map/translate/unmap under each protocol,
// safety at every completion, concurrency, protect, bad input, and message counts per protocol.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pageBytes, shootdownsInFlightMax } from "../../src/limits.js";
import { LoopbackPlatform } from "../../src/platform/loopback/index.js";
import {
  messageShootdownProtocols,
  PhysicalMemory,
  rightExecute,
  rightRead,
  rightsAll,
  rightWrite,
  ShootdownEngine,
  VmError,
} from "../../src/vm/index.js";
import { boot, checkReplicasAgree, framesPerCore, warmTlbs } from "./harness.js";

const coreCounts = [2, 4, 16] as const;
const rw = rightRead | rightWrite;

describe("shootdown: map, translate, unmap", () => {
  for (const protocol of messageShootdownProtocols) {
    for (const cores of coreCounts) {
      it(`${protocol}, ${cores} cores`, async () => {
        const m = boot(cores, protocol, { seed: cores });
        const last = cores - 1;
        const frame = cores * framesPerCore - 1; // the buffer's last frame
        // Map from the last core (not the home), so the request and the reply travel too.
        const mapped = m.engines[last]!.map(0x4000, frame, rw);
        m.run();
        await mapped;
        for (const engine of m.engines) assert.equal(engine.translate(0x4010, rightRead).frame, frame);
        // The translation is real memory: a write through one core is read through another.
        const a = m.engines[0]!.translate(0x4010, rightWrite);
        a.page.set(a.offsetBytes, 0xab);
        const b = m.engines[last]!.translate(0x4010, rightRead);
        assert.equal(b.page.get(b.offsetBytes), 0xab);
        assert.equal(new Uint8Array(m.buffer)[frame * pageBytes + 0x10], 0xab);
        assert.throws(
          () => m.engines[0]!.translate(0x4000, rightExecute),
          /protection fault: --x access to 0x4000, mapped rw-/,
        );

        warmTlbs(m.engines);
        const unmapped = m.engines[last]!.unmap(0x4000, pageBytes);
        m.run();
        await unmapped;
        for (const engine of m.engines) {
          assert.throws(
            () => engine.translate(0x4000, rightRead),
            (e: unknown) => e instanceof VmError && e.code === "page-fault",
          );
        }
        assert.throws(
          () => m.engines[0]!.translate(0x4000, rightRead),
          /core 0: page fault: 0x4000 is not mapped/,
        );
        assert.equal(m.completed.length, 2);
        checkReplicasAgree(m.engines);
      });
    }
  }
});

/** A fixed script: sequential maps, then concurrent non-conflicting operations from several cores. */
async function script(cores: number, protocol: (typeof messageShootdownProtocols)[number], seed: number) {
  const m = boot(cores, protocol, { seed });
  const maps = m.engines.map((e, i) => e.map(i * 4 * pageBytes, i * framesPerCore, rightsAll, 3 * pageBytes));
  m.run();
  await Promise.all(maps);
  warmTlbs(m.engines);
  const ops = m.engines.flatMap((e, i) => {
    const base = i * 4 * pageBytes;
    const other = m.engines[(i + 1) % cores]!;
    return [e.unmap(base, pageBytes), other.protect(base + pageBytes, 2 * pageBytes, rightRead)];
  });
  m.run();
  await Promise.all(ops);
  checkReplicasAgree(m.engines);
  return m;
}

describe("shootdown: every protocol reaches the same final state", () => {
  for (const cores of coreCounts) {
    it(`${cores} cores, several seeds`, async () => {
      const states = new Set<string>();
      for (const protocol of messageShootdownProtocols) {
        for (const seed of [1, 2, 3]) {
          const m = await script(cores, protocol, seed);
          states.add(JSON.stringify(m.engines[0]!.replica.snapshot()));
        }
      }
      assert.equal(states.size, 1);
      const [state] = [...states];
      assert.equal(JSON.parse(state!).length, 2 * cores);
    });
  }
});

describe("shootdown: message counts per protocol (16 cores, 4 packages of 4, home core 0)", () => {
  const cores = 16;
  const expected = {
    // Updates written by the root, on channels and on its broadcast channel; acks reaching it.
    broadcast: { rootUpdates: 0, rootBroadcasts: 1, acksAtRoot: 15, updatesTotal: 0, acksTotal: 15 },
    unicast: { rootUpdates: 15, rootBroadcasts: 0, acksAtRoot: 15, updatesTotal: 15, acksTotal: 15 },
    // (packages - 1) leaders + (own package - 1) cores; each leader forwards 3 and sends one ack up.
    multicast: { rootUpdates: 3 + 3, rootBroadcasts: 0, acksAtRoot: 6, updatesTotal: 15, acksTotal: 15 },
    "numa-multicast": {
      rootUpdates: 3 + 3,
      rootBroadcasts: 0,
      acksAtRoot: 6,
      updatesTotal: 15,
      acksTotal: 15,
    },
  } as const;
  for (const protocol of messageShootdownProtocols) {
    it(protocol, async () => {
      const m = boot(cores, protocol);
      const mapped = m.engines[0]!.map(0, 0, rw);
      m.run();
      await mapped;
      const before = m.engines.map((e) => ({ ...e.counters }));
      const sentToRoot = () =>
        m.engines.reduce((n, _, c) => n + (c === 0 ? 0 : m.platform.sentCount(c, 0)), 0);
      const toRootBefore = sentToRoot();
      const acksBefore = m.platform.sentCount(4, 0);
      const done = m.engines[0]!.unmap(0, pageBytes);
      m.run();
      await done;
      const delta = (i: number, key: keyof (typeof before)[number]) =>
        m.engines[i]!.counters[key] - before[i]![key];
      const sum = (key: keyof (typeof before)[number]) => m.engines.reduce((s, _, i) => s + delta(i, key), 0);
      const want = expected[protocol];
      assert.equal(delta(0, "updatesSent"), want.rootUpdates);
      assert.equal(delta(0, "updateBroadcastsSent"), want.rootBroadcasts);
      assert.equal(sum("updatesSent"), want.updatesTotal);
      assert.equal(sum("acksSent"), want.acksTotal);
      assert.equal(sum("updatesApplied"), cores);
      assert.equal(sum("requestsSent") + sum("repliesSent"), 0);
      assert.equal(sentToRoot() - toRootBefore, want.acksAtRoot, "acks reaching the root");
      if (protocol === "multicast" || protocol === "numa-multicast") {
        assert.equal(m.platform.sentCount(4, 0) - acksBefore, 1, "a leader sends one ack for its package");
        assert.deepEqual(m.engines[4]!.children, [5, 6, 7]);
      }
    });
  }

  it("numa-multicast writes to the farthest package first, multicast in package order", () => {
    assert.deepEqual(boot(16, "numa-multicast").engines[0]!.children, [12, 8, 4, 1, 2, 3]);
    assert.deepEqual(boot(16, "multicast").engines[0]!.children, [4, 8, 12, 1, 2, 3]);
    assert.deepEqual(boot(16, "numa-multicast", { home: 5 }).engines[5]!.children, [12, 0, 8, 4, 6, 7]);
  });

  it("on one core an operation completes at once, with no message", async () => {
    const m = boot(1, "unicast");
    await m.engines[0]!.map(0, 0, rw);
    assert.equal(m.engines[0]!.translate(0, rightRead).frame, 0);
    await m.engines[0]!.unmap(0, pageBytes);
    assert.throws(() => m.engines[0]!.translate(0, rightRead), /page fault/);
    assert.equal(m.platform.counters.unicastsSent + m.platform.counters.broadcastsSent, 0);
  });

  it("any core may be home, under every protocol", async () => {
    for (const protocol of messageShootdownProtocols) {
      const m = boot(16, protocol, { home: 9, seed: 2 });
      const ops = [
        m.engines[0]!.map(0, 0, rw),
        m.engines[9]!.map(pageBytes, 1, rw),
        m.engines[15]!.map(2 * pageBytes, 2, rw),
      ];
      m.run();
      await Promise.all(ops);
      const unmaps = [m.engines[3]!.unmap(0, 2 * pageBytes), m.engines[9]!.unmap(2 * pageBytes, pageBytes)];
      m.run();
      await Promise.all(unmaps);
      assert.deepEqual(m.engines[4]!.replica.snapshot(), []);
      checkReplicasAgree(m.engines);
    }
  });

  it("a request from a non-home core adds one request and one reply", async () => {
    const m = boot(4, "unicast");
    const done = m.engines[3]!.map(0, 0, rw);
    m.run();
    await done;
    assert.equal(m.engines[3]!.counters.requestsSent, 1);
    assert.equal(m.engines[0]!.counters.repliesSent, 1);
    assert.equal(m.engines[0]!.counters.updatesSent, 3);
  });
});

describe("shootdown: concurrency", () => {
  for (const protocol of messageShootdownProtocols) {
    it(`${protocol}: concurrent unmaps of the same page from several cores all resolve, page unmapped`, async () => {
      for (const seed of [1, 2, 3, 4, 5]) {
        const m = boot(16, protocol, { seed });
        const mapped = m.engines[2]!.map(0x10000, 5, rw, 2 * pageBytes);
        m.run();
        await mapped;
        warmTlbs(m.engines);
        const unmaps = [0, 3, 7, 15].map((c) => m.engines[c]!.unmap(0x10000, pageBytes));
        m.run();
        await Promise.all(unmaps);
        for (const e of m.engines) {
          assert.throws(() => e.translate(0x10000, 0), /page fault/);
          assert.equal(e.translate(0x11000, rightRead).frame, 6);
        }
        checkReplicasAgree(m.engines);
      }
    });

    it(`${protocol}: concurrent unmaps of different pages from several cores`, async () => {
      const m = boot(16, protocol, { seed: 9 });
      const maps = m.engines.map((e, i) => e.map(i * pageBytes, i * framesPerCore, rw));
      m.run();
      await Promise.all(maps);
      warmTlbs(m.engines);
      const unmaps = m.engines
        .filter((_, i) => i % 2 === 0)
        .map((e) => e.unmap(e.coreId * pageBytes, pageBytes));
      m.run();
      await Promise.all(unmaps);
      for (const e of m.engines) {
        for (let i = 0; i < 16; i++) {
          if (i % 2 === 0) assert.throws(() => e.translate(i * pageBytes, 0), /page fault/);
          else assert.equal(e.translate(i * pageBytes, rightRead).frame, i * framesPerCore);
        }
      }
      checkReplicasAgree(m.engines);
    });
  }

  it("concurrent maps of one page: exactly one wins, the others are refused clearly", async () => {
    for (const seed of [1, 2, 3]) {
      const m = boot(4, "multicast", { seed });
      const results = await (async () => {
        const maps = m.engines.map((e) => e.map(0x2000, e.coreId, rw));
        m.run();
        return Promise.allSettled(maps);
      })();
      const won = results.filter((r) => r.status === "fulfilled");
      assert.equal(won.length, 1);
      for (const r of results) {
        if (r.status === "rejected") {
          assert.ok(r.reason instanceof VmError && r.reason.code === "already-mapped");
          assert.match(
            r.reason.message,
            /map\(0x2000, frame \d, rw-, 4096\): a page of the range was mapped first by a concurrent map/,
          );
        }
      }
      checkReplicasAgree(m.engines);
    }
  });

  it("concurrent protects from two cores intersect their rights", async () => {
    const m = boot(4, "unicast", { seed: 4 });
    const mapped = m.engines[0]!.map(0, 0, rightsAll);
    m.run();
    await mapped;
    const ps = [
      m.engines[1]!.protect(0, pageBytes, rw),
      m.engines[2]!.protect(0, pageBytes, rightRead | rightExecute),
    ];
    m.run();
    await Promise.all(ps);
    for (const e of m.engines) assert.equal(e.translate(0, rightRead).rights, rightRead);
    checkReplicasAgree(m.engines);
  });
});

describe("shootdown: protect", () => {
  for (const protocol of messageShootdownProtocols) {
    it(`${protocol}: a downgrade takes effect on every core, TLBs included, when it resolves`, async () => {
      const m = boot(16, protocol, { seed: 3 });
      const mapped = m.engines[1]!.map(0x8000, 17, rw, 2 * pageBytes);
      m.run();
      await mapped;
      warmTlbs(m.engines);
      for (const e of m.engines) e.translate(0x9000, rightWrite);
      let checked = 0;
      const done = m.engines[9]!.protect(0x8000, 2 * pageBytes, rightRead);
      m.platform.runUntil(
        () => {
          if (m.completed.length < 2) return false;
          // At the very step the protect completed: no core may still write.
          for (const e of m.engines) {
            assert.throws(
              () => e.translate(0x9000, rightWrite),
              /protection fault: -w- access to 0x9000, mapped r--/,
            );
            checked++;
          }
          return true;
        },
        { maxSteps: 10_000 },
      );
      await done;
      assert.equal(checked, 16);
      checkReplicasAgree(m.engines);
    });
  }
});

describe("shootdown: bad input is answered with a clear error", () => {
  const cases: [string, (e: ShootdownEngine) => Promise<void>, string, RegExp][] = [
    [
      "unaligned unmap",
      (e) => e.unmap(0x1001, pageBytes),
      "unaligned",
      /core 1: unmap\(0x1001, 4096\): address 0x1001 is not aligned to the 4096-byte page/,
    ],
    [
      "unaligned length",
      (e) => e.unmap(0x1000, 100),
      "unaligned",
      /length 100 is not a whole number of 4096-byte pages/,
    ],
    ["zero length", (e) => e.unmap(0x1000, 0), "zero-length", /core 1: unmap\(0x1000, 0\): length is zero/],
    [
      "zero-length protect",
      (e) => e.protect(0x1000, 0, rightRead),
      "zero-length",
      /protect\(0x1000, 0, r--\): length is zero/,
    ],
    [
      "unmapping what is not mapped",
      (e) => e.unmap(0x5000, pageBytes),
      "not-mapped",
      /core 1: unmap\(0x5000, 4096\): page 0x5000 is not mapped/,
    ],
    [
      "unmapping a range partly mapped",
      (e) => e.unmap(0x1000, 2 * pageBytes),
      "not-mapped",
      /page 0x2000 is not mapped/,
    ],
    [
      "protecting what is not mapped",
      (e) => e.protect(0x5000, pageBytes, rightRead),
      "not-mapped",
      /page 0x5000 is not mapped/,
    ],
    [
      "a rights escalation",
      (e) => e.protect(0x1000, pageBytes, rightsAll),
      "rights-escalation",
      /core 1: protect\(0x1000, 4096, rwx\): rights escalation: page 0x1000 is mapped r--/,
    ],
    [
      "mapping over a mapping",
      (e) => e.map(0x1000, 3, rightRead),
      "already-mapped",
      /map\(0x1000, frame 3, r--, 4096\): page 0x1000 is already mapped/,
    ],
    ["unaligned map", (e) => e.map(0x10, 3, rightRead), "unaligned", /address 0x10 is not aligned/],
    [
      "a frame that does not exist",
      (e) => e.map(0x8000, 10_000, rightRead),
      "bad-frame",
      /frames 10000\+1 outside 32/,
    ],
    ["rights that are not rights", (e) => e.map(0x8000, 1, 9), "bad-rights", /9 is not a set of rights/],
    [
      "an address outside the address space",
      (e) => e.unmap(-4096, pageBytes),
      "out-of-range",
      /address outside/,
    ],
    [
      "a range past the address space",
      (e) => e.unmap(2 ** 32 - pageBytes, 2 * pageBytes),
      "out-of-range",
      /range ends past the address space/,
    ],
    [
      "too many pages",
      (e) => e.unmap(0, 2000 * pageBytes),
      "too-many-pages",
      /2000 pages, more than pagesPerOperationMax=1024/,
    ],
  ];
  for (const [name, call, code, message] of cases) {
    it(name, async () => {
      const m = boot(4, "unicast");
      const mapped = m.engines[1]!.map(0x1000, 2, rightRead);
      m.run();
      await mapped;
      await assert.rejects(call(m.engines[1]!), (e: unknown) => {
        assert.ok(e instanceof VmError, `not a VmError: ${String(e)}`);
        assert.equal(e.code, code);
        assert.match(e.message, message);
        return true;
      });
      m.run();
      assert.deepEqual(m.engines[0]!.replica.snapshot(), [[1, 2, rightRead]]);
      checkReplicasAgree(m.engines);
    });
  }

  it("more than shootdownsInFlightMax operations in flight", async () => {
    const m = boot(2, "unicast");
    const maps = Array.from({ length: shootdownsInFlightMax }, (_, i) =>
      m.engines[1]!.map(i * pageBytes, 0, rightRead),
    );
    await assert.rejects(
      m.engines[1]!.map(0x100000, 0, rightRead),
      /core 1: map\(0x100000, frame 0, r--, 4096\): 32 operations already in flight \(shootdownsInFlightMax=32\)/,
    );
    m.run();
    await Promise.all(maps);
    checkReplicasAgree(m.engines);
  });

  it("translate outside the address space, and the shared-memory protocol, are refused", () => {
    const m = boot(2, "broadcast");
    assert.throws(() => m.engines[0]!.translate(2 ** 32, rightRead), /outside the address space/);
    const platform = new LoopbackPlatform([0, 1], { seed: 1 });
    const buffer = new SharedArrayBuffer(2 * pageBytes);
    assert.throws(
      () =>
        platform.add(0, (env) => {
          new ShootdownEngine(env, {
            protocol: "shared-memory",
            memory: new PhysicalMemory(buffer, [0, 1], 0),
          });
          return { start: () => {}, receive: () => {} };
        }),
      /shared-memory is the single-address-space baseline, not a message protocol/,
    );
  });
});
