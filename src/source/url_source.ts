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
  /**
   * Accept URLs whose literal host is internal: loopback (`127.0.0.0/8`,
   * `::1`, `localhost`, `*.localhost`), unspecified (`0.0.0.0/8`, `::`),
   * link-local (`169.254.0.0/16`, cloud instance metadata, `fe80::/10`),
   * private (`10/8`, `172.16/12`, `192.168/16`, `fc00::/7`) or shared
   * (`100.64/10`), in any form (`http://2130706433/`, `http://0x7f.1/`,
   * `http://[::ffff:127.0.0.1]/`). Default `false`, since URLs often come
   * from chat members; set it to stream from your own network.
   *
   * Only the literal host is checked: a DNS name that resolves to an
   * internal address is not caught (ffmpeg resolves names itself), nor is
   * an HTTP redirect or an HLS playlist entry that points inside.
   */
  allowInternalHosts?: boolean;
  /** HTTP User-Agent; default a desktop browser's. */
  userAgent?: string;
  /**
   * How long ffmpeg may produce nothing while tgcall waits for media before
   * the stream ends with `FFmpegStalledError`, ms; default 10 000; 0 turns
   * the watchdog off. A server that stops sending without closing the
   * connection is caught this way. On Linux an ffmpeg that used CPU in the
   * last half timeout is starved rather than stalled and gets more time,
   * up to six timeouts.
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
    const checked = checkUrl(url, options.allowProtocols ?? [], {
      allowInternalHosts: options.allowInternalHosts,
    });
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
 * `allowProtocols` opts in to more, and only public hosts unless
 * `allowInternalHosts` is set.
 *
 * @example
 * ```ts
 * import { fromUrl } from "./url_source.ts";
 *
 * for (const url of ["file:///etc/passwd", "http://169.254.169.254/"]) {
 *   try {
 *     fromUrl(url);
 *   } catch (error) {
 *     console.log((error as Error).name); // "InvalidParamsError"
 *   }
 * }
 * // A server on the bot's own network, on purpose:
 * fromUrl("http://127.0.0.1:8000/a.mp3", { allowInternalHosts: true });
 * ```
 *
 * @throws {InvalidParamsError} for a refused scheme or host, or bad options.
 */
export function fromUrl(url: string, options?: UrlSourceOptions): Source {
  return new UrlSource(url, options);
}
