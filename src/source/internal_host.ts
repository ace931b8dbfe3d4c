/**
 * Whether a URL's literal host names this machine or its private network:
 * loopback, unspecified, link-local (where clouds serve instance metadata,
 * 169.254.169.254), private (RFC 1918, RFC 4193) and shared (RFC 6598)
 * addresses, and the `localhost` names (RFC 6761 §6.3). A chat member who
 * can make the bot fetch such a URL reaches services that trust the bot's
 * host (server-side request forgery).
 *
 * Only literals are judged. A DNS name that resolves to an internal address
 * passes: ffmpeg resolves names itself, after this check, so a check here
 * could be raced by the DNS answer anyway.
 *
 * Two readings of the URL are judged, because a disagreement between URL
 * parsers is a known way around host checks: the WHATWG one (`new URL`,
 * which already turns `0x7f.1` and `2130706433` into `127.0.0.1` for
 * `http:`/`https:`), and ffmpeg's own `av_url_split`, which ends the
 * authority at `/`, `?` or `#` only (so `http://a.example\@127.0.0.1/` is
 * `a.example` to WHATWG and `127.0.0.1` to ffmpeg) and keeps the host of
 * `rtmp:`, `rtsp:` and `srt:` URLs as written, to be read by
 * `getaddrinfo` in the same loose `inet_aton` forms.
 *
 * @module
 */

/** What kind of internal host a URL names, for the error message. */
export type InternalHostKind =
  | "loopback"
  | "unspecified"
  | "link-local"
  | "private"
  | "shared";

/**
 * The kind of internal host `host` is, or `undefined` for anything else
 * (public addresses and DNS names). `host` is a URL host: an IPv6 literal
 * may keep its brackets and a zone (`%eth0`), an IPv4 literal may use any
 * form `inet_aton` reads (`127.1`, `0x7f.0.0.1`, `017700000001`).
 *
 * @example
 * ```ts
 * import { internalHostKind } from "./internal_host.ts";
 *
 * console.log(internalHostKind("169.254.169.254")); // "link-local"
 * console.log(internalHostKind("[::ffff:7f00:1]")); // "loopback"
 * console.log(internalHostKind("radio.example")); // undefined
 * ```
 */
export function internalHostKind(host: string): InternalHostKind | undefined {
  let name = host.toLowerCase();
  if (name.startsWith("[")) {
    const end = name.indexOf("]");
    name = name.slice(1, end < 0 ? undefined : end);
  }
  if (name.includes(":")) {
    const groups = parseIpv6(name);
    return groups ? ipv6Kind(groups) : undefined;
  }
  // `getaddrinfo` may ignore what follows an address (older glibc, other
  // libcs); "localhost." is the same name as "localhost".
  name = name.replace(/\s.*$/s, "").replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return "loopback";
  const ipv4 = parseIpv4(name);
  return ipv4 === undefined ? undefined : ipv4Kind(ipv4);
}

/**
 * The host ffmpeg's `av_url_split` finds in `url`: after `scheme:` and up
 * to two slashes, the authority ends at the first `/`, `?` or `#`; the
 * user info ends at its last `@`; a bracketed host ends at `]`, any other
 * at `:`. FFmpeg before 4.3 did not end the authority at `#`, so both
 * readings are returned.
 */
export function ffmpegUrlHosts(url: string): string[] {
  const colon = url.indexOf(":");
  if (colon < 0) return [];
  let start = colon + 1;
  if (url[start] === "/") start++;
  if (url[start] === "/") start++;
  const rest = url.slice(start);
  return [/[/?#]/, /[/?]/].map((stops) => {
    const end = rest.search(stops);
    const authority = end < 0 ? rest : rest.slice(0, end);
    const host = authority.slice(authority.lastIndexOf("@") + 1);
    const bracket = host.indexOf("]");
    if (host.startsWith("[") && bracket > 0) return host.slice(0, bracket + 1);
    const port = host.indexOf(":");
    return port < 0 ? host : host.slice(0, port);
  });
}

/**
 * An IPv4 address written as `inet_aton` and the WHATWG URL parser read
 * it: one to four parts, each decimal, octal (leading `0`) or hex (`0x`);
 * the last part fills the remaining bytes. `undefined` when not an address.
 */
function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length > 4 || text === "") return undefined;
  let value = 0;
  for (let i = 0; i < parts.length; i++) {
    const n = ipv4Number(parts[i]);
    const last = i === parts.length - 1;
    const limit = last ? 256 ** (5 - parts.length) : 256;
    if (n === undefined || n >= limit) return undefined;
    value = last ? value * limit + n : value * 256 + n;
  }
  return value;
}

function ipv4Number(part: string): number | undefined {
  if (/^0x[0-9a-f]*$/.test(part)) {
    return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  }
  if (/^0[0-7]*$/.test(part)) return parseInt(part, 8);
  if (/^[1-9][0-9]*$/.test(part)) return Number(part);
  return undefined;
}

/** RFC 6890's special-purpose IPv4 blocks that reach this host or its LAN. */
function ipv4Kind(a: number): InternalHostKind | undefined {
  const top = Math.floor(a / 2 ** 24);
  const second = Math.floor(a / 2 ** 16) % 256;
  // 0.0.0.0/8 "this network": Linux connects 0.0.0.0 to this host.
  if (top === 0) return "unspecified";
  if (top === 127) return "loopback";
  if (top === 169 && second === 254) return "link-local";
  if (top === 10) return "private";
  if (top === 172 && second >= 16 && second < 32) return "private";
  if (top === 192 && second === 168) return "private";
  // 100.64.0.0/10, carrier-grade NAT; also where Alibaba Cloud serves
  // instance metadata (100.100.100.200).
  if (top === 100 && second >= 64 && second < 128) return "shared";
  return undefined;
}

/** Eight 16-bit groups, or `undefined` when `text` is not an IPv6 address. */
function parseIpv6(text: string): number[] | undefined {
  const zone = text.indexOf("%");
  const address = zone < 0 ? text : text.slice(0, zone);
  const halves = address.split("::");
  // A dotted IPv4 part may only end the address.
  if (halves.length > 2 || (halves.length === 2 && halves[0].includes("."))) {
    return undefined;
  }
  const groups = halves.map((half) => half === "" ? [] : ipv6Groups(half));
  if (groups.some((g) => g === undefined)) return undefined;
  const [head, tail = []] = groups as number[][];
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const gap = 8 - head.length - tail.length;
  return gap >= 1 ? [...head, ...new Array(gap).fill(0), ...tail] : undefined;
}

function ipv6Groups(half: string): number[] | undefined {
  const out: number[] = [];
  const pieces = half.split(":");
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i];
    if (/^[0-9a-f]{1,4}$/.test(piece)) out.push(parseInt(piece, 16));
    else if (i === pieces.length - 1 && /^\d+(\.\d+){3}$/.test(piece)) {
      // A dotted IPv4 tail (::ffff:127.0.0.1): four decimal bytes only.
      const bytes = piece.split(".").map(Number);
      if (bytes.some((b) => b > 255)) return undefined;
      out.push(bytes[0] * 256 + bytes[1], bytes[2] * 256 + bytes[3]);
    } else return undefined;
  }
  return out;
}

/** RFC 4291 §2.5 and RFC 6890's IPv6 blocks that reach this host or its LAN. */
function ipv6Kind(g: readonly number[]): InternalHostKind | undefined {
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(8)) return "unspecified";
  if (zeros(7) && g[7] === 1) return "loopback";
  if ((g[0] & 0xffc0) === 0xfe80) return "link-local";
  // fec0::/10, the deprecated site-local block (RFC 3879), is still private.
  if ((g[0] & 0xffc0) === 0xfec0) return "private";
  if ((g[0] & 0xfe00) === 0xfc00) return "private";
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d, deprecated)
  // and NAT64 (64:ff9b::a.b.c.d) addresses carry an IPv4 address.
  const embedsIpv4 = (zeros(5) && g[5] === 0xffff) || zeros(6) ||
    (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0));
  return embedsIpv4 ? ipv4Kind(g[6] * 65536 + g[7]) : undefined;
}
