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

/** CPU seconds of one process or thread so far, by where they were spent. */
export interface CpuTimes {
  /** In user space. */
  user: number;
  /** In the kernel on its behalf (on loopback a send also delivers). */
  system: number;
}

/**
 * CPU times of a process: this one by default, or a child by pid (the scale
 * bench's receivers). With `mainThread`, of the process's main thread only
 * (where JavaScript runs), leaving out GC, I/O and native worker threads.
 */
export function cpuTimes(
  pid: number | "self" = "self",
  mainThread = false,
): CpuTimes {
  const id = pid === "self" ? process.pid : pid;
  const path = mainThread ? `/proc/${id}/task/${id}/stat` : `/proc/${id}/stat`;
  const stat = readFileSync(path, "utf8");
  // Fields after the parenthesised command name; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return {
    user: Number(fields[11]) / USER_HZ,
    system: Number(fields[12]) / USER_HZ,
  };
}

/** CPU seconds (user + system) a process used so far; see {@linkcode cpuTimes}. */
export function cpuSeconds(pid: number | "self" = "self"): number {
  const { user, system } = cpuTimes(pid);
  return user + system;
}

/**
 * Idle CPU seconds of the whole machine so far, all cores together (from
 * `/proc/stat`): a window with none left measured a saturated machine,
 * whose lateness says more about the machine than about the sender.
 */
export function machineIdleSeconds(): number {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n", 1)[0];
  // "cpu  user nice system idle iowait ...": idle and iowait are fields 4, 5.
  const fields = cpu.trim().split(/\s+/);
  return (Number(fields[4]) + Number(fields[5])) / USER_HZ;
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
