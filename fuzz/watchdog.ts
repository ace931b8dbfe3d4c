/**
 * The fuzzer's hang detector, run in a worker thread: the parsers are
 * synchronous, so an input that never returns can only be noticed from
 * another thread. When the input index the main thread publishes stops
 * moving for `hangMs`, this prints which input it is (enough to replay it
 * with `--seed`, `--only` and `--replay-index`) and kills the process.
 *
 * @module
 */

import { writeSync } from "node:fs";
import process from "node:process";
import { workerData } from "node:worker_threads";

/** What the main thread shares with the watchdog. */
export interface WatchdogData {
  /** [input index, target index, 1 while a target runs]. */
  progress: Int32Array;
  /** Target names by index. */
  names: string[];
  /** The run's seed. */
  seed: number;
  /** Milliseconds without progress that count as a hang. */
  hangMs: number;
}

const data = workerData as WatchdogData | undefined;
if (data) {
  let last = -1, since = Date.now();
  setInterval(() => {
    const index = Atomics.load(data.progress, 0);
    const running = Atomics.load(data.progress, 2) === 1;
    if (index !== last || !running) {
      last = index;
      since = Date.now();
      return;
    }
    if (Date.now() - since < data.hangMs) return;
    const name = data.names[Atomics.load(data.progress, 1)];
    // Synchronously: the kill below would lose a buffered write.
    writeSync(
      2,
      `\nHANG: ${name} input #${index} ran for over ${data.hangMs} ms.\n` +
        `Replay: npm run fuzz -- --seed ${data.seed} --only ${name} --replay-index ${index}\n`,
    );
    process.kill(process.pid, "SIGKILL");
  }, 250);
}
