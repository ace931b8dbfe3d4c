/**
 * RTMP push against a local ffmpeg RTMP receiver: what arrives must be
 * H.264 + AAC that ffmpeg decodes, for the expected duration; pause/resume
 * re-spawns at the offset; no ffmpeg remains.
 */
import assert from "node:assert/strict";
import { checkRtmpUrl, RtmpPush } from "../../src/call/rtmp_push.ts";
import { InvalidParamsError, type TgCallError } from "../../src/errors.ts";
import { spawn } from "../../src/runtime/subprocess.ts";
import { fromFile } from "../../src/source/file_source.ts";
import { sourceRecipe } from "../../src/source/sources.ts";
import { Track } from "../../src/source/track.ts";
import { test } from "../_support/harness.ts";
import {
  countDecodedFrames,
  decodeStrict,
  makeAvFile,
  probeDuration,
  processAlive,
  run,
  tempDir,
} from "../_support/media.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A one-shot local RTMP server: ffmpeg listening on `url`, then `output`. */
function startRtmpReceiver(url: string, output: string[]) {
  return spawn("ffmpeg", {
    args: [
      "-nostdin",
      "-loglevel",
      "error",
      "-listen",
      "1",
      "-timeout",
      "15",
      "-i",
      url,
      ...output,
    ],
    stdout: "null",
  });
}

test("rtmp push: a local receiver gets H.264 + AAC that decodes, and a resume continues from the paused offset", async () => {
  const tmp = tempDir();
  const port = 19000 + Math.floor(Math.random() * 900);
  const url = `rtmp://127.0.0.1:${port}/live/key`;
  const receiver = await startRtmpReceiver(url, [
    "-c",
    "copy",
    "-f",
    "flv",
    "-y",
    tmp.path("out.flv"),
  ]);
  try {
    await makeAvFile(tmp.path("av.mp4"), 3, { size: "320x240" });
    await sleep(700); // the receiver needs a moment to listen
    const ends: (TgCallError | undefined)[] = [];
    const push = new RtmpPush({
      url,
      source: sourceRecipe(fromFile(tmp.path("av.mp4"), {
        tracks: Track.Video,
        videoWidth: 320,
        videoHeight: 240,
      })),
      onEnd: (e) => ends.push(e),
    });
    await push.start();
    await sleep(1200);
    const firstPid = push.pid!;
    assert.equal(await push.pause(), true);
    assert.ok(!processAlive(firstPid), "paused ffmpeg is gone");
    const pausedAt = push.time();
    assert.ok(pausedAt >= 1000 && pausedAt < 1600, `paused at ${pausedAt}`);
    // The first receiver exits with its publisher; a second one on the same
    // port gets the resumed push, which starts at the paused offset.
    const status = await receiver.exited;
    assert.equal(status.code, 0, receiver.stderrTail());
    const receiver2 = await startRtmpReceiver(url, [
      "-c",
      "copy",
      "-f",
      "flv",
      "-y",
      tmp.path("out2.flv"),
    ]);
    try {
      await sleep(700);
      assert.equal(await push.resume(), true);
      const deadline = Date.now() + 10_000;
      while (ends.length === 0 && Date.now() < deadline) await sleep(50);
      assert.deepEqual(
        ends,
        [undefined],
        "one natural end after the resumed push",
      );
      assert.equal((await receiver2.exited).code, 0);
    } finally {
      await receiver2.stop(1000);
    }
    const rest = await probeDuration(tmp.path("out2.flv"));
    assert.ok(
      Math.abs(rest - (3 - pausedAt / 1000)) < 0.4,
      `resumed push lasted ${rest} s after pausing at ${pausedAt} ms`,
    );
    await push.stop();
    const streams = await run("ffprobe", [
      "-v",
      "error",
      "-show_entries",
      "stream=codec_name,codec_type",
      "-of",
      "csv=p=0",
      tmp.path("out.flv"),
    ]);
    assert.match(streams, /h264,video/);
    assert.match(streams, /aac,audio/);
    const video = await countDecodedFrames(tmp.path("out.flv"), "v:0");
    const audio = await countDecodedFrames(tmp.path("out.flv"), "a:0");
    // ~1.2 s pushed at real time: ~36 video frames, ~52 AAC frames (1024 samples @ 44.1 kHz).
    assert.ok(video >= 20 && video <= 50, `${video} video frames decoded`);
    assert.ok(audio >= 30, `${audio} audio frames decoded`);
    await decodeStrict(tmp.path("out.flv"));
  } finally {
    await receiver.stop(1000);
    tmp.cleanup();
  }
});

test("rtmp push: plays to the end once and reports it once", async () => {
  const tmp = tempDir();
  const port = 19000 + Math.floor(Math.random() * 900);
  const url = `rtmp://127.0.0.1:${port}/live/key`;
  const receiver = await startRtmpReceiver(url, ["-f", "null", "-"]);
  try {
    await makeAvFile(tmp.path("av.mp4"), 1, { size: "160x120" });
    await sleep(700);
    const ends: (TgCallError | undefined)[] = [];
    const push = new RtmpPush({
      url,
      source: sourceRecipe(fromFile(tmp.path("av.mp4"), {
        tracks: Track.Video,
        videoWidth: 160,
        videoHeight: 120,
      })),
      onEnd: (e) => ends.push(e),
    });
    await push.start();
    const deadline = Date.now() + 10_000;
    while (ends.length === 0 && Date.now() < deadline) await sleep(50);
    assert.deepEqual(ends, [undefined]);
    assert.ok(push.time() >= 900, `time ${push.time()}`);
    await push.stop();
    assert.equal((await receiver.exited).code, 0);
  } finally {
    await receiver.stop(1000);
    tmp.cleanup();
  }
});

test("rtmp push: only rtmp:// and rtmps:// URLs", () => {
  assert.equal(
    checkRtmpUrl("rtmps://dc4-1.rtmp.t.me/s/123:abc"),
    "rtmps://dc4-1.rtmp.t.me/s/123:abc",
  );
  for (
    const bad of ["http://x/live", "file:///tmp/x.flv", "rtmp:/nohost", "x"]
  ) {
    assert.throws(() => checkRtmpUrl(bad), InvalidParamsError, bad);
  }
});
