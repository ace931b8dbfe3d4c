/**
 * `fromFile`: a local file decoded by ffmpeg. The path reaches ffmpeg as a
 * path and only a path, whatever it looks like.
 *
 * @module
 */

import { InvalidParamsError } from "../errors.ts";
import { FfmpegSource } from "./ffmpeg_source.ts";
import type { MediaInput, Source } from "./sources.ts";
import {
  type EncodeOptions,
  type ResolvedEncodeOptions,
  resolveEncodeOptions,
  type Tracks,
} from "./track.ts";

/** Options for {@linkcode fromFile}. */
export type FileSourceOptions = EncodeOptions;

/** A local file decoded by ffmpeg. */
export class FileSource extends FfmpegSource {
  /** The path. */
  readonly path: string;
  /** Resolved encoding settings. */
  readonly encode: ResolvedEncodeOptions;
  /** Tracks. */
  readonly tracks: Tracks;
  /** The file as ffmpeg's input. */
  readonly input: MediaInput;

  /**
   * Creates the source.
   *
   * @param path The file.
   * @param options Encoding settings.
   */
  constructor(path: string, options: FileSourceOptions = {}) {
    super();
    if (typeof path !== "string" || path.length === 0) {
      throw new InvalidParamsError("fromFile needs a non-empty path");
    }
    if (path.includes("\0")) {
      throw new InvalidParamsError("The path contains a NUL byte");
    }
    this.path = path;
    this.encode = resolveEncodeOptions(options);
    this.tracks = this.encode.tracks;
    // "file:" makes the argument a path and only a path: "-x.mp3" is not a
    // flag, "https://…" or "concat:a|b" is a (strangely named) local file.
    this.input = {
      type: "media",
      input: `file:${path}`,
      inputFlags: ["-protocol_whitelist", "file,crypto"],
      encode: this.encode,
    };
  }

  /** A short description for logs. */
  get description(): string {
    return `file ${this.path}`;
  }
}

/**
 * Plays a local file. Audio only unless `tracks` includes `Track.Video`.
 *
 * @example
 * ```ts
 * import { fromFile } from "./file_source.ts";
 * import { Track } from "./track.ts";
 *
 * const source = fromFile("movie.mp4", { tracks: Track.Video });
 * console.log(source.description, source.tracks === (Track.Audio | Track.Video)); // "file movie.mp4" true
 * ```
 *
 * @throws {InvalidParamsError} for an empty path or bad encode options.
 */
export function fromFile(
  path: string,
  options?: FileSourceOptions,
): Source {
  return new FileSource(path, options);
}
