/**
 * Fuzz target: the URL policy of `fromUrl` (`checkUrl`), which stands
 * between a chat member's text and ffmpeg's many protocols. The oracle
 * checks the policy, not only the absence of crashes: an accepted URL has
 * an allowed scheme, no control characters and a host (unless `file:`),
 * ffmpeg's protocol whitelist never widens past that scheme's own, the
 * URL reaches ffmpeg as one argv element right after `-i`, and unless
 * internal hosts are allowed, none of the common spellings of one got
 * through (a regex on the canonical host, independent of the policy's
 * own address parser).
 *
 * @module
 */

import {
  checkUrl,
  type OptInProtocol,
  type UrlHostPolicy,
} from "../src/source/url_policy.ts";
import { sourceRecipe } from "../src/source/sources.ts";
import { fromUrl } from "../src/source/url_source.ts";
import { mutateText, randomText } from "./mutate.ts";
import { type FuzzTarget, runEach } from "./runner.ts";

const URLS = [
  "https://radio.example/live.m3u8",
  "http://[::1]:8080/a.mp3?x=1#y",
  "https://user:pw@cdn.example:443/path/a%20b.mp4",
  "rtmp://live.example/app/key",
  "rtsps://cam.example/stream",
  "srt://1.2.3.4:9000?mode=caller",
  "file:///home/bot/song.mp3",
  "http://169.254.169.254/latest/meta-data/",
  "rtmp://0x7f.1/live/key",
  "HTTPS://EXAMPLE.COM/",
  "http:example.com",
  "concat:a.mp3|b.mp3",
  "data:audio/mp3;base64,AAAA",
];

const TOKENS = [
  "http://",
  "https://",
  "HtTp://",
  "file:",
  "file:///etc/passwd",
  "concat:",
  "subfile:",
  "data:",
  "pipe:0",
  "rtmp://",
  "javascript:",
  "://",
  "//",
  "@",
  ":",
  "%",
  "%00",
  "%0d%0a",
  "\r\n",
  "\0",
  "\t",
  " ",
  "[::1]",
  "127.0.0.1",
  "0x7f.1",
  "2130706433",
  "0177.0.0.1",
  "169.254.169.254",
  "10.0.0.1",
  "[::ffff:127.0.0.1]",
  "[fe80::1]",
  "localhost",
  ".localhost",
  "\\@127.0.0.1",
  "xn--",
  "?",
  "#",
  "\\",
  ".m3u8",
  "|",
];

const ALL_OPT_INS: OptInProtocol[] = [
  "rtmp",
  "rtmps",
  "rtsp",
  "rtsps",
  "srt",
  "file",
];

// deno-lint-ignore no-control-regex
const CONTROL = /[\0-\x1f]/;

const BYTE = "(0|[1-9]\\d{0,2})";
const DOTTED_QUAD = new RegExp(`^${BYTE}\\.${BYTE}\\.${BYTE}\\.${BYTE}$`);
/** Canonical IPv6 loopback, link-local, unique local and mapped IPv4. */
const INTERNAL_IPV6 =
  /^\[(::1?|fe[89ab][0-9a-f]:.*|f[cd][0-9a-f]{2}:.*|::ffff:(7f[0-9a-f]{2}|a[0-9a-f]{2}|a9fe|c0a8):.*)\]$/;

/**
 * The oracle's own idea of an internal host, for the canonical spellings
 * only (dotted decimal, WHATWG's IPv6 form, localhost names).
 */
function looksInternal(hostname: string): boolean {
  const host = hostname.toLowerCase();
  const quad = DOTTED_QUAD.exec(host);
  if (quad && quad.slice(1).every((b) => Number(b) <= 255)) {
    const [a, b] = [Number(quad[1]), Number(quad[2])];
    return a === 0 || a === 127 || a === 10 || (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168);
  }
  return INTERNAL_IPV6.test(host) || /(^|\.)localhost\.?$/.test(host);
}

function checkPolicy(
  url: string,
  optIn: OptInProtocol[],
  hosts: UrlHostPolicy = {},
): void {
  const checked = checkUrl(url, optIn, hosts);
  const allowed = ["http", "https", ...optIn];
  const broken = !allowed.includes(checked.scheme)
    ? "a refused scheme"
    : CONTROL.test(url)
    ? "control characters"
    : checked.scheme !== "file" && checked.parsed.host === ""
    ? "no host"
    : checked.protocolWhitelist.split(",").includes("file") &&
        checked.scheme !== "file"
    ? "file: in the whitelist"
    : !hosts.allowInternalHosts && checked.scheme !== "file" &&
        looksInternal(checked.parsed.hostname)
    ? "an internal host"
    : undefined;
  if (broken) {
    throw new Error(`checkUrl accepted ${broken}: ${JSON.stringify(url)}`);
  }
  const source = sourceRecipe(
    fromUrl(url, { allowProtocols: optIn, ...hosts }),
  );
  for (const leg of source.legs(0)) {
    const at = leg.args.indexOf("-i");
    if (leg.args[at + 1] !== url) {
      throw new Error(`fromUrl did not pass the URL as one argument after -i`);
    }
  }
}

/** The url_policy target. */
export const urlPolicyTarget: FuzzTarget<string> = {
  name: "url_policy",
  drives:
    "checkUrl (default, every scheme opt-in, internal hosts), fromUrl().legs()",
  seeds: () => URLS,
  generate: (rng, seeds) =>
    rng.chance(0.9)
      ? mutateText(rng, rng.pick(seeds), seeds, TOKENS, 4096)
      : randomText(rng, TOKENS),
  run(input) {
    runEach(
      () => checkPolicy(input, []),
      () => checkPolicy(input, ALL_OPT_INS),
      () => checkPolicy(input, ALL_OPT_INS, { allowInternalHosts: true }),
    );
  },
};
