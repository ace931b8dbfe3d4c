/**
 * "Go live" for RTMP calls: one ffmpeg re-encodes the source to H.264 + AAC
 * in FLV and pushes it to Telegram's RTMP ingest, paced by `-re`. Pause and
 * resume stop and re-spawn ffmpeg at the recorded offset (Telegram's ingest
 * closes silent streams, so a paused push is a stopped push; expect a
 * ~100–300 ms gap on resume).
 *
 * @module
 */

import { InvalidParamsError, type TgCallError } from "../errors.ts";
import { type Clock, monotonicClock } from "../runtime/clock.ts";
import type { Subprocess } from "../runtime/subprocess.ts";
import {
  ffmpegExitError,
  spawnFfmpeg,
  stopFfmpeg,
} from "../source/ffmpeg_process.ts";
import { rtmpPushArgs } from "../source/rtmp_args.ts";
import type { SourceRecipe } from "../source/sources.ts";
import { type RunState, SeekableRun } from "./seekable_run.ts";

/** Options for {@linkcode RtmpPush}. */
export interface RtmpPushOptions {
  /** `rtmp://` or `rtmps://` URL including the stream key. */
  url: string;
  /** What to push. */
  source: SourceRecipe;
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
  readonly #run: SeekableRun<Subprocess>;
  #startedAt = NaN;

  /** @param options See {@linkcode RtmpPushOptions}. */
  constructor(options: RtmpPushOptions) {
    checkRtmpUrl(options.url);
    this.#o = options;
    this.#clock = options.clock ?? monotonicClock;
    this.#run = new SeekableRun({
      source: options.source,
      open: (offsetMs) => this.#spawn(offsetMs),
      started: (child, generation) => this.#started(child, generation),
      discard: () => {
        this.#startedAt = NaN;
      },
      close: async (child) => {
        await stopFfmpeg(child);
      },
      position: () =>
        Number.isNaN(this.#startedAt)
          ? Math.round(this.#run.offsetMs)
          : Math.round(
            this.#run.offsetMs + this.#clock.now() - this.#startedAt,
          ),
    });
  }

  /** The source. */
  get source(): SourceRecipe {
    return this.#o.source;
  }

  /** Current state. */
  get state(): RunState {
    return this.#run.state;
  }

  /** The pid of the running ffmpeg, if any. */
  get pid(): number | undefined {
    return this.#run.opening?.pid;
  }

  /** Position pushed so far, ms (wall clock since the spawn, `-re` paced). */
  time(): number {
    return Math.round(this.#run.position());
  }

  /** Starts pushing at `offsetMs`. */
  start(offsetMs = 0): Promise<void> {
    return this.#run.start(offsetMs);
  }

  /** Records a paused position without spawning. */
  startPaused(offsetMs = 0): void {
    this.#run.startPaused(offsetMs);
  }

  /** Stops ffmpeg, keeping the position. */
  pause(): Promise<boolean> {
    return this.#run.pause();
  }

  /** Re-spawns at the paused position. */
  resume(): Promise<boolean> {
    return this.#run.resume();
  }

  /**
   * Moves by `deltaMs`.
   *
   * @throws {SeekUnsupportedError} when the source cannot seek.
   */
  seekBy(deltaMs: number): Promise<void> {
    return this.#run.seekBy(deltaMs);
  }

  /** Stops for good; no end event. Idempotent. */
  stop(): Promise<void> {
    return this.#run.stop();
  }

  #spawn(offsetMs: number): Promise<Subprocess> {
    return spawnFfmpeg(this.#o.ffmpegPath ?? "ffmpeg", {
      args: rtmpPushArgs(
        this.#o.source.input,
        this.#o.url,
        offsetMs,
        this.#o.verbose,
      ),
      stdout: "null",
      stderrTailBytes: 512,
      onStderrLine: this.#o.onStderrLine,
    });
  }

  #started(child: Subprocess, generation: number): void {
    this.#startedAt = this.#clock.now();
    child.exited.then((status) => {
      if (!this.#run.isCurrent(generation)) return;
      this.#run.end();
      this.#o.onEnd(ffmpegExitError({
        status,
        stoppedByUs: false,
        stderrTail: child.stderrTail(),
      }));
    });
  }
}
