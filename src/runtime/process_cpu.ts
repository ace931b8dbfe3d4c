/**
 * How much CPU a child process has used, from Linux's `/proc/<pid>/stat`.
 *
 * The ffmpeg stall watchdog asks this before it kills a child that has
 * written nothing for a while: an ffmpeg that is blocked (a URL that
 * stopped sending, a SIGSTOP) uses no CPU, while one that an overloaded
 * host starves of CPU still gets some and is working, just slowly. Killing
 * the second kind ended a long soak's streams when the host was loaded.
 *
 * The figure is utime + stime + cutime + cstime (fields 14–17 of
 * proc_pid_stat(5)), in clock ticks of 1/100 s: `USER_HZ` is 100 on every
 * Linux architecture whatever the kernel's own tick rate. Elsewhere (macOS,
 * Windows), for a process already reaped, or on Deno without read
 * permission for `/proc` (asking would prompt mid-call), the answer is
 * `undefined` and the watchdog falls back to the time alone.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { denoGlobal } from "./detect.ts";

/** Milliseconds per clock tick of `/proc/<pid>/stat` (`USER_HZ` = 100). */
const MS_PER_TICK = 10;

/**
 * CPU time (user + system, its reaped children included) that process
 * `pid` has used, ms; `undefined` when it cannot be known.
 *
 * @example
 * ```ts
 * import { processCpuMs } from "./process_cpu.ts";
 * const ms = processCpuMs(1);
 * console.log(ms === undefined ? "unknown" : `${ms} ms`);
 * ```
 */
export function processCpuMs(pid: number): number | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const path = `/proc/${pid}/stat`;
  let text: string;
  try {
    if (denoGlobal) {
      const state = denoGlobal.permissions?.querySync?.({ name: "read", path })
        .state;
      if (state !== "granted") return undefined;
    }
    text = readFileSync(path, "latin1");
  } catch {
    return undefined; // not Linux, or the process is gone
  }
  return parseProcStatCpuMs(text);
}

/**
 * The CPU time in one `/proc/<pid>/stat` line, ms; `undefined` when the
 * line is not one.
 *
 * @example
 * ```ts
 * import { parseProcStatCpuMs } from "./process_cpu.ts";
 * const line = "42 (ffmpeg) R 1 42 42 0 -1 0 0 0 0 0 150 25 3 2 20 0 1 0";
 * console.log(parseProcStatCpuMs(line)); // 1800
 * ```
 */
export function parseProcStatCpuMs(line: string): number | undefined {
  // The command name (field 2) is in parentheses and may itself hold
  // spaces and parentheses: fields are counted after the last ")".
  const close = line.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = line.slice(close + 2).split(" ");
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  let ticks = 0;
  for (let n = 14; n <= 17; n++) {
    const v = Number(fields[n - 3]);
    if (!Number.isSafeInteger(v) || v < 0) return undefined;
    ticks += v;
  }
  return ticks * MS_PER_TICK;
}
