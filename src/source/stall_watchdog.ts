/**
 * The stall watchdog of one ffmpeg leg: tells an ffmpeg that has stopped
 * producing (a URL that stopped sending, a stopped process) from one that
 * is only slow, and calls the first a stall after `timeoutMs` of silence.
 *
 * Silence alone does not make a stall. On a host loaded past its cores an
 * ffmpeg can wait seconds for CPU (a hundred of them spawning at once take
 * longer than the timeout to write their first byte), so the watchdog
 * notes the child's CPU time half a timeout into a silence and again at
 * the timeout ({@linkcode processCpuMs}); one that used CPU in between is
 * working, only slowly, and gets another half timeout. Nor is an ffmpeg
 * blocked writing its stdout or stderr stalled
 * ({@linkcode blockedWritingStdio}): its output waits in the pipe for this
 * process, which is behind (a 60-call soak on a loaded host saw Deno leave
 * full stdout pipes unread for 10–48 s while its timers ran on time); and
 * a check that itself runs late does not judge, for the same reason.
 * Whatever the cause, {@linkcode STARVED_TIMEOUTS} timeouts of silence are
 * a stall. Where /proc cannot be read (not Linux) the time alone decides.
 *
 * @module
 */

import {
  blockedWritingStdio,
  processCpuMs,
} from "../runtime/process_activity.ts";

/**
 * Timeouts of silence after which an ffmpeg that still uses CPU, or waits
 * on us, is a stall all the same (a busy loop that writes nothing is one).
 */
export const STARVED_TIMEOUTS = 6;

/**
 * CPU an ffmpeg must have used in the last half timeout to count as
 * working, ms: one clock tick, which a blocked process does not accrue
 * (tgcall runs ffmpeg with `-nostats`, so nothing wakes it to print).
 */
const WORKING_CPU_MS = 10;

/** A check this late (or a quarter timeout, if less) does not judge, ms. */
const HELD_UP_MS = 1000;

/** What a {@linkcode StallWatchdog} watches. */
export interface StallWatchdogOptions {
  /** The child's pid. */
  pid: number;
  /** The timeout now, ms (it may change, e.g. after the first byte); ≤ 0 is off. */
  timeoutMs: () => number;
  /** Whether the leg is waiting for output now (not paused, not ending). */
  waiting: () => boolean;
  /** Called once the silence is a stall, with the timeout that expired. */
  onStall: (timeoutMs: number) => void;
}

/**
 * One leg's stall watchdog. The leg calls {@linkcode StallWatchdog.fed}
 * whenever output arrives (or a pause of its own ends),
 * {@linkcode StallWatchdog.arm} before each read and
 * {@linkcode StallWatchdog.disarm} when it is done.
 *
 * @example
 * ```ts
 * import { StallWatchdog } from "./stall_watchdog.ts";
 * const watchdog = new StallWatchdog({
 *   pid: 1,
 *   timeoutMs: () => 10_000,
 *   waiting: () => true,
 *   onStall: (ms) => console.log(`nothing for ${ms} ms`),
 * });
 * watchdog.fed();
 * watchdog.arm();
 * watchdog.disarm();
 * ```
 */
export class StallWatchdog {
  readonly #o: StallWatchdogOptions;
  #lastDataAt = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The child's CPU time at the previous check in this silence. */
  #cpuMark: number | undefined;
  /** When {@linkcode #cpuMark} was taken (performance.now). */
  #markAt = 0;
  /** When the armed timer is due (performance.now). */
  #dueAt = 0;

  /** @param options See {@linkcode StallWatchdogOptions}. */
  constructor(options: StallWatchdogOptions) {
    this.#o = options;
  }

  /** Output arrived, or a pause that was ours ended: the silence restarts. */
  fed(): void {
    this.#lastDataAt = performance.now();
  }

  /** Starts watching, unless already armed or off. */
  arm(): void {
    const timeout = this.#o.timeoutMs();
    if (this.#timer !== undefined || timeout <= 0 || !this.#o.waiting()) {
      return;
    }
    // Wakes half a timeout into a silence to note the CPU time, at the
    // timeout to compare, then every half timeout while ffmpeg works.
    const half = timeout / 2;
    const idle = performance.now() - this.#lastDataAt;
    const delay = idle < half
      ? half - idle
      : idle < timeout
      ? timeout - idle
      : half;
    this.#dueAt = performance.now() + delay;
    this.#timer = setTimeout(() => this.#check(timeout), delay);
  }

  /** Stops watching (re-armed by the next {@linkcode arm}). */
  disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#cpuMark = undefined;
  }

  #check(timeout: number): void {
    this.#timer = undefined;
    // Paused by back-pressure: re-armed when reading resumes.
    if (!this.#o.waiting()) return;
    const now = performance.now();
    const idle = now - this.#lastDataAt;
    if (idle < timeout / 2) {
      this.#cpuMark = undefined; // output came since the last check
      this.arm();
      return;
    }
    // This process ran late (a loop held up by a setup storm or a starved
    // host): what ffmpeg wrote meanwhile may sit unread in the pipe, with
    // ffmpeg blocked on it and using no CPU. Such a check does not judge.
    const heldUp = now - this.#dueAt > Math.min(HELD_UP_MS, timeout / 4);
    const mark = this.#cpuMark;
    const cpu = processCpuMs(this.#o.pid);
    // A check that fires just after the last (a timer a hair early, then
    // one at the timeout) has too short a window to judge; keep the mark.
    const window = now - this.#markAt;
    const judged = mark !== undefined && window >= timeout / 4;
    if (mark === undefined || judged) {
      this.#cpuMark = cpu;
      this.#markAt = now;
    }
    if (idle >= timeout * STARVED_TIMEOUTS) return this.#o.onStall(timeout);
    // Without a mark (taken just now) only where none can be read.
    if (idle >= timeout && !heldUp && (judged || cpu === undefined)) {
      const working = cpu !== undefined && cpu - mark! >= WORKING_CPU_MS;
      // Blocked writing to us: this process is behind, not ffmpeg.
      if (!working && !blockedWritingStdio(this.#o.pid)) {
        return this.#o.onStall(timeout);
      }
    }
    this.arm();
  }
}
