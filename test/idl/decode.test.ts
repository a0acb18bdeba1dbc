// Decoding and dispatch: every way a frame can be wrong is refused with a MessageError naming the
// channel, the message and the field, and no decoder reads past the frame's length.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defineInterface, MessageBuffer, MessageError, t } from "../../src/idl/index.js";
import { messageBytesMax } from "../../src/limits.js";

const pingPong = defineInterface(
  "ping_pong",
  {
    ping: [["val", t.u32]],
    str0: [
      ["x", t.u32],
      ["s", t.string(2048)],
    ],
    blob: [
      ["b", t.bytes(100)],
      ["v", t.array(t.f64, 4)],
      ["ok", t.bool],
    ],
    flags: [["f", t.array(t.bool, 3)]],
    tail: [
      ["s", t.string(4)],
      ["n", t.u16],
      ["m", t.u8],
    ],
    nothing: [],
  },
  { typeBase: 0x0f00 },
);

type Call = [string, ...unknown[]];

function receiver() {
  const calls: Call[] = [];
  const receive = pingPong.dispatcher(
    {
      ping: (val) => calls.push(["ping", val]),
      str0: (x, s) => calls.push(["str0", x, s]),
      blob: (b, v, ok) => calls.push(["blob", b, v, ok]),
      flags: (f) => calls.push(["flags", f]),
      tail: (s, n, m) => calls.push(["tail", s, n, m]),
      nothing: () => calls.push(["nothing"]),
    },
    "core0->core1",
  );
  return { calls, receive };
}

function throwsMessage(run: () => unknown, text: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof MessageError, `expected a MessageError, got ${String(error)}`);
    assert.equal(error.message, text);
    return true;
  });
}

describe("idl dispatch: well-formed frames", () => {
  it("a sender's messages reach the matching handlers with their values", () => {
    const { calls, receive } = receiver();
    const sent: number[] = [];
    const sender = pingPong.sender({
      name: "loop",
      send(type, bytes, length) {
        sent.push(type);
        receive(type, bytes, length);
      },
    });
    sender.ping(5);
    sender.str0(7, "héllo 😀");
    sender.blob(Uint8Array.of(1, 2, 3), [1.5, -0, Infinity, Number.NaN], true);
    sender.flags([true, false, true]);
    sender.tail("ab", 0xffff, 0);
    sender.nothing();
    assert.deepEqual(sent, [0x0f00, 0x0f01, 0x0f02, 0x0f03, 0x0f04, 0x0f05]);
    assert.deepEqual(calls, [
      ["ping", 5],
      ["str0", 7, "héllo 😀"],
      ["blob", Uint8Array.of(1, 2, 3), [1.5, -0, Infinity, Number.NaN], true],
      ["flags", [true, false, true]],
      ["tail", "ab", 0xffff, 0],
      ["nothing"],
    ]);
  });
  it("bytes fields reach the handler as a copy that later frames do not change", () => {
    const { calls, receive } = receiver();
    const buf = new MessageBuffer();
    const length = pingPong.encode.blob(buf, Uint8Array.of(1, 2), [0, 0, 0, 0], false);
    receive(pingPong.typeOf.blob, buf.bytes, length);
    buf.bytes.fill(0xee);
    assert.deepEqual(calls[0]?.[1], Uint8Array.of(1, 2));
  });
  it("a frame inside a larger buffer at an offset decodes from its own start", () => {
    const { calls, receive } = receiver();
    const memory = new Uint8Array(16).fill(0xaa);
    memory.set([9, 0, 0, 0], 4);
    receive(pingPong.typeOf.ping, memory.subarray(4, 12), 4);
    assert.deepEqual(calls, [["ping", 9]]);
  });
  it("a handler may send on the same sender: its frame was decoded before the handler ran", () => {
    const seen: [string, number, string][] = [];
    let receive: (type: number, bytes: Uint8Array, length: number) => void = () => {};
    const sender = pingPong.sender({
      name: "loop",
      send: (type, bytes, length) => receive(type, bytes, length),
    });
    const handlers = {
      ping: (val: number) => void val,
      str0(x: number, s: string) {
        seen.push(["str0", x, s]);
        if (x > 0) sender.str0(x - 1, `${s}!`);
      },
      blob: () => {},
      flags: () => {},
      tail: () => {},
      nothing: () => {},
    };
    receive = pingPong.dispatcher(handlers, "loop");
    sender.str0(2, "a");
    assert.deepEqual(seen, [
      ["str0", 2, "a"],
      ["str0", 1, "a!"],
      ["str0", 0, "a!!"],
    ]);
  });
  it("a dispatcher needs a handler for every message", () => {
    assert.throws(
      () => pingPong.dispatcher({ ping() {} } as never, "c"),
      /dispatcher for ping_pong on channel "c": no handler for message str0/,
    );
  });
});

describe("idl dispatch: malformed frames", () => {
  const { receive } = receiver();
  const at = 'channel "core0->core1": ping_pong';
  it("unknown message type", () => {
    throwsMessage(
      () => receive(0x0f06, new Uint8Array(8), 0),
      `${at}: unknown message type 0xf06 (this interface owns 0xf00..0xf05)`,
    );
    throwsMessage(
      () => receive(0x0eff, new Uint8Array(8), 0),
      `${at}: unknown message type 0xeff (this interface owns 0xf00..0xf05)`,
    );
  });
  it("a length outside the buffer or over messageBytesMax", () => {
    throwsMessage(() => receive(0x0f00, new Uint8Array(4), 5), `${at}.ping: frame length 5 is not in [0, 4]`);
    throwsMessage(
      () => receive(0x0f00, new Uint8Array(4), -1),
      `${at}.ping: frame length -1 is not in [0, 4]`,
    );
    throwsMessage(
      () => receive(0x0f00, new Uint8Array(messageBytesMax + 8), messageBytesMax + 1),
      `${at}.ping: frame length ${messageBytesMax + 1} is not in [0, ${messageBytesMax}]`,
    );
  });
  it("truncated: a fixed field does not fit", () => {
    throwsMessage(
      () => receive(0x0f00, new Uint8Array(8), 3),
      `${at}.ping: truncated frame: field "val" needs 4 bytes at offset 0, but the frame is 3 bytes`,
    );
    throwsMessage(
      () => receive(0x0f01, new Uint8Array(8), 5),
      `${at}.str0: truncated frame: field "s" needs 2 bytes at offset 4, but the frame is 5 bytes`,
    );
    throwsMessage(
      () => receive(0x0f04, Uint8Array.of(1, 0, 0x61, 0x22), 4),
      `${at}.tail: truncated frame: field "n" needs 2 bytes at offset 3, but the frame is 4 bytes`,
    );
    throwsMessage(
      () => receive(0x0f04, Uint8Array.of(1, 0, 0x61, 0x22, 0), 5),
      `${at}.tail: truncated frame: field "m" needs 1 bytes at offset 5, but the frame is 5 bytes`,
    );
  });
  it("truncated: a length prefix points past the end", () => {
    throwsMessage(
      () => receive(0x0f01, Uint8Array.of(1, 0, 0, 0, 5, 0, 0x41, 0x42), 8),
      `${at}.str0: truncated frame: field "s" has a length prefix of 5 bytes at offset 6, but the frame is 8 bytes`,
    );
    // The bytes exist in the buffer, but not in the frame: a decoder never reads past `length`.
    throwsMessage(
      () => receive(0x0f01, Uint8Array.of(1, 0, 0, 0, 3, 0, 0x41, 0x42, 0x43), 8),
      `${at}.str0: truncated frame: field "s" has a length prefix of 3 bytes at offset 6, but the frame is 8 bytes`,
    );
  });
  it("trailing garbage", () => {
    throwsMessage(
      () => receive(0x0f00, new Uint8Array(8), 5),
      `${at}.ping: trailing garbage: the fields take 4 bytes, but the frame is 5 bytes`,
    );
    throwsMessage(
      () => receive(0x0f01, Uint8Array.of(1, 0, 0, 0, 1, 0, 0x41, 0x42), 8),
      `${at}.str0: trailing garbage: the fields take 7 bytes, but the frame is 8 bytes`,
    );
    throwsMessage(
      () => receive(0x0f05, new Uint8Array(1), 1),
      `${at}.nothing: trailing garbage: the fields take 0 bytes, but the frame is 1 bytes`,
    );
  });
  it("a bool byte other than 0 or 1", () => {
    const frame = new Uint8Array(2 + 32 + 1);
    frame[34] = 2;
    throwsMessage(
      () => receive(0x0f02, frame, frame.length),
      `${at}.blob: field "ok" has byte 2, not a bool (0 or 1)`,
    );
    throwsMessage(
      () => receive(0x0f03, Uint8Array.of(1, 0, 255), 3),
      `${at}.flags: field "f" element [2] has byte 255, not a bool (0 or 1)`,
    );
  });
  it("a length prefix over the declared maximum", () => {
    const frame = new Uint8Array(2 + 101 + 32 + 1);
    frame[0] = 101;
    throwsMessage(
      () => receive(0x0f02, frame, frame.length),
      `${at}.blob: field "b" has a length prefix of 101, over the maximum of 100 for bytes(100)`,
    );
    throwsMessage(
      () => receive(0x0f04, Uint8Array.of(5, 0, 1, 2, 3, 4, 5, 0, 0, 0), 10),
      `${at}.tail: field "s" has a length prefix of 5, over the maximum of 4 for string(4)`,
    );
  });
  it("invalid UTF-8", () => {
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0x80]]) {
      const frame = Uint8Array.of(bad.length, 0, ...bad, 0, 0, 0);
      throwsMessage(() => receive(0x0f04, frame, frame.length), `${at}.tail: field "s" is not valid UTF-8`);
    }
  });
  it("a leading byte-order mark is kept, not stripped", () => {
    const { calls, receive: fresh } = receiver();
    const frame = Uint8Array.of(3, 0, 0xef, 0xbb, 0xbf, 1, 0, 2);
    fresh(0x0f04, frame, frame.length);
    assert.deepEqual(calls, [["tail", "\ufeff", 1, 2]]);
  });
});
