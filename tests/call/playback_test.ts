/**
 * Playback: pause/resume/seek by re-opening ffmpeg at an offset, with a
 * continuous `time()`; the played audio itself (a volume ramp, read back
 * through the level tap) proves nothing is skipped or repeated; end events
 * exactly once, video before audio, never after stop.
 */
import assert from "node:assert/strict";
import { Playback, type PlaybackSink } from "../../src/call/playback.ts";
import type { TgCallError } from "../../src/errors.ts";
import { fromFile } from "../../src/source/file_source.ts";
import { sourceRecipe } from "../../src/source/sources.ts";
import { Track } from "../../src/source/track.ts";
import { test } from "../_support/harness.ts";
import {
  makeAvFile,
  makeRampWav,
  rampTimeFromLevel,
  tempDir,
} from "../_support/media.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recordingSink() {
  const audio: { ts: number; level: number; at: number }[] = [];
  const video: { ts: number; key: boolean }[] = [];
  let starts = 0;
  const sink: PlaybackSink = {
    audio: (f, _deadline, level) =>
      audio.push({ ts: f.timestamp, level, at: performance.now() }),
    video: (f) => video.push({ ts: f.timestamp, key: f.keyframe }),
    sourceStarted: () => starts++,
  };
  return { sink, audio, video, starts: () => starts };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await sleep(10);
  }
}

test("playback: plays in real time; pause/resume keep time() continuous and the audio seamless", async () => {
  const tmp = tempDir();
  try {
    await makeRampWav(tmp.path("ramp.wav"), 10);
    const rec = recordingSink();
    const ends: string[] = [];
    const playback = new Playback({
      source: sourceRecipe(fromFile(tmp.path("ramp.wav"))),
      sink: rec.sink,
      onEnd: (kind) => ends.push(kind),
    });
    await playback.start(3_000);
    await until(() => rec.audio.length >= 40);
    // Real-time pacing: 40 frames of 20 ms took ~780 ms.
    const span = rec.audio[39].at - rec.audio[0].at;
    assert.ok(span > 700 && span < 900, `40 frames in ${span.toFixed(0)} ms`);
    assert.equal(await playback.pause(), true);
    assert.equal(await playback.pause(), false, "second pause is a no-op");
    const pausedAt = playback.time();
    const played = rec.audio.length;
    await sleep(300);
    assert.equal(playback.time(), pausedAt, "time() frozen while paused");
    assert.equal(rec.audio.length, played, "nothing plays while paused");
    assert.equal(await playback.resume(), true);
    assert.equal(await playback.resume(), false);
    await until(() => rec.audio.length >= played + 20);
    assert.ok(
      playback.time() > pausedAt && playback.time() < pausedAt + 600,
      `${pausedAt} → ${playback.time()}`,
    );
    // The first frame after resume continues where the last one before it ended.
    const before = rec.audio[played - 1], after = rec.audio[played];
    assert.ok(
      Math.abs(after.ts / 48 - pausedAt) <= 100,
      `resumed at ${after.ts / 48} ms, paused at ${pausedAt}`,
    );
    const contentBefore = rampTimeFromLevel(before.level, 10) * 1000;
    const contentAfter = rampTimeFromLevel(after.level, 10) * 1000;
    // The level tap is live: each frame's level matches its own position.
    for (const f of [rec.audio[0], before, after]) {
      const content = rampTimeFromLevel(f.level, 10) * 1000;
      assert.ok(
        Math.abs(content - f.ts / 48 - 10) <= 100,
        `frame at ${f.ts / 48} ms sounds like ${content.toFixed(0)} ms`,
      );
    }
    assert.ok(
      contentAfter - contentBefore > -100 && contentAfter - contentBefore < 100,
      `content ${contentBefore.toFixed(0)} → ${contentAfter.toFixed(0)} ms`,
    );
    await playback.stop();
    assert.deepEqual(ends, [], "no end event for pause or stop");
    assert.equal(rec.starts(), 2);
  } finally {
    tmp.cleanup();
  }
});

test("playback: seekBy moves time() by the delta and the audio lands within ±100 ms", async () => {
  const tmp = tempDir();
  try {
    await makeRampWav(tmp.path("ramp.wav"), 10);
    const rec = recordingSink();
    const playback = new Playback({
      source: sourceRecipe(fromFile(tmp.path("ramp.wav"))),
      sink: rec.sink,
      onEnd: () => {},
    });
    await playback.start(1_000);
    await until(() => rec.audio.length >= 10);
    const from = playback.time();
    const n = rec.audio.length;
    await playback.seekBy(4_000);
    await until(() => rec.audio.length >= n + 5);
    const first = rec.audio.find((_, i) =>
      i >= n && rec.audio[i].ts / 48 > from + 1000
    )!;
    const target = from + 4000;
    assert.ok(
      Math.abs(first.ts / 48 - target) <= 120,
      `first frame at ${first.ts / 48}, target ${target}`,
    );
    const content = rampTimeFromLevel(first.level, 10) * 1000;
    assert.ok(
      Math.abs(content - target) <= 120,
      `content from ${content.toFixed(0)} ms, target ${target}`,
    );
    assert.ok(
      Math.abs(playback.time() - target) < 400,
      `time ${playback.time()}`,
    );
    // Backwards, clamped at zero.
    await playback.seekBy(-60_000);
    await until(() => playback.time() < 500);
    // While paused only the position moves.
    await playback.pause();
    await playback.seekBy(2_000);
    assert.ok(
      Math.abs(playback.time() - 2000) < 500,
      `paused seek → ${playback.time()}`,
    );
    await playback.stop();
  } finally {
    tmp.cleanup();
  }
});

test("playback: an A/V source ends exactly once per leg, video before audio", async () => {
  const tmp = tempDir();
  try {
    await makeAvFile(tmp.path("av.mp4"), 1);
    const rec = recordingSink();
    const ends: [string, TgCallError | undefined][] = [];
    const playback = new Playback({
      source: sourceRecipe(fromFile(tmp.path("av.mp4"), {
        tracks: Track.Video,
        videoWidth: 320,
        videoHeight: 240,
      })),
      sink: rec.sink,
      onEnd: (kind, error) => ends.push([kind, error]),
    });
    await playback.start();
    await until(() => ends.length === 2);
    await sleep(200);
    assert.deepEqual(ends, [["video", undefined], ["audio", undefined]]);
    assert.equal(playback.state, "ended");
    // The end came after the last frame played, not when ffmpeg exited.
    assert.ok(
      rec.audio.length >= 49,
      `${rec.audio.length} audio frames played`,
    );
    assert.equal(rec.video.length, 30);
    assert.ok(playback.time() >= 980, `time ${playback.time()}`);
    await playback.stop();
    assert.equal(ends.length, 2);
  } finally {
    tmp.cleanup();
  }
});

test("playback: stop mid-stream and a seek past the end fire no extra events", async () => {
  const tmp = tempDir();
  try {
    await makeRampWav(tmp.path("ramp.wav"), 3);
    const rec = recordingSink();
    const ends: string[] = [];
    const playback = new Playback({
      source: sourceRecipe(fromFile(tmp.path("ramp.wav"))),
      sink: rec.sink,
      onEnd: (k) => ends.push(k),
    });
    await playback.start();
    await until(() => rec.audio.length >= 5);
    await playback.seekBy(10_000); // past the end: a natural EOF
    await until(() => ends.length === 1);
    assert.deepEqual(ends, ["audio"]);
    const other = new Playback({
      source: sourceRecipe(fromFile(tmp.path("ramp.wav"))),
      sink: rec.sink,
      onEnd: (k) => ends.push(k),
    });
    await other.start();
    await until(() => rec.audio.length >= 20);
    await other.stop();
    await other.stop();
    await sleep(100);
    assert.deepEqual(ends, ["audio"]);
    await playback.stop();
  } finally {
    tmp.cleanup();
  }
});

test("playback: delay(ms) plays the rest of the audio and the video that much later, in step", async () => {
  const tmp = tempDir();
  try {
    await makeAvFile(tmp.path("av.mp4"), 1);
    // The media clock each frame was played on: deadline − media time.
    const audio: { origin: number; delayed: boolean }[] = [];
    const video: { origin: number; delayed: boolean }[] = [];
    let firstAudio = NaN, firstVideo = NaN, delayed = false;
    let ends = 0;
    const playback: Playback = new Playback({
      source: sourceRecipe(fromFile(tmp.path("av.mp4"), {
        tracks: Track.Video,
        videoWidth: 320,
        videoHeight: 240,
      })),
      sink: {
        audio: (f, deadline) => {
          if (Number.isNaN(firstAudio)) firstAudio = f.timestamp;
          const origin = deadline - (f.timestamp - firstAudio) / 48;
          audio.push({ origin, delayed });
          if (audio.length === 10) {
            playback.delay(30); // as the sink asks when RTP time ran ahead
            delayed = true;
          }
        },
        video: (f, deadline) => {
          if (Number.isNaN(firstVideo)) firstVideo = f.timestamp;
          const origin = deadline - (f.timestamp - firstVideo) / 90;
          video.push({ origin, delayed });
        },
        sourceStarted: () => {},
      },
      onEnd: () => ends++,
    });
    await playback.start();
    await until(() => ends === 2);
    await playback.stop();
    const origin = audio[0].origin;
    const near = (a: number, b: number) => Math.abs(a - b) < 1e-6;
    assert.ok(audio.length >= 49 && video.length === 30);
    for (
      const [kind, frames] of [["audio", audio], ["video", video]] as const
    ) {
      frames.forEach((f, i) =>
        assert.ok(
          near(f.origin, origin + (f.delayed ? 30 : 0)),
          `${kind} frame ${i}: ${f.origin - origin} ms`,
        )
      );
      assert.ok(frames.some((f) => f.delayed), `${kind} after the delay`);
    }
  } finally {
    tmp.cleanup();
  }
});
