// Test domain: reuses-name.ts, exporting from the lowest core.
import { exportFrom } from "./reuses-name.js";

export const main = exportFrom((cores) => cores[0]!);
