/**
 * One running ffmpeg that emits one track on stdout: spawn, parse Ogg/Opus
 * or IVF/VP8 as bytes arrive, hand frames over in batches with back-pressure
 * (when the consumer has enough buffered, stdout is no longer read and the
 * pipe stalls ffmpeg — so files are decoded just ahead of playback instead
 * of all at once), read the level tap from stderr, and classify the end
 * (`ffmpeg_process.ts`; output ffmpeg wrote that cannot be parsed is a
 * {@linkcode FileError}).
 *
 * @module
 */

import { FileError, TgCallError } from "../errors.ts";
import { IvfReader, type Vp8Frame } from "../media/ivf_reader.ts";
import type { StreamType } from "../media/kind.ts";
import { OggOpusReader, type OpusFrame } from "../media/ogg_reader.ts";
import type { ExitStatus, Subprocess } from "../runtime/subprocess.ts";
import { ffmpegExitError, spawnFfmpeg, stopFfmpeg } from "./ffmpeg_process.ts";

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
}

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
  /** Resolves once ffmpeg has exited and every frame was delivered. */
  readonly ended: Promise<LegEnd>;

  private constructor(options: FfmpegLegOptions<K>, child: Subprocess) {
    this.#o = options;
    this.#child = child;
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

  async #run(): Promise<LegEnd> {
    const reader = this.#child.stdout.getReader();
    const parser = this.#o.kind === "audio"
      ? new OggOpusReader()
      : new IvfReader();
    let parseError: TgCallError | undefined;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (this.#stopped || parseError) continue; // drain into the void
        let frames: LegFrame<K>[];
        try {
          frames = parser.push(value) as LegFrame<K>[];
        } catch (error) {
          parseError = error instanceof TgCallError
            ? error
            : new FileError(`Unreadable ffmpeg output: ${error}`);
          this.#terminate();
          continue;
        }
        if (frames.length === 0) continue;
        this.#frames += frames.length;
        let wait = false;
        try {
          wait = this.#o.onFrames(frames);
        } catch { /* the consumer's problem; keep the pipe flowing */ }
        if (wait && !this.#stopped) {
          await new Promise<void>((resolve) => this.#gate = resolve);
        }
      }
    } catch {
      /* stdout broke because the child died; the status tells why */
    } finally {
      reader.releaseLock();
    }
    const status = await this.#child.exited;
    await this.#stopping; // its SIGKILL timer is cleared once this settles
    const tail = this.#tail.length > TAIL_BYTES
      ? this.#tail.slice(-TAIL_BYTES)
      : this.#tail;
    const end: LegEnd = { stoppedByUs: this.#stopped, frames: this.#frames };
    const error = this.#stopped ? undefined : parseError ?? ffmpegExitError({
      status,
      stoppedByUs: false,
      stderrTail: tail,
      stream: this.#o.kind,
    });
    if (error) end.error = error;
    return end;
  }
}
