/**
 * `fromUrl`: a network stream (HTTP/HTTPS, HLS; RTMP/RTSP/SRT/file when the
 * caller opts in, `url_policy.ts`), with the HTTP input flags that keep a
 * live stream going through network hiccups.
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
import { checkUrl, type OptInProtocol } from "./url_policy.ts";

/** Options for {@linkcode fromUrl}. */
export interface UrlSourceOptions extends EncodeOptions {
  /**
   * Schemes accepted besides `http:`/`https:`. URLs often come from chat
   * members; opt in only to what your bot needs.
   */
  allowProtocols?: OptInProtocol[];
  /** HTTP User-Agent; default a desktop browser's. */
  userAgent?: string;
  /**
   * How long ffmpeg may produce nothing while tgcall waits for media before
   * the stream ends with `FFmpegStalledError`, ms; default 10 000; 0 turns
   * the watchdog off. A server that stops sending without closing the
   * connection is caught this way.
   */
  stallTimeoutMs?: number;
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
  /** The URL as ffmpeg's input, with its protocol flags. */
  readonly input: MediaInput;
  /** See {@linkcode UrlSourceOptions.stallTimeoutMs}. */
  override readonly stallTimeoutMs?: number;

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
    const stall = options.stallTimeoutMs;
    if (stall !== undefined && !(Number.isInteger(stall) && stall >= 0)) {
      throw new InvalidParamsError(
        `stallTimeoutMs must be a non-negative integer, got ${stall}`,
      );
    }
    this.stallTimeoutMs = stall;
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
    this.input = {
      type: "media",
      input: url,
      inputFlags: flags,
      encode: this.encode,
    };
  }

  /** A short description for logs. */
  get description(): string {
    return `url ${this.url}`;
  }
}

/**
 * Plays a URL. Only `http:`/`https:` (HLS included) unless
 * `allowProtocols` opts in to more.
 *
 * @example
 * ```ts
 * import { fromUrl } from "./url_source.ts";
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
export function fromUrl(url: string, options?: UrlSourceOptions): Source {
  return new UrlSource(url, options);
}
