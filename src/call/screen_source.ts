/**
 * What a presentation plays: video only. Telegram carries a screen share
 * as a video-only connection (its answer has no `audio` section), so a
 * source with sound is narrowed to its video leg — the audio ffmpeg is
 * never spawned — and a source without video is refused.
 *
 * @module
 */

import { InvalidParamsError } from "../errors.ts";
import { FfmpegSource } from "../source/ffmpeg_source.ts";
import type { LegSpec, SourceInput, SourceRecipe } from "../source/sources.ts";
import { hasVideo, Track, type Tracks } from "../source/track.ts";

/** The video leg of an audio+video source. */
class VideoLegSource extends FfmpegSource {
  readonly #source: SourceRecipe;
  /** Video only. */
  readonly tracks: Tracks = Track.Video;

  constructor(source: SourceRecipe) {
    super();
    this.#source = source;
  }

  get input(): SourceInput {
    return this.#source.input;
  }

  get description(): string {
    return `${this.#source.description} (video only)`;
  }

  override get parallelSpawn(): boolean {
    return this.#source.parallelSpawn;
  }

  get startupMs(): number | undefined {
    return this.#source.startupMs;
  }

  override legs(offsetMs: number, verbose = false): LegSpec[] {
    return this.#source.legs(offsetMs, verbose).filter((leg) =>
      leg.kind === "video"
    );
  }
}

/**
 * `source` as a presentation plays it: unchanged when it is video only,
 * its video leg when it also has audio.
 *
 * @throws {InvalidParamsError} for a source without video.
 */
export function screenSource(source: SourceRecipe): SourceRecipe {
  if (!hasVideo(source.tracks)) {
    throw new InvalidParamsError(
      "A presentation streams video only: use a video source, e.g. " +
        'fromShell("ffmpeg -f x11grab -i :0.0", Track.Video) or ' +
        "fromFile(path, { tracks: Track.Video })",
    );
  }
  return source.tracks & Track.Audio ? new VideoLegSource(source) : source;
}
