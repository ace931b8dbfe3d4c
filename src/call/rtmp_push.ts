/**
 * "Go live" for RTMP calls: one ffmpeg re-encodes the source to H.264 + AAC
 * in FLV and pushes it to Telegram's RTMP ingest, paced by `-re`. Pause and
 * resume stop and re-spawn ffmpeg at the recorded offset (Telegram's ingest
 * closes silent streams, so a paused push is a stopped push; expect a
 * ~100–300 ms gap on resume).
 *
 * @module
 */

import {
  FFmpegCrashedError,
  FFmpegSpawnError,
  FileError,
  InvalidParamsError,
  SeekUnsupportedError,
  SpawnError,
  type TgCallError,
} from "../errors.ts";
import { type Clock, monotonicClock } from "../runtime/clock.ts";
import { spawn, type Subprocess } from "../runtime/subprocess.ts";
import { isSeekable, type Source } from "../source/sources.ts";

/** Options for {@linkcode RtmpPush}. */
export interface RtmpPushOptions {
  /** `rtmp://` or `rtmps://` URL including the stream key. */
  url: string;
  /** What to push. */
  source: Source;
  /** Called once when ffmpeg ends by itself: EOF or failure. */
  onEnd: (error?: TgCallError) => void;
  /** ffmpeg binary. */
  ffmpegPath?: string;
  /** ffmpeg logs at info level. */
  verbose?: boolean;
  /** ffmpeg stderr lines. */
  onStderrLine?: (line: string) => void;
  /** Clock for `time()`; default monotonic. */
  clock?: Clock;
}

/**
 * Validates an RTMP ingest URL.
 *
 * @throws {InvalidParamsError} unless it is `rtmp:`/`rtmps:` with a host.
 */
export function checkRtmpUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidParamsError(`Not an RTMP URL: ${url}`);
  }
  if (
    (parsed.protocol !== "rtmp:" && parsed.protocol !== "rtmps:") ||
    parsed.host === ""
  ) {
    throw new InvalidParamsError(`Not an rtmp:// or rtmps:// URL: ${url}`);
  }
  return url;
}

/** One source pushed over RTMP. */
export class RtmpPush {
  readonly #o: RtmpPushOptions;
  readonly #clock: Clock;
  #child: Subprocess | undefined;
  #generation = 0;
  #offsetMs = 0;
  #startedAt = NaN;
  #state: "idle" | "playing" | "paused" | "ended" | "stopped" = "idle";

  /** @param options See {@linkcode RtmpPushOptions}. */
  constructor(options: RtmpPushOptions) {
    checkRtmpUrl(options.url);
    this.#o = options;
    this.#clock = options.clock ?? monotonicClock;
  }

  /** The source. */
  get source(): Source {
    return this.#o.source;
  }

  /** Current state. */
  get state(): string {
    return this.#state;
  }

  /** The pid of the running ffmpeg, if any. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Position pushed so far, ms (wall clock since the spawn, `-re` paced). */
  time(): number {
    if (this.#state !== "playing" || Number.isNaN(this.#startedAt)) {
      return Math.round(this.#offsetMs);
    }
    return Math.round(this.#offsetMs + this.#clock.now() - this.#startedAt);
  }

  /** Starts pushing at `offsetMs`. */
  async start(offsetMs = 0): Promise<void> {
    if (this.#state !== "idle" && this.#state !== "paused") return;
    await this.#spawn(offsetMs);
  }

  /** Records a paused position without spawning. */
  startPaused(offsetMs = 0): void {
    if (this.#state === "idle") {
      this.#offsetMs = offsetMs;
      this.#state = "paused";
    }
  }

  /** Stops ffmpeg, keeping the position. */
  async pause(): Promise<boolean> {
    if (this.#state !== "playing") return false;
    this.#offsetMs = this.time();
    this.#state = "paused";
    await this.#kill();
    return true;
  }

  /** Re-spawns at the paused position. */
  async resume(): Promise<boolean> {
    if (this.#state !== "paused") return false;
    await this.#spawn(this.#offsetMs);
    return true;
  }

  /** Moves by `deltaMs`. */
  async seekBy(deltaMs: number): Promise<void> {
    if (!isSeekable(this.#o.source)) {
      throw new SeekUnsupportedError(
        `${this.#o.source.description} cannot seek`,
      );
    }
    const target = Math.max(0, this.time() + deltaMs);
    if (this.#state !== "playing") {
      this.#offsetMs = target;
      return;
    }
    await this.#kill();
    await this.#spawn(target);
  }

  /** Stops for good; no end event. Idempotent. */
  async stop(): Promise<void> {
    if (this.#state === "stopped") return;
    this.#state = "stopped";
    await this.#kill();
  }

  async #kill(): Promise<void> {
    this.#generation++;
    const child = this.#child;
    this.#child = undefined;
    await child?.stop(2000);
  }

  async #spawn(offsetMs: number): Promise<void> {
    const generation = ++this.#generation;
    const ffmpegPath = this.#o.ffmpegPath ?? "ffmpeg";
    const args = this.#o.source.rtmpArgs(
      this.#o.url,
      offsetMs,
      this.#o.verbose,
    );
    let child: Subprocess;
    try {
      child = await spawn(ffmpegPath, {
        args,
        stdout: "null",
        stderrTailBytes: 512,
        onStderrLine: this.#o.onStderrLine,
      });
    } catch (error) {
      if (error instanceof SpawnError) {
        throw new FFmpegSpawnError(ffmpegPath, error.message, { cause: error });
      }
      throw error;
    }
    if (generation !== this.#generation) {
      await child.stop(2000);
      return;
    }
    this.#child = child;
    this.#offsetMs = offsetMs;
    this.#startedAt = this.#clock.now();
    this.#state = "playing";
    child.exited.then((status) => {
      if (generation !== this.#generation) return;
      this.#offsetMs = this.time();
      this.#child = undefined;
      this.#state = "ended";
      if (status.code === 0) return this.#o.onEnd();
      const tail = child.stderrTail();
      this.#o.onEnd(
        /No such file|matches no streams|Invalid data found/i.test(tail)
          ? new FileError(`No playable stream: ${tail.trim()}`)
          : new FFmpegCrashedError(status.code, status.signal, tail),
      );
    });
  }
}
