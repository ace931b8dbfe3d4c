/**
 * fromUrl against a local HTTP server: an HLS playlist with HTTP segments
 * plays; the same playlist pointing its segment at a local file (which
 * would play if read) yields nothing, because ffmpeg got a protocol
 * whitelist without `file`.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { OpusFrame } from "../../src/media/ogg_reader.ts";
import type { LegEnd } from "../../src/source/ffmpeg_leg.ts";
import { sourceRecipe } from "../../src/source/sources.ts";
import { fromUrl } from "../../src/source/url_source.ts";
import { test } from "../_support/harness.ts";
import { processAlive, renderLavfi, tempDir } from "../_support/media.ts";

async function serve(
  routes: Record<string, () => Uint8Array | string>,
): Promise<{ server: Server; base: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? "");
    const route = routes[(req.url ?? "").split("?")[0]];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    const body = route();
    res.writeHead(200, {
      "content-length": String(
        typeof body === "string" ? Buffer.byteLength(body) : body.length,
      ),
      connection: "close",
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}`, hits };
}

async function play(
  url: string,
): Promise<{ frames: OpusFrame[]; end: LegEnd }> {
  const frames: OpusFrame[] = [];
  // The server is on loopback, an internal host (issue #13).
  const source = fromUrl(url, { allowInternalHosts: true });
  const opened = await sourceRecipe(source).open({
    onAudio: (f) => (frames.push(...f), false),
  });
  const end = await opened.audio!.ended;
  assert.ok(!processAlive(opened.audio!.pid));
  return { frames, end };
}

function playlist(segment: string): string {
  return [
    "#EXTM3U",
    "#EXT-X-VERSION:3",
    "#EXT-X-TARGETDURATION:2",
    "#EXT-X-MEDIA-SEQUENCE:0",
    "#EXTINF:2.0,",
    segment,
    "#EXT-X-ENDLIST",
    "",
  ].join("\n");
}

test("fromUrl: HLS over HTTP plays; a playlist whose segment is a local file reads nothing", async () => {
  const tmp = tempDir();
  const segmentPath = tmp.path("seg.ts");
  await renderLavfi(segmentPath, ["sine=frequency=440:duration=2"], [
    "-c:a",
    "aac",
    "-f",
    "mpegts",
  ]);
  const segment = new Uint8Array(readFileSync(segmentPath));
  let base = "";
  const { server, base: b, hits } = await serve({
    "/ok.m3u8": () => playlist(`${base}/seg.ts`),
    "/evil.m3u8": () => playlist(`file://${segmentPath}`),
    "/seg.ts": () => segment,
  });
  base = b;
  try {
    const ok = await play(`${base}/ok.m3u8`);
    assert.equal(ok.end.error, undefined);
    assert.ok(
      Math.abs(ok.frames.length - 100) <= 3,
      `${ok.frames.length} frames from HTTP HLS`,
    );
    assert.ok(hits.includes("/seg.ts"));

    const evil = await play(`${base}/evil.m3u8`);
    assert.equal(evil.frames.length, 0, "the local file was read");
    assert.ok(evil.end.error, "a refused segment is reported");
    assert.match(evil.end.error.message, /file|whitelist|Invalid|No playable/i);
  } finally {
    await new Promise((r) => server.close(r));
    tmp.cleanup();
  }
});

test("fromUrl: a plain HTTP file plays to a natural end", async () => {
  const tmp = tempDir();
  await renderLavfi(tmp.path("a.mp3"), ["sine=frequency=440:duration=1"], [
    "-c:a",
    "libmp3lame",
  ]);
  const mp3 = new Uint8Array(readFileSync(tmp.path("a.mp3")));
  const { server, base } = await serve({ "/a.mp3": () => mp3 });
  try {
    const { frames, end } = await play(`${base}/a.mp3`);
    assert.equal(end.error, undefined);
    assert.ok(Math.abs(frames.length - 50) <= 3, `${frames.length} frames`);
  } finally {
    await new Promise((r) => server.close(r));
    tmp.cleanup();
  }
});
