// Test domain: the client of ./serves-once.ts, run as a domain of its own beside it. Its call in
// flight must reject once the server's domain ends (see callEndedService).
import type { DomainContext } from "../../../src/index.js";
import { callEndedService } from "./server-ends.js";
import { servesOnceName } from "./serves-once.js";

export function main(ctx: DomainContext): Promise<number> {
  return callEndedService(ctx, servesOnceName);
}
