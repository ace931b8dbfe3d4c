/**
 * The base of the built-in sources: a subclass describes its input, this
 * class derives the legs from it (`ffmpeg_args.ts`) and spawns them, one
 * after the other or, with `parallelSpawn`, concurrently. A leg that fails
 * to spawn closes the ones already running.
 *
 * @module
 */

import { InvalidParamsError } from "../errors.ts";
import { legSpecs } from "./ffmpeg_args.ts";
import { FfmpegLeg } from "./ffmpeg_leg.ts";
import type {
  LegSpec,
  OpenedSource,
  OpenOptions,
  SeekableSource,
  SourceInput,
} from "./sources.ts";
import type { Tracks } from "./track.ts";

/** A source whose legs are ffmpeg processes described by its input. */
export abstract class FfmpegSource implements SeekableSource {
  /** The tracks it produces. */
  abstract readonly tracks: Tracks;
  /** A short description for logs. */
  abstract readonly description: string;
  /** Where its media comes from. */
  abstract readonly input: SourceInput;
  /**
   * How long a leg's ffmpeg may write nothing while it is being read before
   * it is killed as stalled, ms; `undefined` for the leg default (10 s).
   */
  readonly stallTimeoutMs?: number;
  /** Whether legs spawn concurrently. */
  get parallelSpawn(): boolean {
    return false;
  }

  /** The legs that play from `offsetMs`. */
  legs(offsetMs: number, verbose = false): LegSpec[] {
    return legSpecs(this.input, offsetMs, verbose);
  }

  /** Starts playing from the beginning. */
  open(options: OpenOptions = {}): Promise<OpenedSource> {
    return this.openAt(0, options);
  }

  /**
   * Starts playing from `offsetMs`.
   *
   * @throws {InvalidParamsError} for a negative or non-finite offset.
   * @throws {FFmpegSpawnError} when ffmpeg cannot start.
   */
  async openAt(
    offsetMs: number,
    options: OpenOptions = {},
  ): Promise<OpenedSource> {
    if (!Number.isFinite(offsetMs) || offsetMs < 0) {
      throw new InvalidParamsError(`Invalid offset ${offsetMs}`);
    }
    const specs = this.legs(Math.round(offsetMs), options.verbose);
    const opened: OpenedSource = {
      close: async () => {
        await Promise.all([opened.audio?.stop(), opened.video?.stop()]);
      },
    };
    const startLeg = async (spec: LegSpec) => {
      const ffmpegPath = spec.binary ?? options.ffmpegPath ?? "ffmpeg";
      const onStderrLine = (line: string) =>
        options.onStderrLine?.(spec.kind, line);
      const stallTimeoutMs = this.stallTimeoutMs;
      if (spec.kind === "audio") {
        opened.audio = await FfmpegLeg.start({
          ffmpegPath,
          args: spec.args,
          kind: "audio",
          onFrames: (f) => options.onAudio?.(f) ?? false,
          onStderrLine,
          stallTimeoutMs,
        });
      } else {
        opened.video = await FfmpegLeg.start({
          ffmpegPath,
          args: spec.args,
          kind: "video",
          onFrames: (f) => options.onVideo?.(f) ?? false,
          onStderrLine,
          stallTimeoutMs,
        });
      }
    };
    try {
      if (this.parallelSpawn) {
        const results = await Promise.allSettled(specs.map(startLeg));
        const failed = results.find((r) => r.status === "rejected");
        if (failed) throw (failed as PromiseRejectedResult).reason;
      } else {
        for (const spec of specs) await startLeg(spec);
      }
    } catch (error) {
      await opened.close();
      throw error;
    }
    return opened;
  }
}
