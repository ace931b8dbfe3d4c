/**
 * Fuzz target: the URL policy of `fromUrl` (`checkUrl`), which stands
 * between a chat member's text and ffmpeg's many protocols. The oracle
 * checks the policy, not only the absence of crashes: an accepted URL has
 * an allowed scheme, no control characters and a host (unless `file:`),
 * ffmpeg's protocol whitelist never widens past that scheme's own, and
 * the URL reaches ffmpeg as one argv element right after `-i`.
 *
 * @module
 */

import { checkUrl, type OptInProtocol } from "../src/source/url_policy.ts";
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

function checkPolicy(url: string, optIn: OptInProtocol[]): void {
  const checked = checkUrl(url, optIn);
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
    : undefined;
  if (broken) {
    throw new Error(`checkUrl accepted ${broken}: ${JSON.stringify(url)}`);
  }
  const source = sourceRecipe(fromUrl(url, { allowProtocols: optIn }));
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
  drives: "checkUrl (default and every opt-in), fromUrl().legs()",
  seeds: () => URLS,
  generate: (rng, seeds) =>
    rng.chance(0.9)
      ? mutateText(rng, rng.pick(seeds), seeds, TOKENS, 4096)
      : randomText(rng, TOKENS),
  run(input) {
    runEach(
      () => checkPolicy(input, []),
      () => checkPolicy(input, ALL_OPT_INS),
    );
  },
};
