// The report's progress bar: one cli-progress bar on standard error, a step per measurement.
//
// Standard output is kept for the summary (or `--json`'s one object), so the bar writes to standard
// error; where that is not a terminal, cli-progress draws nothing and each step is written as a
// plain line instead, so that logs still show where a long run is.
import { Presets, SingleBar } from "cli-progress";

/** What collectReport's `onStep` needs, plus `stop`, which must be called once the run ends. */
export interface ReportProgress {
  step(label: string, index: number, total: number): void;
  stop(): void;
}

/** A bar on standard error (or plain lines where standard error is not a terminal). */
export function progressBar(): ReportProgress {
  const tty = process.stderr.isTTY === true;
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: "report [{bar}] {value}/{total} {step}",
      hideCursor: true,
      clearOnComplete: false,
      noTTYOutput: false,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    step(label, index, total) {
      if (!tty) {
        process.stderr.write(`report: ${index}/${total} ${label}\n`);
        return;
      }
      if (!started) {
        bar.start(total, index, { step: label });
        started = true;
      } else {
        bar.update(index, { step: label });
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
