// The thread in which the check before a run (preflight.ts) loads a program once: it loads it as a
// core would (program-loader.ts), finds its main, and posts to its parent either `ok` or the text
// of why it cannot be loaded. Its parent ends it then: a program's top level may leave timers.

import { parentPort, workerData } from "node:worker_threads";
import { failureText } from "./failure-text.js";
import { loadProgram } from "./program-loader.js";

/** What the check's thread posts to its parent. */
export type PreflightReport = { readonly ok: true } | { readonly ok: false; readonly error: string };

const port = parentPort;
if (port === null) throw new Error("preflight-worker.js runs only as a worker thread");
const { program } = workerData as { readonly program: string };
try {
  await loadProgram(program);
  port.postMessage({ ok: true } satisfies PreflightReport);
} catch (thrown) {
  port.postMessage({ ok: false, error: failureText(thrown) } satisfies PreflightReport);
}
