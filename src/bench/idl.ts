// Benchmark of src/idl: nanoseconds per encode and per decode-and-dispatch of a three-field message
// (u32, f64, bool), against its baseline in the same run: an interpreter that walks the field
// descriptors with a switch, which is what the generated straight-line code replaces.
//
// Each figure is the median of several timed batches after a warm-up, so that one GC pause or JIT
// recompilation does not decide it. Run: `node dist/bench/idl.js` after `npx tsc -p .`.
import { performance } from "node:perf_hooks";
import { defineInterface, type FieldType, MessageBuffer, t } from "../idl/index.js";

const sample = defineInterface("bench_idl", {
  sample: [
    ["x", t.u32],
    ["y", t.f64],
    ["ok", t.bool],
  ],
});

const batches = 15;
const callsPerBatch = 200_000;
const warmupCalls = 200_000;

/** Median over batches of the ns per call of run(i). */
function timeNs(run: (i: number) => void): number {
  for (let i = 0; i < warmupCalls; i++) run(i);
  const perCallNs: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    for (let i = 0; i < callsPerBatch; i++) run(i);
    perCallNs.push(((performance.now() - start) * 1e6) / callsPerBatch);
  }
  perCallNs.sort((a, c) => a - c);
  return perCallNs[Math.floor(batches / 2)]!;
}

/** The baseline: one loop over field descriptors, a switch per field. Scalars only. */
const fields = sample.declaration.sample.map(([, type]) => type as FieldType<unknown>);
function interpretedEncode(buf: MessageBuffer, args: readonly unknown[]): number {
  let o = 0;
  for (let i = 0; i < fields.length; i++) {
    const value = args[i];
    switch (fields[i]!.kind) {
      case "u32":
        if ((value as number) >>> 0 !== value) throw new Error("range");
        buf.view.setUint32(o, value as number, true);
        o += 4;
        break;
      case "f64":
        if (typeof value !== "number") throw new Error("type");
        buf.view.setFloat64(o, value, true);
        o += 8;
        break;
      case "bool":
        if (typeof value !== "boolean") throw new Error("type");
        buf.bytes[o] = value ? 1 : 0;
        o += 1;
        break;
      default:
        throw new Error("not in this baseline");
    }
  }
  return o;
}
function interpretedDecode(view: DataView, bytes: Uint8Array, length: number, out: unknown[]): void {
  let o = 0;
  for (let i = 0; i < fields.length; i++) {
    switch (fields[i]!.kind) {
      case "u32":
        if (o + 4 > length) throw new Error("truncated");
        out[i] = view.getUint32(o, true);
        o += 4;
        break;
      case "f64":
        if (o + 8 > length) throw new Error("truncated");
        out[i] = view.getFloat64(o, true);
        o += 8;
        break;
      case "bool": {
        if (o + 1 > length) throw new Error("truncated");
        const byte = bytes[o]!;
        if (byte > 1) throw new Error("bool");
        out[i] = byte === 1;
        o += 1;
        break;
      }
      default:
        throw new Error("not in this baseline");
    }
  }
  if (o !== length) throw new Error("trailing");
}

export interface IdlBenchResult {
  /** ns per generated encode of sample(u32, f64, bool). */
  encodeNs: number;
  /** ns per generated decode and handler call of the same message. */
  decodeNs: number;
  /** ns per encode by the descriptor-walking baseline. */
  encodeInterpretedNs: number;
  /** ns per decode by the descriptor-walking baseline (handler call included). */
  decodeInterpretedNs: number;
}

export async function benchIdl(): Promise<IdlBenchResult> {
  const buf = new MessageBuffer();
  let sink = 0;
  const encodeNs = timeNs((i) => {
    sink += sample.encode.sample(buf, i, i * 0.5, (i & 1) === 0);
  });
  const length = sample.encode.sample(buf, 7, 2.5, true);
  const receive = sample.dispatcher(
    {
      sample(x, y, ok) {
        sink += x + y + (ok ? 1 : 0);
      },
    },
    "bench",
  );
  const type = sample.typeOf.sample;
  const decodeNs = timeNs(() => receive(type, buf.bytes, length));

  const args: unknown[] = [0, 0, false];
  const encodeInterpretedNs = timeNs((i) => {
    args[0] = i;
    args[1] = i * 0.5;
    args[2] = (i & 1) === 0;
    sink += interpretedEncode(buf, args);
  });
  const out: unknown[] = [0, 0, false];
  const handler = (x: number, y: number, ok: boolean) => {
    sink += x + y + (ok ? 1 : 0);
  };
  const decodeInterpretedNs = timeNs(() => {
    interpretedDecode(buf.view, buf.bytes, length, out);
    handler(out[0] as number, out[1] as number, out[2] as boolean);
  });
  if (sink === Number.MIN_VALUE) console.log(sink); // keeps the work observable
  return { encodeNs, decodeNs, encodeInterpretedNs, decodeInterpretedNs };
}

// Run directly: print the figures as JSON.
if (import.meta.url === `file://${process.argv[1]}`) {
  benchIdl().then((result) => console.log(JSON.stringify(result, null, 2)));
}
