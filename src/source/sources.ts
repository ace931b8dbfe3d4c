/**
 * What a source is. A source is a recipe, not a running process: it
 * describes its input ({@linkcode SourceInput}), the ffmpeg-args modules
 * turn that description into the argv of its legs (`ffmpeg_args.ts`) or of
 * an RTMP push (`rtmp_args.ts`), and `openAt(offsetMs)` spawns the legs.
 * Pause, resume and seek open the same source again at another offset,
 * which is why every built-in source is a {@linkcode SeekableSource}.
 *
 * Users hold a {@linkcode Source}: what it plays and a description, no
 * more. The recipe behind it ({@linkcode SourceRecipe}) is tgcall's own;
 * {@linkcode sourceRecipe} recovers it where a call receives a source.
 *
 * The built-in sources: `fromFile` (`file_source.ts`), `fromUrl`
 * (`url_source.ts`), `fromShell` and `fromShells` (`shell_source.ts`).
 *
 * @module
 */

import { InvalidParamsError } from "../errors.ts";
import type { Vp8Frame } from "../media/ivf_reader.ts";
import type { OpusFrame } from "../media/ogg_reader.ts";
import type { StreamType } from "../media/kind.ts";
import type { FfmpegLeg } from "./ffmpeg_leg.ts";
import type { ResolvedEncodeOptions, Tracks } from "./track.ts";

/**
 * A file or stream tgcall writes the whole ffmpeg command for
 * (`fromFile`, `fromUrl`).
 */
export interface MediaInput {
  /** Discriminant. */
  readonly type: "media";
  /** What follows `-i`. */
  readonly input: string;
  /** Flags before `-i` besides seek and probing (protocol flags). */
  readonly inputFlags: readonly string[];
  /** Encoding settings, `tracks` included. */
  readonly encode: ResolvedEncodeOptions;
}

/** One user-written ffmpeg command, split into words. */
export interface ShellCommand {
  /** The leg it feeds. */
  readonly kind: StreamType;
  /** The binary as written (`undefined`: bare `ffmpeg`, the client's). */
  readonly binary?: string;
  /** The words after the binary. */
  readonly args: readonly string[];
}

/** User-written ffmpeg commands, one per leg (`fromShell`, `fromShells`). */
export interface ShellInput {
  /** Discriminant. */
  readonly type: "shell";
  /** The commands, audio first. */
  readonly commands: readonly ShellCommand[];
}

/** Where a source's media comes from, as the ffmpeg-args modules need it. */
export type SourceInput = MediaInput | ShellInput;

/** One ffmpeg leg: its argv (after the binary). */
export interface LegSpec {
  /** Which track it produces. */
  kind: StreamType;
  /** The binary to run (`undefined`: the client's ffmpeg). */
  binary?: string;
  /** Arguments. */
  args: string[];
}

/** How to run a source's legs. */
export interface OpenOptions {
  /** ffmpeg binary; default `"ffmpeg"`. */
  ffmpegPath?: string;
  /** ffmpeg logs at `info` level (for `ffmpegStderrLog`). */
  verbose?: boolean;
  /** Receives audio frames; return `true` to pause reading. */
  onAudio?: (frames: OpusFrame[]) => boolean;
  /** Receives video frames; return `true` to pause reading. */
  onVideo?: (frames: Vp8Frame[]) => boolean;
  /** Receives ffmpeg stderr lines. */
  onStderrLine?: (kind: StreamType, line: string) => void;
}

/** A source's running legs. */
export interface OpenedSource {
  /** The audio leg, when the source has audio. */
  audio?: FfmpegLeg<"audio">;
  /** The video leg, when the source has video. */
  video?: FfmpegLeg<"video">;
  /** Stops every leg (SIGTERM, then SIGKILL) and waits for them. */
  close(): Promise<void>;
}

/**
 * Something tgcall can play: what `fromFile`, `fromUrl`, `fromShell` and
 * `fromShells` return, for `setStreamSources` and `setPresentationSource`.
 * Nothing runs until a call plays it, and one source can be played again.
 *
 * @example
 * ```ts
 * import { fromFile } from "./file_source.ts";
 * import type { Source } from "./sources.ts";
 * import { Track } from "./track.ts";
 *
 * const source: Source = fromFile("movie.mp4", { tracks: Track.Video });
 * console.log(source.description, (source.tracks & Track.Video) !== 0); // "file movie.mp4" true
 * ```
 */
export interface Source {
  /** The tracks it produces (see `Track`). */
  readonly tracks: Tracks;
  /** A short description for logs. */
  readonly description: string;
}

/**
 * A source as a call plays it: its input description and how to spawn its
 * ffmpeg legs. Every built-in {@linkcode Source} is one.
 */
export interface SourceRecipe extends Source {
  /** Where its media comes from (the argv of its legs and RTMP push derive from it). */
  readonly input: SourceInput;
  /** Whether legs spawn concurrently (see `MultiShellSource`). */
  readonly parallelSpawn: boolean;
  /**
   * How long after its first frame arrives playout starts, ms: slack for
   * sources whose frames arrive at network pace (default 40).
   */
  readonly startupMs?: number;
  /** The legs that play from `offsetMs`. */
  legs(offsetMs: number, verbose?: boolean): LegSpec[];
  /** Starts playing from the beginning. */
  open(options?: OpenOptions): Promise<OpenedSource>;
}

/** A source that can start at any offset (pause/resume/seek). */
export interface SeekableSource extends SourceRecipe {
  /** Starts playing from `offsetMs`. */
  openAt(offsetMs: number, options?: OpenOptions): Promise<OpenedSource>;
}

/** Whether a source can seek. */
export function isSeekable(source: SourceRecipe): source is SeekableSource {
  return typeof (source as Partial<SeekableSource>).openAt === "function";
}

/**
 * The recipe behind a user's {@linkcode Source}.
 *
 * @throws {InvalidParamsError} for anything `fromFile`, `fromUrl`,
 * `fromShell` or `fromShells` did not make.
 */
export function sourceRecipe(source: Source): SourceRecipe {
  const recipe = source as Partial<SourceRecipe> | null | undefined;
  if (!recipe || typeof recipe.legs !== "function") {
    throw new InvalidParamsError(
      "setStreamSources needs a Source (fromFile, fromUrl, fromShell, …)",
    );
  }
  return recipe as SourceRecipe;
}
