// After tsc: make the `multikernel` command executable (tsc drops the execute bit).
import { chmodSync } from "node:fs";

chmodSync("dist/src/cli/main.js", 0o755);
