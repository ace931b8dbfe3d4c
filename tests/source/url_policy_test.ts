/**
 * fromUrl's URL policy: only http(s) unless the caller opts in, and ffmpeg
 * gets a matching whitelist; internal hosts only when the caller opts in
 * (issue #13).
 */
import assert from "node:assert/strict";
import { InvalidParamsError } from "../../src/errors.ts";
import { sourceRecipe } from "../../src/source/sources.ts";
import { fromUrl } from "../../src/source/url_source.ts";
import { internalHostKind } from "../../src/source/internal_host.ts";
import { checkUrl, type OptInProtocol } from "../../src/source/url_policy.ts";
import { test } from "../_support/harness.ts";

test("url policy: ffmpeg's local and wrapping protocols are refused by default", () => {
  for (
    const url of [
      "file:///etc/passwd",
      "FILE:///etc/passwd",
      "concat:/etc/passwd|/etc/hosts",
      "subfile:,,start,0,end,0,,:/etc/passwd",
      "data:audio/mp3;base64,AAAA",
      "pipe:0",
      "fd:3",
      "async:http://x/a.mp3",
      "hls+http://x/a.m3u8",
      "tee:x",
      "rtmp://example.com/live/key",
      "rtsp://camera.local/live",
      "srt://ingest:9000",
      "gopher://x/",
      "/etc/passwd",
      "-i",
      "",
      "http:relative",
      "http://x/\r\nInjected: 1",
    ]
  ) {
    assert.throws(() => fromUrl(url), InvalidParamsError, url);
  }
});

test("url policy: http and https are accepted with a whitelist that excludes file", () => {
  for (
    const url of [
      "http://radio.example/live.mp3",
      "https://cdn.example/hls/index.m3u8?token=x",
    ]
  ) {
    const [leg] = sourceRecipe(fromUrl(url)).legs(0);
    const wl = leg.args[leg.args.indexOf("-protocol_whitelist") + 1];
    assert.equal(wl, "http,https,tcp,tls,crypto");
    assert.ok(!wl.split(",").includes("file"));
    assert.equal(leg.args[leg.args.indexOf("-i") + 1], url);
    for (
      const flag of [
        "-user_agent",
        "-reconnect",
        "-reconnect_streamed",
        "-reconnect_delay_max",
        "-rw_timeout",
      ]
    ) {
      assert.ok(leg.args.indexOf(flag) < leg.args.indexOf("-i"), flag);
    }
  }
  // Network pace: half a second of jitter slack before playout starts.
  assert.equal(
    sourceRecipe(fromUrl("https://radio.example/live")).startupMs,
    500,
  );
  const hls =
    sourceRecipe(fromUrl("https://cdn.example/hls/index.m3u8")).legs(0)[0].args;
  assert.equal(hls[hls.indexOf("-http_persistent") + 1], "1");
});

test("url policy: rtmp, rtsp, srt and file only when the caller opts in", () => {
  assert.equal(
    checkUrl("rtmp://ingest/live/k", ["rtmp"]).protocolWhitelist,
    "rtmp,tcp",
  );
  assert.equal(checkUrl("rtsp://cam/live", ["rtsp"]).scheme, "rtsp");
  assert.equal(
    checkUrl("srt://h:9000?mode=caller", ["srt"]).protocolWhitelist,
    "srt,udp",
  );
  assert.equal(
    checkUrl("file:///music/a.mp3", ["file"]).protocolWhitelist,
    "file",
  );
  // Opting in to one scheme does not open the others.
  assert.throws(
    () => checkUrl("file:///etc/passwd", ["rtmp"]),
    InvalidParamsError,
  );
  assert.throws(() => checkUrl("concat:a|b", ["file"]), InvalidParamsError);
  assert.throws(
    () => fromUrl("rtsp://cam/live"),
    (e: unknown) =>
      e instanceof InvalidParamsError && /allowProtocols/.test(e.message),
  );
});

/** Refused by default, in every spelling `new URL` or ffmpeg reads. */
const INTERNAL: readonly [url: string, optIn?: OptInProtocol][] = [
  ["http://127.0.0.1/a.mp3"],
  ["https://user:pw@127.0.0.1:8443/"],
  ["http://127.1/"],
  ["http://2130706433/"],
  ["http://0x7f.1/"],
  ["http://0x7f000001/"],
  ["http://0177.0.0.1/"],
  ["http://017700000001/"],
  ["http://127.0.0.1./"],
  ["http://0/"],
  ["http://0.0.0.0:8080/"],
  ["http://10.0.0.5/"],
  ["http://172.16.0.1/"],
  ["http://172.31.255.255/"],
  ["http://192.168.1.1/"],
  ["http://169.254.169.254/latest/meta-data/"],
  ["http://100.100.100.200/latest/meta-data/"],
  ["http://[::1]:8080/"],
  ["http://[0:0:0:0:0:0:0:1]/"],
  ["http://[::]/"],
  ["http://[::ffff:127.0.0.1]/"],
  ["http://[::ffff:a9fe:a9fe]/"],
  ["http://[64:ff9b::10.0.0.1]/"],
  ["http://[fe80::1]/"],
  ["http://[febf::1]/"],
  ["http://[fc00::1]/"],
  ["http://[fd00:ec2::254]/"],
  ["http://localhost:8000/"],
  ["http://LOCALHOST./"],
  ["http://a.b.localhost/"],
  ["http://%6cocalhost/"],
  // ffmpeg's av_url_split reads these hosts as 127.0.0.1 (the first
  // measured with ffmpeg 5.1; the second is how FFmpeg before 4.3 reads it).
  ["http://radio.example\\@127.0.0.1/"],
  ["http://radio.example#@127.0.0.1/"],
  // Non-special schemes keep the host as written; getaddrinfo reads it.
  ["rtmp://2130706433/live/key", "rtmp"],
  ["rtmp://0x7f.1/live/key", "rtmp"],
  ["rtmp://LOCALHOST/live/key", "rtmp"],
  ["rtmps://10.1.2.3/live/key", "rtmps"],
  ["rtsp://[::1]/cam", "rtsp"],
  ["rtsps://[::ffff:192.168.0.9]/cam", "rtsps"],
  ["srt://127.1:9000?mode=caller", "srt"],
];

/** Public addresses and names, including near misses of the ranges above. */
const PUBLIC = [
  "http://radio.example/live.mp3",
  "http://127.0.0.1.example/",
  "http://localhost.example/",
  "http://8.8.8.8/",
  "http://11.0.0.1/",
  "http://172.15.255.255/",
  "http://172.32.0.1/",
  "http://192.169.0.1/",
  "http://169.253.0.1/",
  "http://100.63.255.255/",
  "http://100.128.0.1/",
  "http://[2001:db8::1]/",
  "http://[::ffff:8.8.8.8]/",
  "http://[fe7f::1]/",
  "http://[fe00::1]/",
  "https://user@radio.example/a?next=http://127.0.0.1/",
  "http://radio.example/a#@127.0.0.1",
];

test("url policy: internal hosts are refused by default, in any spelling, with the opt-in named", () => {
  for (const [url, scheme] of INTERNAL) {
    const optIn = scheme ? [scheme] : [];
    assert.throws(
      () => checkUrl(url, optIn),
      (e: unknown) =>
        e instanceof InvalidParamsError && e.code === "INVALID_PARAMS" &&
        /allowInternalHosts: true/.test(e.message),
      url,
    );
    assert.throws(
      () => fromUrl(url, { allowProtocols: optIn }),
      InvalidParamsError,
      url,
    );
    // The opt-in accepts it, and ffmpeg gets the URL as given.
    const checked = checkUrl(url, optIn, { allowInternalHosts: true });
    assert.equal(checked.url, url);
    const source = fromUrl(url, {
      allowProtocols: optIn,
      allowInternalHosts: true,
    });
    const [leg] = sourceRecipe(source).legs(0);
    assert.equal(leg.args[leg.args.indexOf("-i") + 1], url);
  }
});

test("url policy: public hosts, and internal ones only in the path or query, are accepted", () => {
  for (const url of PUBLIC) {
    assert.equal(checkUrl(url).url, url, url);
  }
  // A file: URL's host is not a server: the file opt-in governs it.
  for (const url of ["file:///music/a.mp3", "file://localhost/music/a.mp3"]) {
    assert.equal(checkUrl(url, ["file"]).scheme, "file");
  }
});

test("url policy: what `new URL` makes of numeric hosts, on this runtime", () => {
  // The WHATWG parser canonicalizes http(s) hosts before the check sees
  // them; other schemes keep theirs opaque, so the policy parses those.
  const host = (url: string) => new URL(url).hostname;
  assert.equal(host("http://2130706433/"), "127.0.0.1");
  assert.equal(host("http://0x7f.1/"), "127.0.0.1");
  assert.equal(host("http://0177.0.0.1/"), "127.0.0.1");
  assert.equal(host("http://[::ffff:127.0.0.1]/"), "[::ffff:7f00:1]");
  assert.equal(host("http://%6cocalhost/"), "localhost");
  assert.equal(host("rtmp://0x7f.1/x"), "0x7f.1");
  assert.equal(host("rtmp://[::ffff:127.0.0.1]/x"), "[::ffff:7f00:1]");
});

test("url policy: internalHostKind names the kind of range", () => {
  const kinds: [string, string | undefined][] = [
    ["127.0.0.1", "loopback"],
    ["localhost", "loopback"],
    ["[::1]", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["[::]", "unspecified"],
    ["169.254.169.254", "link-local"],
    ["[fe80::1%25eth0]", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["10.1.1.1", "private"],
    ["[fd12:3456::1]", "private"],
    ["100.64.0.1", "shared"],
    ["[::ffff:192.168.1.1]", "private"],
    ["radio.example", undefined],
    ["1.2.3.4.5", undefined],
    ["256.0.0.1", undefined],
    ["0x100000000", undefined],
    ["09.1", undefined],
    ["[1::2::3]", undefined],
    ["[::1.2.3.4::]", undefined],
    ["", undefined],
  ];
  for (const [host, kind] of kinds) {
    assert.equal(internalHostKind(host), kind, host);
  }
});
