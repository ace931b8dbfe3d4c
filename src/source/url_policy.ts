/**
 * Which URLs `fromUrl` may hand to ffmpeg. Bots pass URLs typed by chat
 * members straight through, and ffmpeg understands far more than HTTP:
 * `file:` reads local files, `concat:`/`subfile:` wrap them, `data:` and
 * `pipe:` read inline bytes or descriptors. So by default only `http:` and
 * `https:` are accepted, and ffmpeg gets a matching `-protocol_whitelist`
 * so that a playlist cannot reach beyond that set either (an HLS playlist
 * naming `file:///etc/passwd` as a segment is refused by ffmpeg itself).
 *
 * Hosts follow the same pattern: by default a URL whose literal host is
 * internal (loopback, link-local, private, `localhost`; see
 * `internal_host.ts`) is refused, and a bot that streams from its own
 * network opts in with `allowInternalHosts`.
 *
 * @module
 */

import { InvalidParamsError } from "../errors.ts";
import { ffmpegUrlHosts, internalHostKind } from "./internal_host.ts";

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

/** Host rules of {@linkcode checkUrl}. */
export interface UrlHostPolicy {
  /**
   * Accept URLs whose literal host is internal: loopback (`127.0.0.0/8`,
   * `::1`, `localhost`, `*.localhost`), unspecified (`0.0.0.0/8`, `::`),
   * link-local (`169.254.0.0/16`, where clouds serve instance metadata, and
   * `fe80::/10`), private (`10/8`, `172.16/12`, `192.168/16`, `fc00::/7`)
   * or shared (`100.64/10`), in any form ffmpeg or `new URL` reads (e.g.
   * `http://2130706433/`, `http://0x7f.1/`, `http://[::ffff:127.0.0.1]/`).
   * Default `false`: URLs come from chat members.
   *
   * Only the literal host is checked. A DNS name that resolves to an
   * internal address is not caught (ffmpeg resolves names itself), nor is
   * an HTTP redirect or an HLS playlist entry that points inside.
   */
  allowInternalHosts?: boolean;
}

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
 * @param hosts Host rules; by default internal hosts are refused.
 * @throws {InvalidParamsError} for anything that is not an allowed absolute
 * URL, or whose host is internal unless `hosts.allowInternalHosts`.
 */
export function checkUrl(
  url: string,
  optIn: readonly OptInProtocol[] = [],
  hosts: UrlHostPolicy = {},
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
  // A file: URL's host (file://localhost/…) names no server to protect.
  if (!hosts.allowInternalHosts && scheme !== "file") {
    for (const host of [parsed.hostname, ...ffmpegUrlHosts(url)]) {
      const kind = internalHostKind(host);
      if (kind) {
        throw new InvalidParamsError(
          `Refusing URL host "${host}" (${kind}): fromUrl refuses ` +
            `internal hosts; pass allowInternalHosts: true to opt in`,
        );
      }
    }
  }
  return {
    url,
    parsed,
    scheme,
    protocolWhitelist: UNDERLYING[scheme].join(","),
  };
}
