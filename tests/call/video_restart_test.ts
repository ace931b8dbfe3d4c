/**
 * Keyframes on demand from a file: `requestKeyframe` restarts the video
 * leg at the played position plus a learned lead, and its frames replace
 * the running leg's — video timestamps continue on the same 30 fps grid
 * (no gap, no repeat, no step back), a keyframe follows each request, the
 * audio is untouched, and nothing is left running.
 */
import assert from "node:assert/strict";
import { Playback, type PlaybackSink } from "../../src/call/playback.ts";
import { fromFile } from "../../src/source/file_source.ts";
import { fromShell } from "../../src/source/shell_source.ts";
import { sourceRecipe } from "../../src/source/sources.ts";
import { Track } from "../../src/source/track.ts";
import { test } from "../_support/harness.ts";
import { makeAvFile, tempDir } from "../_support/media.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recordingSink() {
  const audio: { ts: number; duration: number }[] = [];
  const video: { ts: number; key: boolean; at: number }[] = [];
  const sink: PlaybackSink = {
    audio: (f) => audio.push({ ts: f.timestamp, duration: f.duration }),
    video: (f) =>
      video.push({ ts: f.timestamp, key: f.keyframe, at: performance.now() }),
    sourceStarted: () => {},
  };
  return { sink, audio, video };
}

test(
  "video-restart: a keyframe request restarts the video leg in step; timestamps and audio continue",
  async () => {
    const tmp = tempDir();
    try {
      await makeAvFile(tmp.path("av.mp4"), 12, { size: "320x240" });
      const rec = recordingSink();
      const playback = new Playback({
        source: sourceRecipe(
          fromFile(tmp.path("av.mp4"), {
            tracks: Track.Video,
            videoWidth: 320,
            videoHeight: 240,
          }),
        ),
        sink: rec.sink,
        onEnd: () => {},
      });
      await playback.start(2000);
      while (rec.video.length < 15) await sleep(20);
      const waits: number[] = [];
      for (let i = 0; i < 5; i++) {
        const asked = performance.now();
        const from = rec.video.length;
        playback.requestKeyframe();
        playback.requestKeyframe(); // coalesced into the restart under way
        let key: number | undefined;
        while (key === undefined && performance.now() - asked < 4000) {
          key = rec.video.slice(from).find((v) => v.key)?.at;
          if (key === undefined) await sleep(10);
        }
        assert.ok(key !== undefined, `no keyframe after request ${i}`);
        waits.push(key - asked);
        await sleep(300);
      }
      await playback.stop();
      console.log(
        `restart keyframes after ${
          waits.map((w) => w.toFixed(0)).join(", ")
        } ms`,
      );
      const ts = rec.video.map((v) => v.ts);
      for (let i = 1; i < ts.length; i++) {
        assert.equal(ts[i] - ts[i - 1], 3000, `video step at frame ${i}`);
      }
      assert.ok(ts[0] >= 2000 * 90 - 3000 && ts[0] <= 2000 * 90 + 3000);
      // The first, one per request (a restart, or the 1 s schedule's own
      // when it came sooner), and scheduled ones in between: about one a
      // second, never more than one per frame interval's worth of requests.
      const keys = rec.video.filter((v) => v.key).length;
      const seconds = (ts.at(-1)! - ts[0]) / 90000;
      assert.ok(
        keys >= 6 && keys <= Math.ceil(seconds) + 6,
        `${keys} keyframes in ${seconds.toFixed(1)} s`,
      );
      for (let i = 1; i < rec.audio.length; i++) {
        assert.equal(
          rec.audio[i].ts - rec.audio[i - 1].ts,
          rec.audio[i - 1].duration,
          "audio contiguous",
        );
      }
    } finally {
      tmp.cleanup();
    }
  },
  { timeout: 60_000 },
);

test(
  "video-restart: a shell source keeps its 1 s keyframe schedule; a request changes nothing",
  async () => {
    const tmp = tempDir();
    try {
      await makeAvFile(tmp.path("av.mp4"), 4, { size: "160x120" });
      const rec = recordingSink();
      const playback = new Playback({
        source: sourceRecipe(
          fromShell(
            `ffmpeg -i ${tmp.path("av.mp4")} -s 160x120 -r 30`,
            Track.Video,
          ),
        ),
        sink: rec.sink,
        onEnd: () => {},
      });
      await playback.start();
      while (rec.video.length < 10) await sleep(20);
      playback.requestKeyframe();
      while (rec.video.length < 75) await sleep(20);
      await playback.stop();
      const keys = rec.video.slice(0, 75).map((v, i) => v.key ? i : -1).filter(
        (i) => i >= 0,
      );
      assert.deepEqual(keys, [0, 30, 60]);
    } finally {
      tmp.cleanup();
    }
  },
  { timeout: 60_000 },
);
