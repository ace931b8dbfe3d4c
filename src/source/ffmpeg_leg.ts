/**
 * One running ffmpeg that emits one track on stdout: spawn, parse Ogg/Opus
 * or IVF/VP8 as bytes arrive, hand frames over in batches with back-pressure
 * (when the consumer has enough buffered, stdout is no longer read and the
 * pipe stalls ffmpeg — so files are decoded just ahead of playback instead
 * of all at once), read the level tap from stderr, and classify the end
 * (`ffmpeg_process.ts`; output ffmpeg wrote that cannot be parsed is a
 * {@linkcode FileError}).
 *
 * Read-ahead stays small: a read is parsed in slices of
 * {@linkcode PARSE_SLICE_BYTES}, back-pressure is checked after each, so a
 * runtime that hands over 64 KiB at once (4 s of 128 kbps Opus) does not
 * overfill the consumer. What stays unread sits in the OS pipe (64 KiB on
 * Linux; Node and Bun use a socket pair), which JS cannot resize.
 *
 * Two faults end a leg early. A crashed ffmpeg (non-zero exit we did not
 * cause) is reported as soon as its exit is known, even while the
 * consumer has asked for a pause: the frames still in the pipe are
 * discarded, since a failed leg's tail is not played. An ffmpeg that
 * writes nothing for `stallTimeoutMs` while the leg wants frames (a URL
 * that stopped sending, a stopped process) is woken and killed, and the
 * leg ends with {@linkcode FFmpegStalledError}.
 *
 * Silence alone is not a stall: an ffmpeg starved of CPU or waiting for
 * this process to read is slow, not stuck ({@linkcode StallWatchdog}).
 *
 * @module
 */

import { FFmpegStalledError, FileError, TgCallError } from "../errors.ts";
import { IvfReader, type Vp8Frame } from "../media/ivf_reader.ts";
import type { StreamType } from "../media/kind.ts";
import { OggOpusReader, type OpusFrame } from "../media/ogg_reader.ts";
import type { ExitStatus, Subprocess } from "../runtime/subprocess.ts";
import { ffmpegExitError, spawnFfmpeg, stopFfmpeg } from "./ffmpeg_process.ts";
import { StallWatchdog } from "./stall_watchdog.ts";

/** Frame type per leg kind. */
export type LegFrame<K extends StreamType> = K extends "audio" ? OpusFrame
  : Vp8Frame;

/** Options for {@linkcode FfmpegLeg.start}. */
export interface FfmpegLegOptions<K extends StreamType> {
  /** The ffmpeg binary. */
  ffmpegPath: string;
  /** Full argv after the binary. */
  args: readonly string[];
  /** Which track the leg produces. */
  kind: K;
  /**
   * Receives each batch of frames in order. Return `true` to stop reading
   * until {@linkcode FfmpegLeg.resumeReading} is called.
   */
  onFrames: (frames: LegFrame<K>[]) => boolean;
  /** Receives ffmpeg's stderr lines other than level-tap output. */
  onStderrLine?: (line: string) => void;
  /**
   * How long ffmpeg may write nothing while the leg is reading before it is
   * killed as stalled, ms; default {@linkcode DEFAULT_STALL_TIMEOUT_MS};
   * 0 disables the watchdog. Before its first byte ffmpeg gets at least the
   * default: spawning, connecting and probing are a start, not a stall.
   */
  stallTimeoutMs?: number;
}

/** Default of {@linkcode FfmpegLegOptions.stallTimeoutMs}, ms. */
export const DEFAULT_STALL_TIMEOUT_MS = 10_000;

/** Bytes parsed between two back-pressure checks (about 0.25 s of 128 kbps Opus). */
export const PARSE_SLICE_BYTES = 4096;

/** How a leg ended: `error` is undefined for EOF and for our own stop. */
export interface LegEnd {
  /** Why it failed, if it did. */
  error?: TgCallError;
  /** Whether {@linkcode FfmpegLeg.stop} ended it. */
  stoppedByUs: boolean;
  /** Frames delivered. */
  frames: number;
}

const LEVEL_RING = 1024;
const TAIL_BYTES = 512;

/** A running ffmpeg leg. */
export class FfmpegLeg<K extends StreamType = StreamType> {
  readonly #o: FfmpegLegOptions<K>;
  readonly #child: Subprocess;
  readonly #levels = new Float32Array(LEVEL_RING).fill(NaN);
  #levelFrames = 0;
  #pendingFrame = -1;
  #tail = "";
  #stopped = false;
  #gate: (() => void) | undefined;
  #frames = 0;
  #stopping: Promise<ExitStatus> | undefined;
  /** ffmpeg exited with a failure status. */
  #failed = false;
  /** The stall timeout that expired, ms; 0 while not stalled. */
  #stalled = 0;
  #reading = false;
  #started = false;
  readonly #watchdog: StallWatchdog;
  /** Resolves once ffmpeg has exited and every frame was delivered. */
  readonly ended: Promise<LegEnd>;

  private constructor(options: FfmpegLegOptions<K>, child: Subprocess) {
    this.#o = options;
    this.#child = child;
    this.#watchdog = new StallWatchdog({
      pid: child.pid,
      timeoutMs: () => this.#stallTimeoutMs,
      waiting: () => this.#reading && !this.#discarding,
      onStall: (timeoutMs) => this.#stall(timeoutMs),
    });
    // A failed leg's tail is not played: stop waiting for the consumer and
    // drain what is still in the pipe, so the failure surfaces now rather
    // than after what was read ahead has played.
    child.exited.then((status) => {
      if (status.code === 0) return;
      this.#failed = true;
      this.resumeReading();
    });
    this.ended = this.#run();
  }

  /**
   * Spawns ffmpeg.
   *
   * @throws {FFmpegSpawnError} when the binary cannot be started.
   */
  static async start<K extends StreamType>(
    options: FfmpegLegOptions<K>,
  ): Promise<FfmpegLeg<K>> {
    // stderr lines can arrive before the leg object exists.
    const early: string[] = [];
    const holder: { leg?: FfmpegLeg<K> } = {};
    const child = await spawnFfmpeg(options.ffmpegPath, {
      args: options.args,
      stderrTailBytes: 2048,
      onStderrLine: (line) => {
        if (holder.leg) holder.leg.#stderrLine(line);
        else early.push(line);
      },
    });
    const leg = holder.leg = new FfmpegLeg(options, child);
    for (const line of early) leg.#stderrLine(line);
    return leg;
  }

  /** The OS pid of ffmpeg. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Frames delivered so far. */
  get frames(): number {
    return this.#frames;
  }

  /**
   * RMS level (dBov, ≤ 0) of audio frame `index` (0-based, in delivery
   * order) from the level tap, or `undefined` when not (yet) known.
   */
  levelAt(index: number): number | undefined {
    if (index < this.#levelFrames - LEVEL_RING || index >= this.#levelFrames) {
      return undefined;
    }
    const v = this.#levels[index % LEVEL_RING];
    return Number.isNaN(v) ? undefined : v;
  }

  /** Continues reading after `onFrames` asked for a pause. */
  resumeReading(): void {
    const open = this.#gate;
    this.#gate = undefined;
    open?.();
  }

  /** Stops ffmpeg (SIGTERM, SIGKILL after 2 s) and waits for the end. */
  stop(): Promise<LegEnd> {
    this.#stopped = true;
    this.resumeReading();
    this.#terminate();
    return this.ended;
  }

  #terminate(): void {
    this.#stopping ??= stopFfmpeg(this.#child);
  }

  #stderrLine(line: string): void {
    // Level tap: "frame:N pts:P pts_time:T" then "lavfi.astats…=X".
    if (line.startsWith("frame:")) {
      const n = parseInt(line.slice(6), 10);
      if (Number.isInteger(n)) this.#pendingFrame = n;
      return;
    }
    if (line.startsWith("lavfi.astats.Overall.RMS_level=")) {
      const n = this.#pendingFrame;
      if (n < 0) return;
      const raw = line.slice(31);
      const v = raw === "-inf" ? -127 : Number(raw);
      this.#levels[n % LEVEL_RING] = Number.isFinite(v)
        ? Math.max(-127, Math.min(0, v))
        : -127;
      if (n + 1 > this.#levelFrames) this.#levelFrames = n + 1;
      this.#pendingFrame = -1;
      return;
    }
    this.#tail += line + "\n";
    if (this.#tail.length > TAIL_BYTES * 4) {
      this.#tail = this.#tail.slice(-TAIL_BYTES);
    }
    try {
      this.#o.onStderrLine?.(line);
    } catch { /* a logger must not break the leg */ }
  }

  /** Whether incoming bytes are only drained, not parsed. */
  get #discarding(): boolean {
    return this.#stopped || this.#failed || this.#stalled > 0;
  }

  async #run(): Promise<LegEnd> {
    const reader = this.#child.stdout.getReader();
    const parser = this.#o.kind === "audio"
      ? new OggOpusReader()
      : new IvfReader();
    let parseError: TgCallError | undefined;
    this.#watchdog.fed();
    try {
      for (;;) {
        this.#reading = true;
        this.#watchdog.arm();
        const { done, value } = await reader.read();
        this.#reading = false;
        this.#watchdog.fed();
        if (done) break;
        if (!this.#started) {
          this.#started = true;
          this.#watchdog.disarm(); // re-armed with the running timeout
        }
        for (let at = 0; at < value.length; at += PARSE_SLICE_BYTES) {
          if (this.#discarding || parseError) break; // drain into the void
          let frames: LegFrame<K>[];
          try {
            frames = parser.push(
              value.subarray(at, at + PARSE_SLICE_BYTES),
            ) as LegFrame<K>[];
          } catch (error) {
            parseError = error instanceof TgCallError
              ? error
              : new FileError(`Unreadable ffmpeg output: ${error}`);
            this.#terminate();
            break;
          }
          if (frames.length === 0) continue;
          this.#frames += frames.length;
          let wait = false;
          try {
            wait = this.#o.onFrames(frames);
          } catch { /* the consumer's problem; keep the pipe flowing */ }
          if (wait && !this.#discarding) await this.#paused();
        }
      }
    } catch {
      /* stdout broke because the child died; the status tells why */
    } finally {
      reader.releaseLock();
      this.#watchdog.disarm();
    }
    const status = await this.#child.exited;
    await this.#stopping; // its SIGKILL timer is cleared once this settles
    const tail = this.#tail.length > TAIL_BYTES
      ? this.#tail.slice(-TAIL_BYTES)
      : this.#tail;
    const end: LegEnd = { stoppedByUs: this.#stopped, frames: this.#frames };
    const error = this.#stopped
      ? undefined
      : this.#stalled > 0
      ? new FFmpegStalledError(this.#stalled, tail)
      : parseError ?? ffmpegExitError({
        status,
        stoppedByUs: false,
        stderrTail: tail,
        stream: this.#o.kind,
      });
    if (error) end.error = error;
    return end;
  }

  /** Waits for {@linkcode resumeReading} (or a failed exit). */
  async #paused(): Promise<void> {
    await new Promise<void>((resolve) => this.#gate = resolve);
    // A blocked ffmpeg was our doing: the stall clock restarts here.
    this.#watchdog.fed();
  }

  /** The stall timeout now: before the first byte at least the default. */
  get #stallTimeoutMs(): number {
    const configured = this.#o.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    return this.#started || configured <= 0
      ? configured
      : Math.max(configured, DEFAULT_STALL_TIMEOUT_MS);
  }

  #stall(timeoutMs: number): void {
    this.#stalled = timeoutMs;
    // A stopped (SIGSTOP) ffmpeg is woken first, then killed outright: a
    // stalled one has nothing worth flushing.
    this.#child.kill("SIGCONT");
    this.#child.kill("SIGKILL");
  }
}
