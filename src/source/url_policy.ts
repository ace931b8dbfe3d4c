/**
 * Which URLs `fromUrl` may hand to ffmpeg. Bots pass URLs typed by chat
 * members straight through, and ffmpeg understands far more than HTTP:
 * `file:` reads local files, `concat:`/`subfile:` wrap them, `data:` and
 * `pipe:` read inline bytes or descriptors. So by default only `http:` and
 * `https:` are accepted, and ffmpeg gets a matching `-protocol_whitelist`
 * so that a playlist cannot reach beyond that set either (an HLS playlist
 * naming `file:///etc/passwd` as a segment is refused by ffmpeg itself).
 *
 * @module
 */

import { InvalidParamsError } from "../errors.ts";

/** Protocols a caller may opt in to, beyond `http:`/`https:`. */
export type OptInProtocol =
  | "rtmp"
  | "rtmps"
  | "rtsp"
  | "rtsps"
  | "srt"
  | "file";

/** ffmpeg protocols each URL scheme needs underneath it. */
const UNDERLYING: Record<string, readonly string[]> = {
  http: ["http", "https", "tcp", "tls", "crypto"],
  https: ["http", "https", "tcp", "tls", "crypto"],
  rtmp: ["rtmp", "tcp"],
  rtmps: ["rtmps", "tcp", "tls"],
  rtsp: ["rtsp", "rtp", "udp", "tcp"],
  rtsps: ["rtsps", "rtp", "udp", "tcp", "tls", "srtp"],
  srt: ["srt", "udp"],
  file: ["file"],
};

/** A URL accepted for ffmpeg, with the protocol whitelist to pass along. */
export interface CheckedUrl {
  /** The URL, as given. */
  url: string;
  /** The URL, parsed. */
  parsed: URL;
  /** The scheme without the colon, lower case. */
  scheme: string;
  /** Value for ffmpeg's `-protocol_whitelist`. */
  protocolWhitelist: string;
}

/**
 * Validates a URL for ffmpeg.
 *
 * @example
 * ```ts
 * import { checkUrl } from "./url_policy.ts";
 *
 * console.log(checkUrl("https://radio.example/live.m3u8").protocolWhitelist);
 * // "http,https,tcp,tls,crypto"
 * ```
 *
 * @param url The URL.
 * @param optIn Extra schemes the caller allows.
 * @throws {InvalidParamsError} for anything that is not an allowed absolute URL.
 */
export function checkUrl(
  url: string,
  optIn: readonly OptInProtocol[] = [],
): CheckedUrl {
  if (typeof url !== "string" || url.length === 0) {
    throw new InvalidParamsError("The URL must be a non-empty string");
  }
  // Control characters would end an HTTP request line early.
  // deno-lint-ignore no-control-regex
  if (/[\0-\x1f]/.test(url)) {
    throw new InvalidParamsError("The URL contains control characters");
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidParamsError(`Not an absolute URL: ${url}`);
  }
  const scheme = parsed.protocol.slice(0, -1).toLowerCase();
  const allowed = scheme === "http" || scheme === "https" ||
    (optIn as readonly string[]).includes(scheme);
  if (!allowed || !UNDERLYING[scheme]) {
    throw new InvalidParamsError(
      `Refusing URL scheme "${scheme}:" — fromUrl accepts http: and https:` +
        (UNDERLYING[scheme]
          ? `; pass allowProtocols: ["${scheme}"] to opt in`
          : ""),
    );
  }
  // `new URL` accepts "http:foo"; ffmpeg would not find a host there.
  if (
    !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ||
    (scheme !== "file" && parsed.host === "")
  ) {
    throw new InvalidParamsError(`The URL has no host: ${url}`);
  }
  return {
    url,
    parsed,
    scheme,
    protocolWhitelist: UNDERLYING[scheme].join(","),
  };
}
