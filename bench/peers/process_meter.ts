/**
 * Whole-process CPU and memory readings for the scale benchmark, the same
 * on Deno, Bun and Node: CPU from `/proc/self/stat` (every thread, native
 * ones included, which is what a libdatachannel baseline needs), memory
 * from `process.memoryUsage()`.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";

/** Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** CPU seconds (user + system) this process used so far. */
export function cpuSeconds(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  // Fields after the parenthesised command name; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
}

/** Resident set size, bytes. */
export function rssBytes(): number {
  return process.memoryUsage().rss;
}

/** A lateness histogram in 0.1 ms bins up to 100 ms (the last bin is "more"). */
export class LatenessHistogram {
  readonly #bins = new Uint32Array(1001);
  #count = 0;

  /** Records one lateness, ms (negative counts as 0). */
  add(ms: number): void {
    this.#bins[Math.min(1000, Math.max(0, Math.round(ms * 10)))]++;
    this.#count++;
  }

  /** Samples recorded. */
  get count(): number {
    return this.#count;
  }

  /** The `q` quantile (0–1), ms. */
  quantile(q: number): number {
    let seen = 0;
    const want = q * this.#count;
    for (let i = 0; i < this.#bins.length; i++) {
      seen += this.#bins[i];
      if (seen >= want && seen > 0) return i / 10;
    }
    return NaN;
  }
}
