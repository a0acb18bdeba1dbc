// Tests of the channel table: pairing side 0 with side 1, the platform's per-side state, closing,
// and every refusal (unknown id, bad side, a side opened twice, a mismatched peer, closing a side
// that is not open).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ChannelTable, notOpenCore } from "../../src/cpu-driver/channel-table.js";

const idsKnown = 8;

function tableOf(made: string[] = []): ChannelTable<string> {
  return new ChannelTable<string>({
    owner: "test",
    knownId: (id) => id >= 1 && id < idsKnown,
    makeState: (id, side) => {
      const state = `state ${id}/${side}`;
      made.push(state);
      return state;
    },
  });
}

describe("channel table", () => {
  it("pairs side 0 with side 1 in either order, with the state of each side", () => {
    const made: string[] = [];
    const table = tableOf(made);
    const first = table.open(5, 3, 1, 2);
    assert.deepEqual(made, ["state 3/0", "state 3/1"], "both sides' state made on first open, side 0 first");
    assert.equal(first.mine.coreId, 5);
    assert.equal(first.mine.state, "state 3/1");
    assert.equal(first.peer.coreId, notOpenCore);
    const second = table.open(2, 3, 0, 5);
    assert.equal(second.mine.state, "state 3/0");
    assert.equal(second.peer, first.mine, "the peer is the side opened first");
    assert.equal(first.peer, second.mine, "a pairing sees the other side open once it is");
    assert.equal(first.peer.coreId, 2);
    assert.deepEqual(made.length, 2, "no state made again");
    assert.equal(table.size, 1);
  });

  it("allows both sides on one core (a same-core channel)", () => {
    const table = tableOf();
    table.open(4, 1, 0, 4);
    const { mine, peer } = table.open(4, 1, 1, 4);
    assert.equal(mine.coreId, 4);
    assert.equal(peer.coreId, 4);
  });

  it("closes a side once; the other side stays open", () => {
    const table = tableOf();
    const { mine } = table.open(0, 2, 0, 1);
    table.open(1, 2, 1, 0);
    assert.equal(table.close(2, 0), true);
    assert.equal(mine.closed, true);
    assert.equal(table.close(2, 0), false, "closing again is a no-op");
    assert.equal(table.get(2, 1)?.closed, false);
  });

  it("refuses an id that was never handed out", () => {
    const table = tableOf();
    assert.throws(
      () => table.open(0, 0, 0, 1),
      /test: channel 0 side 0 on core 0: channel 0 was never allocated/,
    );
    assert.throws(() => table.open(0, idsKnown, 0, 1), /was never allocated/);
    assert.throws(() => table.open(0, 1.5, 0, 1), /was never allocated/);
    assert.throws(() => table.open(0, Number.NaN, 0, 1), RangeError);
    assert.equal(table.size, 0, "nothing recorded for a refused id");
  });

  it("refuses a side other than 0 or 1", () => {
    const table = tableOf();
    assert.throws(() => table.open(0, 1, 2 as 0 | 1, 1), /channel 1 side 2 on core 0: side must be 0 or 1/);
    assert.throws(() => table.open(0, 1, -1 as 0 | 1, 1), RangeError);
  });

  it("refuses a side opened twice, on the same core or another", () => {
    const table = tableOf();
    table.open(0, 1, 0, 1);
    assert.throws(() => table.open(0, 1, 0, 1), /side 0 on core 0: that side is already open on core 0/);
    assert.throws(() => table.open(2, 1, 0, 1), /that side is already open on core 0/);
    table.close(1, 0);
    assert.throws(() => table.open(0, 1, 0, 1), /already open/, "a closed side does not reopen");
  });

  it("refuses a peer other than the core the other side is open on", () => {
    const table = tableOf();
    table.open(0, 1, 0, 1);
    assert.throws(
      () => table.open(2, 1, 1, 3),
      /channel 1 side 1 on core 2: peer core 3, but the other side is open on core 0/,
    );
    assert.equal(table.get(1, 1)?.coreId, notOpenCore, "the refused side stays closed");
    table.open(2, 1, 1, 0);
  });

  it("refuses to close a side that is not open", () => {
    const table = tableOf();
    assert.throws(() => table.close(1, 0), /test: channel 1 side 0: close of a side that is not open/);
    table.open(0, 1, 0, 1);
    assert.throws(() => table.close(1, 1), /close of a side that is not open/);
  });
});
