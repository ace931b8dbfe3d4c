/**
 * What a child process is doing, from Linux's `/proc/<pid>/`: how much CPU
 * it has used, and whether it is blocked writing its stdout or stderr.
 *
 * The ffmpeg stall watchdog asks both before it kills a child that has
 * written nothing for a while. An ffmpeg that is blocked on its input (a
 * URL that stopped sending) or stopped (SIGSTOP) uses no CPU; one that an
 * overloaded host starves of CPU still gets some and is working, just
 * slowly; and one blocked writing its output is waiting for *us* to read
 * (a 100-call soak caught Deno with full stdout pipes unread for 10 s while
 * its timers ran on time). Only the first is a stall.
 *
 * CPU time is utime + stime + cutime + cstime (fields 14–17 of
 * proc_pid_stat(5)), in clock ticks of 1/100 s: `USER_HZ` is 100 on every
 * Linux architecture whatever the kernel's own tick rate. A blocked write
 * is a `wchan` of a pipe or Unix-socket send wait (Deno's child stdio is a
 * pipe, Node's and Bun's a socket pair) with fd 1 or 2 as the system call's
 * first argument (`/proc/<pid>/syscall`). Elsewhere (macOS, Windows), for a
 * process already reaped, or on Deno without read permission for `/proc`
 * (asking would prompt mid-call), the answers are "unknown" and the
 * watchdog falls back to the time alone.
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
 * import { processCpuMs } from "./process_activity.ts";
 * const ms = processCpuMs(1);
 * console.log(ms === undefined ? "unknown" : `${ms} ms`);
 * ```
 */
export function processCpuMs(pid: number): number | undefined {
  const text = readProc(pid, "stat");
  return text === undefined ? undefined : parseProcStatCpuMs(text);
}

/** Kernel wait channels of a write blocked on a full pipe or Unix socket. */
const WRITE_WAITS = new Set([
  "pipe_write",
  "anon_pipe_write",
  "sock_alloc_send_pskb",
  "unix_stream_sendmsg",
]);

/**
 * Whether process `pid` is blocked writing to its stdout or stderr (the
 * reader is behind); `false` when not, or when it cannot be known.
 *
 * @example
 * ```ts
 * import { blockedWritingStdio } from "./process_activity.ts";
 * console.log(blockedWritingStdio(1)); // false: init is not writing
 * ```
 */
export function blockedWritingStdio(pid: number): boolean {
  const wchan = readProc(pid, "wchan");
  if (wchan === undefined || !WRITE_WAITS.has(wchan.trim())) return false;
  const syscall = readProc(pid, "syscall");
  return syscall !== undefined && isStdioWrite(syscall);
}

/**
 * Whether a `/proc/<pid>/syscall` line is a call blocked with fd 1 or 2 as
 * its first argument (`write`, `writev`, `sendmsg` on stdout or stderr).
 *
 * @example
 * ```ts
 * import { isStdioWrite } from "./process_activity.ts";
 * console.log(isStdioWrite("1 0x1 0x5645fe638b60 0x2000 0x0 0x0 0x0 0x7ffd 0x7f1")); // true
 * console.log(isStdioWrite("running")); // false
 * ```
 */
export function isStdioWrite(line: string): boolean {
  const [nr, fd] = line.trim().split(" ");
  return /^\d+$/.test(nr ?? "") && (fd === "0x1" || fd === "0x2");
}

/** `/proc/<pid>/<name>` as text, or `undefined` when it cannot be read. */
function readProc(pid: number, name: string): string | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const path = `/proc/${pid}/${name}`;
  try {
    if (denoGlobal) {
      const state = denoGlobal.permissions?.querySync?.({ name: "read", path })
        .state;
      if (state !== "granted") return undefined;
    }
    return readFileSync(path, "latin1");
  } catch {
    return undefined; // not Linux, not allowed, or the process is gone
  }
}

/**
 * The CPU time in one `/proc/<pid>/stat` line, ms; `undefined` when the
 * line is not one.
 *
 * @example
 * ```ts
 * import { parseProcStatCpuMs } from "./process_activity.ts";
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
