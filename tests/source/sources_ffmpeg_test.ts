/**
 * Sources against real ffmpeg on generated media: frame counts and
 * timestamps, seek accuracy (from timestamps and from the level tap on a
 * volume ramp), end classification, and that no ffmpeg outlives a leg.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import {
  FFmpegCrashedError,
  FFmpegSpawnError,
  FileError,
} from "../../src/errors.ts";
import type { Vp8Frame } from "../../src/media/ivf_reader.ts";
import type { OpusFrame } from "../../src/media/ogg_reader.ts";
import type { LegEnd } from "../../src/source/ffmpeg_leg.ts";
import { fromFile } from "../../src/source/file_source.ts";
import { fromShell, fromShells } from "../../src/source/shell_source.ts";
import {
  isSeekable,
  type OpenedSource,
  type SeekableSource,
  type Source,
  sourceRecipe,
} from "../../src/source/sources.ts";
import { Track } from "../../src/source/track.ts";
import { test } from "../_support/harness.ts";
import {
  makeAvFile,
  makeRampWav,
  processAlive,
  rampTimeFromLevel,
  tempDir,
} from "../_support/media.ts";

interface Collected {
  opened: OpenedSource;
  audio: OpusFrame[];
  video: Vp8Frame[];
  ends: { audio?: LegEnd; video?: LegEnd };
}

/** The recipe behind a built-in source, which can always seek. */
function seekable(source: Source): SeekableSource {
  const recipe = sourceRecipe(source);
  assert.ok(isSeekable(recipe), `${source.description} cannot seek`);
  return recipe;
}

async function collect(source: Source, offsetMs = 0): Promise<Collected> {
  const audio: OpusFrame[] = [];
  const video: Vp8Frame[] = [];
  const opened = await seekable(source).openAt(offsetMs, {
    onAudio: (f) => (audio.push(...f), false),
    onVideo: (f) => (video.push(...f), false),
  });
  const [a, v] = await Promise.all([opened.audio?.ended, opened.video?.ended]);
  for (const pid of [opened.audio?.pid, opened.video?.pid]) {
    if (pid) assert.ok(!processAlive(pid), `ffmpeg ${pid} still running`);
  }
  return { opened, audio, video, ends: { audio: a, video: v } };
}

test("sources: fromFile A/V yields every Opus and VP8 frame with contiguous timestamps", async () => {
  const tmp = tempDir();
  try {
    await makeAvFile(tmp.path("av.mp4"), 3);
    const { audio, video, ends } = await collect(
      fromFile(tmp.path("av.mp4"), {
        tracks: Track.Video,
        videoWidth: 320,
        videoHeight: 240,
      }),
    );
    assert.equal(ends.audio?.error, undefined);
    assert.equal(ends.video?.error, undefined);
    // 3 s: 150 Opus frames of 20 ms (the last may be cut short), 90 frames at 30 fps.
    assert.ok(
      Math.abs(audio.length - 150) <= 1,
      `${audio.length} audio frames`,
    );
    assert.equal(video.length, 90);
    for (let i = 1; i < audio.length; i++) {
      assert.equal(audio[i].timestamp - audio[i - 1].timestamp, 960);
      assert.equal(audio[i - 1].duration, 960);
    }
    for (let i = 1; i < video.length; i++) {
      assert.equal(video[i].timestamp - video[i - 1].timestamp, 3000);
    }
    assert.equal(audio[0].timestamp, 0);
    assert.equal(video[0].timestamp, 0);
    // Keyframes: the first frame, then at most 1 s (30 frames) apart.
    assert.ok(video[0].keyframe);
    let last = 0;
    for (let i = 1; i < video.length; i++) {
      if (video[i].keyframe) {
        assert.ok(i - last <= 30, `keyframe gap ${i - last} frames`);
        last = i;
      }
    }
    assert.ok(video.length - 1 - last <= 30);
  } finally {
    tmp.cleanup();
  }
});

test("sources: openAt lands within ±100 ms, by frame timestamps and by the level tap", async () => {
  const tmp = tempDir();
  try {
    await makeRampWav(tmp.path("ramp.wav"), 10);
    for (const target of [2_340, 6_300, 8_010]) {
      const src = fromFile(tmp.path("ramp.wav"));
      const audio: OpusFrame[] = [];
      const opened = await seekable(src).openAt(target, {
        onAudio: (f) => (audio.push(...f), false),
      });
      await opened.audio!.ended;
      const firstMs = audio[0].timestamp / 48;
      assert.ok(
        Math.abs(firstMs - target) <= 100,
        `first frame at ${firstMs} ms for ${target}`,
      );
      // The content agrees: the ramp's level says where the audio came from.
      for (const index of [0, 5]) {
        const level = opened.audio!.levelAt(index);
        assert.ok(level !== undefined, "level tap reported");
        const t = rampTimeFromLevel(level, 10) * 1000;
        const expected = target + index * 20 + 10;
        assert.ok(
          Math.abs(t - expected) <= 100,
          `frame ${index}: content from ${
            t.toFixed(0)
          } ms, expected ${expected}`,
        );
      }
      // Every remaining frame, ±1 for the encoder's pre-skip.
      const expectedFrames = Math.ceil((10_000 - target) / 20);
      assert.ok(
        Math.abs(audio.length - expectedFrames) <= 1,
        `${audio.length} frames`,
      );
    }
  } finally {
    tmp.cleanup();
  }
});

test("sources: a video seek lands within ±100 ms and starts on a keyframe", async () => {
  const tmp = tempDir();
  try {
    await makeAvFile(tmp.path("av.mp4"), 4);
    const { audio, video } = await collect(
      fromFile(tmp.path("av.mp4"), {
        tracks: Track.Video,
        videoWidth: 320,
        videoHeight: 240,
      }),
      2_500,
    );
    assert.ok(
      Math.abs(video[0].timestamp / 90 - 2500) <= 100,
      `video at ${video[0].timestamp / 90}`,
    );
    assert.ok(
      Math.abs(audio[0].timestamp / 48 - 2500) <= 100,
      `audio at ${audio[0].timestamp / 48}`,
    );
    assert.ok(video[0].keyframe);
  } finally {
    tmp.cleanup();
  }
});

test("sources: seeking past the end is a natural EOF with no frames", async () => {
  const tmp = tempDir();
  try {
    await makeRampWav(tmp.path("ramp.wav"), 1);
    const { audio, ends } = await collect(
      fromFile(tmp.path("ramp.wav")),
      5_000,
    );
    assert.equal(audio.length, 0);
    assert.equal(ends.audio?.error, undefined);
    assert.equal(ends.audio?.stoppedByUs, false);
  } finally {
    tmp.cleanup();
  }
});

test("sources: a failing ffmpeg is FFmpegCrashedError with its exit code and stderr", async () => {
  const { ends } = await collect(
    fromShell(
      'ffmpeg -f lavfi -i "sine=duration=1" -af "tgcall_no_such_filter"',
    ),
  );
  const error = ends.audio?.error;
  assert.ok(error instanceof FFmpegCrashedError, String(error));
  assert.notEqual(error.exitCode, 0);
  assert.match(error.stderr, /tgcall_no_such_filter/);
  assert.ok(error.stderr.length <= 512);
  assert.match(error.message, /exit=\d+/);
});

test("sources: missing ffmpeg binary is FFmpegSpawnError", async () => {
  await assert.rejects(
    sourceRecipe(fromFile("x.mp3")).open({
      ffmpegPath: "/nonexistent/tgcall-ffmpeg",
    }),
    (e: unknown) => e instanceof FFmpegSpawnError && e.code === "FFMPEG_SPAWN",
  );
});

test("sources: no playable stream is FileError (missing file, no video in the container)", async () => {
  const tmp = tempDir();
  try {
    const missing = await collect(fromFile(tmp.path("nope.mp3")));
    assert.ok(missing.ends.audio?.error instanceof FileError);
    await makeRampWav(tmp.path("ramp.wav"), 1);
    const noVideo = await collect(
      fromFile(tmp.path("ramp.wav"), { tracks: Track.Video }),
    );
    assert.ok(
      noVideo.ends.video?.error instanceof FileError,
      String(noVideo.ends.video?.error),
    );
  } finally {
    tmp.cleanup();
  }
});

test("sources: shell injection attempts reach ffmpeg as literal file names", async () => {
  const tmp = tempDir();
  try {
    const marker = tmp.path("pwned");
    for (
      const name of [
        `$(touch ${marker})`,
        `\`touch ${marker}\``,
        `x; touch ${marker}`,
        `x | touch ${marker}`,
        `x && touch ${marker}`,
      ]
    ) {
      const { ends } = await collect(fromShell(`ffmpeg -i "${name}"`));
      const error = ends.audio?.error;
      assert.ok(error instanceof FileError, String(error));
      // ffmpeg itself names the literal text it was given as the input.
      assert.ok(error.message.includes(name), `${error.message} lacks ${name}`);
      assert.ok(!existsSync(marker), "a shell ran");
    }
  } finally {
    tmp.cleanup();
  }
});

test("sources: fromShells runs both legs (sequentially and in parallel); stop kills them", async () => {
  for (const parallel of [false, true]) {
    const src = fromShells(
      'ffmpeg -re -f lavfi -i "sine=frequency=440:duration=20"',
      'ffmpeg -re -f lavfi -i "testsrc2=size=160x120:rate=30:duration=20"',
    );
    if (parallel) src.withParallelSpawn();
    let audio = 0, video = 0;
    const opened = await seekable(src).openAt(0, {
      onAudio: (f) => (audio += f.length, false),
      onVideo: (f) => (video += f.length, false),
    });
    const deadline = Date.now() + 5000;
    while ((audio < 10 || video < 5) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(audio >= 10 && video >= 5, `${audio} audio, ${video} video`);
    const pids = [opened.audio!.pid, opened.video!.pid];
    await opened.close();
    const [a, v] = await Promise.all([
      opened.audio!.ended,
      opened.video!.ended,
    ]);
    assert.ok(a.stoppedByUs && !a.error && v.stoppedByUs && !v.error);
    for (const pid of pids) assert.ok(!processAlive(pid));
  }
});
