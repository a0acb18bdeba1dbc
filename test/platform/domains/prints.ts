// Test domain: prints through the console (the worker's standard output, not ctx.log), ending with
// a line that has no newline; both must reach the system's output, prefixed by core. One line goes
// to the console's error stream, which must stay the error stream.
import type { DomainContext } from "../../../src/index.js";

export function main(ctx: DomainContext): number {
  console.log(`console line from core ${ctx.coreId}`);
  console.error(`error line from core ${ctx.coreId}`);
  process.stdout.write(`last words of core ${ctx.coreId}, no newline`);
  return 0;
}
