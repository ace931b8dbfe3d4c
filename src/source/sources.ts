/**
 * The built-in sources: `fromFile`, `fromUrl`, `fromShell`, `fromShells`.
 *
 * A source is a recipe, not a running process: it describes the ffmpeg
 * legs that produce its tracks, and `openAt(offsetMs)` spawns them. Pause,
 * resume and seek open the same source again at another offset, which is
 * why every built-in source is a {@linkcode SeekableSource}.
 *
 * @module
 */

import { InvalidParamsError } from "../errors.ts";
import type { OpusFrame } from "../media/ogg_reader.ts";
import type { Vp8Frame } from "../media/ivf_reader.ts";
import {
  completeShellArgs,
  H264_REALTIME,
  type InputSpec,
  legArgs,
  type LegKind,
  rtmpArgs,
} from "./ffmpeg_args.ts";
import { FfmpegLeg } from "./ffmpeg_leg.ts";
import { parseShellArgs } from "./shell_args.ts";
import {
  type EncodeOptions,
  hasVideo,
  type ResolvedEncodeOptions,
  resolveEncodeOptions,
  Track,
  type Tracks,
} from "./track.ts";
import { checkUrl, type OptInProtocol } from "./url_policy.ts";

/** One ffmpeg leg: its argv (after the binary). */
export interface LegSpec {
  /** Which track it produces. */
  kind: LegKind;
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
  onStderrLine?: (kind: LegKind, line: string) => void;
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

/** Something tgcall can play. */
export interface Source {
  /** The tracks it produces. */
  readonly tracks: Tracks;
  /** Whether legs spawn concurrently (see {@linkcode MultiShellSource}). */
  readonly parallelSpawn: boolean;
  /** A short description for logs. */
  readonly description: string;
  /**
   * How long after its first frame arrives playout starts, ms: slack for
   * sources whose frames arrive at network pace (default 40).
   */
  readonly startupMs?: number;
  /** The legs that play from `offsetMs`. */
  legs(offsetMs: number, verbose?: boolean): LegSpec[];
  /** Starts playing from the beginning. */
  open(options?: OpenOptions): Promise<OpenedSource>;
  /** The argv of an RTMP push (H.264 + AAC in FLV) to `url` from `offsetMs`. */
  rtmpArgs(url: string, offsetMs: number, verbose?: boolean): string[];
}

/** A source that can start at any offset (pause/resume/seek). */
export interface SeekableSource extends Source {
  /** Starts playing from `offsetMs`. */
  openAt(offsetMs: number, options?: OpenOptions): Promise<OpenedSource>;
}

/** Whether a source can seek. */
export function isSeekable(source: Source): source is SeekableSource {
  return typeof (source as Partial<SeekableSource>).openAt === "function";
}

/**
 * Base of the built-in sources: subclasses describe their legs, this class
 * spawns them (sequentially, or concurrently when `parallelSpawn`).
 */
export abstract class FfmpegSource implements SeekableSource {
  /** The tracks it produces. */
  abstract readonly tracks: Tracks;
  /** A short description for logs. */
  abstract readonly description: string;
  /** Whether legs spawn concurrently. */
  get parallelSpawn(): boolean {
    return false;
  }
  /** The legs that play from `offsetMs`. */
  abstract legs(offsetMs: number, verbose?: boolean): LegSpec[];
  /** The argv of an RTMP push to `url` from `offsetMs`. */
  abstract rtmpArgs(url: string, offsetMs: number, verbose?: boolean): string[];

  /** Starts playing from the beginning. */
  open(options: OpenOptions = {}): Promise<OpenedSource> {
    return this.openAt(0, options);
  }

  /** Starts playing from `offsetMs`. */
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
      if (spec.kind === "audio") {
        opened.audio = await FfmpegLeg.start({
          ffmpegPath,
          args: spec.args,
          kind: "audio",
          onFrames: (f) => options.onAudio?.(f) ?? false,
          onStderrLine,
        });
      } else {
        opened.video = await FfmpegLeg.start({
          ffmpegPath,
          args: spec.args,
          kind: "video",
          onFrames: (f) => options.onVideo?.(f) ?? false,
          onStderrLine,
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
  }

  /** A short description for logs. */
  get description(): string {
    return `file ${this.path}`;
  }

  #input(): InputSpec {
    // "file:" makes the argument a path and only a path: "-x.mp3" is not a
    // flag, "https://…" or "concat:a|b" is a (strangely named) local file.
    return {
      input: `file:${this.path}`,
      inputFlags: ["-protocol_whitelist", "file,crypto"],
    };
  }

  /** The legs that play from `offsetMs`. */
  legs(offsetMs: number, verbose = false): LegSpec[] {
    return legsFor(this.#input(), this.encode, offsetMs, verbose);
  }

  /** The argv of an RTMP push to `url` from `offsetMs`. */
  rtmpArgs(url: string, offsetMs: number, verbose = false): string[] {
    return rtmpArgs(
      this.#input(),
      hasVideo(this.tracks),
      this.encode,
      offsetMs,
      url,
      verbose,
    );
  }
}

function legsFor(
  input: InputSpec,
  encode: ResolvedEncodeOptions,
  offsetMs: number,
  verbose: boolean,
): LegSpec[] {
  const legs: LegSpec[] = [{
    kind: "audio",
    args: legArgs(input, "audio", encode, offsetMs, verbose),
  }];
  if (hasVideo(encode.tracks)) {
    legs.push({
      kind: "video",
      args: legArgs(input, "video", encode, offsetMs, verbose),
    });
  }
  return legs;
}

/** Options for {@linkcode fromUrl}. */
export interface UrlSourceOptions extends EncodeOptions {
  /**
   * Schemes accepted besides `http:`/`https:`. URLs often come from chat
   * members; opt in only to what your bot needs.
   */
  allowProtocols?: OptInProtocol[];
  /** HTTP User-Agent; default a desktop browser's. */
  userAgent?: string;
}

const DEFAULT_USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";

/** A network stream (HTTP/HTTPS, HLS; RTMP/RTSP/SRT/file when allowed). */
export class UrlSource extends FfmpegSource {
  /** The URL. */
  readonly url: string;
  /** Resolved encoding settings. */
  readonly encode: ResolvedEncodeOptions;
  /** Tracks. */
  readonly tracks: Tracks;
  /**
   * Live network streams deliver frames at real-time pace with network
   * jitter; half a second of slack keeps a late chunk from reaching the SFU
   * after its playout time.
   */
  readonly startupMs = 500;
  readonly #input: InputSpec;

  /**
   * Creates the source.
   *
   * @param url The URL.
   * @param options Encoding and protocol settings.
   */
  constructor(url: string, options: UrlSourceOptions = {}) {
    super();
    const checked = checkUrl(url, options.allowProtocols ?? []);
    this.url = url;
    this.encode = resolveEncodeOptions(options);
    this.tracks = this.encode.tracks;
    const flags = ["-protocol_whitelist", checked.protocolWhitelist];
    // gotgcall also passes -reconnect_at_eof 1; measured here, it makes a
    // finite HTTP file never end (ffmpeg re-requests past EOF forever), so
    // end-of-track events would never fire. Network errors still reconnect.
    if (checked.scheme === "http" || checked.scheme === "https") {
      flags.push(
        "-user_agent",
        options.userAgent ?? DEFAULT_USER_AGENT,
        "-reconnect",
        "1",
        "-reconnect_streamed",
        "1",
        "-reconnect_on_network_error",
        "1",
        "-reconnect_delay_max",
        "5",
        "-rw_timeout",
        "10000000",
      );
      const { pathname, search } = checked.parsed;
      if (/\.m3u8?($|\?)/i.test(pathname + search)) {
        flags.push("-http_persistent", "1");
      }
    }
    this.#input = { input: url, inputFlags: flags };
  }

  /** A short description for logs. */
  get description(): string {
    return `url ${this.url}`;
  }

  /** The legs that play from `offsetMs`. */
  legs(offsetMs: number, verbose = false): LegSpec[] {
    return legsFor(this.#input, this.encode, offsetMs, verbose);
  }

  /** The argv of an RTMP push to `url` from `offsetMs`. */
  rtmpArgs(url: string, offsetMs: number, verbose = false): string[] {
    return rtmpArgs(
      this.#input,
      hasVideo(this.tracks),
      this.encode,
      offsetMs,
      url,
      verbose,
    );
  }
}

function parseFfmpegCommand(command: string): {
  binary?: string;
  args: string[];
} {
  const argv = parseShellArgs(command);
  const binary = argv[0];
  const base = binary.split(/[\\/]/).pop()!.toLowerCase();
  if (base !== "ffmpeg" && base !== "ffmpeg.exe") {
    throw new InvalidParamsError(
      `fromShell runs ffmpeg only; the command starts with "${binary}"`,
    );
  }
  // A bare "ffmpeg" means the client's ffmpegPath; an explicit path is kept.
  return {
    binary: binary === "ffmpeg" ? undefined : binary,
    args: argv.slice(1),
  };
}

/** One or two user-written ffmpeg commands (one per leg). */
export class MultiShellSource extends FfmpegSource {
  readonly #legs: { kind: LegKind; binary?: string; args: string[] }[] = [];
  #parallel = false;
  /** Tracks. */
  readonly tracks: Tracks;
  /** The commands as given. */
  readonly commands: { audio?: string; video?: string };

  /**
   * Creates the source.
   *
   * @param audio The audio leg's command, or empty for none.
   * @param video The video leg's command, or empty for none.
   */
  constructor(audio: string, video: string) {
    super();
    this.commands = {};
    if (audio && audio.trim()) {
      this.#legs.push({ kind: "audio", ...parseFfmpegCommand(audio) });
      this.commands.audio = audio;
    }
    if (video && video.trim()) {
      this.#legs.push({ kind: "video", ...parseFfmpegCommand(video) });
      this.commands.video = video;
    }
    if (this.#legs.length === 0) {
      throw new InvalidParamsError("fromShells needs at least one command");
    }
    for (const leg of this.#legs) completeShellArgs(leg.args, leg.kind, 0); // validate now
    this.tracks = (this.commands.audio ? Track.Audio : 0) |
      (this.commands.video ? Track.Video : 0);
  }

  /** Whether legs spawn concurrently (see `withParallelSpawn`). */
  override get parallelSpawn(): boolean {
    return this.#parallel;
  }

  /** A short description for logs. */
  get description(): string {
    return this.#legs.map((l) => `${l.kind}: ffmpeg ${l.args.join(" ")}`).join(
      "; ",
    );
  }

  /** Spawns both legs concurrently (for independent inputs). Returns `this`. */
  withParallelSpawn(): this {
    this.#parallel = true;
    return this;
  }

  /** The legs that play from `offsetMs`. */
  legs(offsetMs: number, verbose = false): LegSpec[] {
    return this.#legs.map((leg) => ({
      kind: leg.kind,
      binary: leg.binary,
      args: completeShellArgs(leg.args, leg.kind, offsetMs, verbose).args,
    }));
  }

  /** The argv of an RTMP push to `url` from `offsetMs`. */
  rtmpArgs(url: string, offsetMs: number, verbose = false): string[] {
    // One process pushes both tracks: the video command's input when there
    // is one (its file usually carries the sound too), else the audio one.
    const leg = this.#legs.find((l) => l.kind === "video") ?? this.#legs[0];
    const completed = completeShellArgs(leg.args, leg.kind, offsetMs, verbose)
      .args;
    const lastInput = completed.lastIndexOf("-i");
    const head = completed.slice(0, lastInput + 2);
    const filters: string[] = [];
    const userOut = leg.args.slice(leg.args.lastIndexOf("-i") + 2);
    for (let i = 0; i + 1 < userOut.length; i++) {
      if (["-af", "-vf", "-filter_complex", "-r", "-s"].includes(userOut[i])) {
        filters.push(userOut[i], userOut[++i]);
      }
    }
    const out = ["-c:a", "aac", "-ar", "44100", "-b:a", "128k"];
    if (leg.kind === "video") {
      out.push(
        ...H264_REALTIME,
        "-g",
        "60",
        "-pix_fmt",
        "yuv420p",
      );
    } else out.push("-vn");
    return [
      head[0],
      "-re",
      ...head.slice(1),
      ...filters,
      ...out,
      "-f",
      "flv",
      url,
    ];
  }
}

/**
 * Plays a local file. Audio only unless `tracks` includes `Track.Video`.
 *
 * @example
 * ```ts
 * import { fromFile } from "./sources.ts";
 * import { Track } from "./track.ts";
 *
 * const source = fromFile("movie.mp4", { tracks: Track.Video });
 * console.log(source.legs(0).map((leg) => leg.kind)); // ["audio", "video"]
 * ```
 *
 * @throws {InvalidParamsError} for an empty path or bad encode options.
 */
export function fromFile(
  path: string,
  options?: FileSourceOptions,
): FileSource {
  return new FileSource(path, options);
}

/**
 * Plays a URL. Only `http:`/`https:` (HLS included) unless
 * `allowProtocols` opts in to more.
 *
 * @example
 * ```ts
 * import { fromUrl } from "./sources.ts";
 *
 * try {
 *   fromUrl("file:///etc/passwd");
 * } catch (error) {
 *   console.log((error as Error).name); // "InvalidParamsError"
 * }
 * ```
 *
 * @throws {InvalidParamsError} for a refused scheme or bad options.
 */
export function fromUrl(url: string, options?: UrlSourceOptions): UrlSource {
  return new UrlSource(url, options);
}

/**
 * One user-written ffmpeg command producing one track. The command is
 * split like a shell would split words, but never run by a shell.
 *
 * @example
 * ```ts
 * import { fromShell } from "./sources.ts";
 * import { Track } from "./track.ts";
 *
 * const source = fromShell('ffmpeg -i "song.mp3" -af "atempo=1.25"', Track.Audio);
 * console.log(source.legs(0)[0].args.at(-1)); // "pipe:1"
 * ```
 *
 * @throws {InvalidParamsError} for an empty/unparsable command or raw output.
 */
export function fromShell(
  command: string,
  track: Tracks = Track.Audio,
): MultiShellSource {
  return hasVideo(track)
    ? new MultiShellSource("", command)
    : new MultiShellSource(command, "");
}

/**
 * Two user-written ffmpeg commands, one per track; either may be empty.
 * Legs spawn one after the other unless `.withParallelSpawn()`.
 *
 * @throws {InvalidParamsError} when both are empty or one is invalid.
 */
export function fromShells(
  audioCommand: string,
  videoCommand: string,
): MultiShellSource {
  return new MultiShellSource(audioCommand, videoCommand);
}
