/** fromUrl's scheme policy: only http(s) unless the caller opts in, and ffmpeg gets a matching whitelist. */
import assert from "node:assert/strict";
import { InvalidParamsError } from "../../src/errors.ts";
import { sourceRecipe } from "../../src/source/sources.ts";
import { fromUrl } from "../../src/source/url_source.ts";
import { checkUrl } from "../../src/source/url_policy.ts";
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
