/** ffmpeg argv building: gotgcall's injection table, seek injection, raw-output refusal, file paths. */
import assert from "node:assert/strict";
import { InvalidParamsError } from "../../src/errors.ts";
import {
  KEYFRAME_SCHEDULE,
  LEVEL_TAP,
  ON_DEMAND_KEYFRAME_SCHEDULE,
} from "../../src/source/ffmpeg_flags.ts";
import { fromFile } from "../../src/source/file_source.ts";
import { completeShellArgs } from "../../src/source/shell_completion.ts";
import { fromShell, fromShells } from "../../src/source/shell_source.ts";
import { sourceRecipe } from "../../src/source/sources.ts";
import { Track } from "../../src/source/track.ts";
import { fromUrl } from "../../src/source/url_source.ts";
import { test } from "../_support/harness.ts";

function valueAfter(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

test("ffmpeg args: a minimal audio command gets every flag of the injection table", () => {
  const { args, levelTap } = completeShellArgs(["-i", "song.mp3"], "audio", 0);
  const input = args.indexOf("-i");
  for (
    const [flag, value] of [["-analyzeduration", "0"], ["-probesize", "64k"], [
      "-err_detect",
      "ignore_err",
    ]]
  ) {
    const at = args.indexOf(flag);
    assert.ok(at >= 0 && at < input, `${flag} before -i`);
    assert.equal(args[at + 1], value);
  }
  const expected: [string, string][] = [
    ["-c:a", "libopus"],
    ["-application", "audio"],
    ["-frame_duration", "20"],
    ["-page_duration", "20000"],
    ["-mapping_family", "0"],
    ["-ar", "48000"],
    ["-ac", "2"],
    ["-f", "ogg"],
    ["-flush_packets", "1"],
  ];
  for (const [flag, value] of expected) {
    const at = args.lastIndexOf(flag);
    assert.ok(at > input, `${flag} after -i`);
    assert.equal(args[at + 1], value, flag);
  }
  assert.equal(args.at(-1), "pipe:1");
  assert.ok(levelTap);
  assert.equal(valueAfter(args, "-af"), LEVEL_TAP);
  assert.ok(
    args.includes("-vn"),
    "Ogg would otherwise carry the picture as Theora",
  );
});

test("ffmpeg args: a video command gets libvpx realtime IVF and the 1 s keyframe schedule", () => {
  const { args } = completeShellArgs(
    ["-i", "movie.mp4", "-vf", "scale=1280:720", "-b:v", "1500k"],
    "video",
    0,
  );
  assert.equal(valueAfter(args, "-c:v"), "libvpx");
  assert.equal(valueAfter(args, "-deadline"), "realtime");
  assert.equal(valueAfter(args, "-f"), "ivf");
  assert.equal(valueAfter(args, "-force_key_frames"), KEYFRAME_SCHEDULE);
  assert.equal(valueAfter(args, "-vf"), "scale=1280:720");
  assert.equal(valueAfter(args, "-b:v"), "1500k");
  assert.equal(args.at(-1), "pipe:1");
});

test("ffmpeg args: the user's own flags are left alone", () => {
  const user = [
    "-ss",
    "90",
    "-i",
    "song.mp3",
    "-c:a",
    "libopus",
    "-b:a",
    "192k",
    "-ac",
    "1",
    "-af",
    "volume=1.5",
    "-map",
    "0:a",
  ];
  const { args } = completeShellArgs(user, "audio", 0);
  assert.equal(valueAfter(args, "-ss"), "90");
  assert.equal(valueAfter(args, "-b:a"), "192k");
  assert.equal(valueAfter(args, "-ac"), "1");
  assert.equal(args.filter((a) => a === "-ac").length, 1);
  assert.equal(args.filter((a) => a === "-c:a").length, 1);
  assert.ok(!args.includes("-vn"), "-map given: no -vn added");
  // The level tap joins the user's own filter chain.
  assert.equal(valueAfter(args, "-af"), `volume=1.5,${LEVEL_TAP}`);
  assert.equal(args.filter((a) => a === "-af").length, 1);
});

test("ffmpeg args: seeking replaces the user's initial -ss and keeps timestamps absolute", () => {
  const { args } = completeShellArgs(
    ["-ss", "90", "-i", "a.mp3"],
    "audio",
    12_500,
  );
  assert.equal(args.filter((a) => a === "-ss").length, 1);
  assert.equal(valueAfter(args, "-ss"), "12.500");
  assert.ok(args.indexOf("-ss") < args.indexOf("-i"));
  assert.equal(valueAfter(args, "-output_ts_offset"), "12.500");
  const plain = completeShellArgs(["-i", "a.mp3"], "audio", 3000).args;
  assert.equal(valueAfter(plain, "-ss"), "3.000");
  assert.ok(plain.indexOf("-ss") < plain.indexOf("-i"));
});

test("ffmpeg args: with -filter_complex no level tap can be attached", () => {
  const { args, levelTap } = completeShellArgs(
    ["-i", "a.mp3", "-i", "b.wav", "-filter_complex", "amix=inputs=2"],
    "audio",
    0,
  );
  assert.equal(levelTap, false);
  assert.ok(!args.includes("-af"));
  // Both inputs stay in order ahead of the output flags.
  assert.deepEqual(args.slice(args.indexOf("-i"), args.indexOf("-i") + 4), [
    "-i",
    "a.mp3",
    "-i",
    "b.wav",
  ]);
});

test("ffmpeg args: raw PCM/YUV outputs are refused with the right flags named", () => {
  for (
    const [cmd, track] of [
      ['ffmpeg -i "a.mp3" -c:a pcm_s16le -f s16le', Track.Audio],
      ['ffmpeg -i "a.mp3" -f s16le', Track.Audio],
      ['ffmpeg -i "a.mp3" -acodec pcm_f32le', Track.Audio],
      ['ffmpeg -i "m.mp4" -f rawvideo -pix_fmt yuv420p', Track.Video],
      ['ffmpeg -i "m.mp4" -c:v rawvideo', Track.Video],
      ['ffmpeg -i "m.mp4" -f ogg', Track.Video],
    ] as const
  ) {
    assert.throws(
      () => fromShell(cmd, track),
      (e: unknown) =>
        e instanceof InvalidParamsError &&
        /(-c:a libopus -f ogg|-c:v libvpx -f ivf)/.test(e.message),
      cmd,
    );
  }
});

test("ffmpeg args: fromShell refuses non-ffmpeg commands and commands without input", () => {
  assert.throws(() => fromShell("sh -c 'rm -rf ~'"), InvalidParamsError);
  assert.throws(() => fromShell("ffmpeg -f lavfi"), InvalidParamsError);
  assert.throws(() => fromShells("", ""), InvalidParamsError);
  // Explicit binary paths are kept, bare "ffmpeg" means the client's ffmpegPath.
  assert.equal(
    sourceRecipe(fromShell('/opt/ff/bin/ffmpeg -i "x"')).legs(0)[0].binary,
    "/opt/ff/bin/ffmpeg",
  );
  assert.equal(
    sourceRecipe(fromShell('ffmpeg -i "x"')).legs(0)[0].binary,
    undefined,
  );
});

test("ffmpeg args: fromFile passes a path, never a flag or a URL", () => {
  for (
    const path of [
      "-y.mp3",
      "https://evil/x.mp3",
      "concat:/etc/passwd|x",
      "pipe:0",
    ]
  ) {
    const [audio] = sourceRecipe(fromFile(path)).legs(0);
    assert.equal(valueAfter(audio.args, "-i"), `file:${path}`);
    assert.equal(valueAfter(audio.args, "-protocol_whitelist"), "file,crypto");
  }
  assert.throws(() => fromFile(""), InvalidParamsError);
});

test("ffmpeg args: fromFile defaults (audio only, 128 kbps stereo; video 1280x720@30, 800 kbps)", () => {
  const audioOnly = sourceRecipe(fromFile("a.mp3")).legs(0);
  assert.deepEqual(audioOnly.map((l) => l.kind), ["audio"]);
  assert.equal(valueAfter(audioOnly[0].args, "-b:a"), "128k");
  assert.equal(valueAfter(audioOnly[0].args, "-ac"), "2");
  // Track.Video implies audio.
  const av = sourceRecipe(fromFile("m.mp4", { tracks: Track.Video })).legs(0);
  assert.deepEqual(av.map((l) => l.kind), ["audio", "video"]);
  const video = av[1].args;
  assert.equal(valueAfter(video, "-b:v"), "800k");
  assert.equal(valueAfter(video, "-r"), "30");
  assert.match(valueAfter(video, "-vf")!, /^scale=1280:720:/);
  assert.equal(valueAfter(video, "-deadline"), "realtime");
  // A file restarts its video leg on a keyframe request: the schedule is
  // a 2 s safety net (it was 1 s before keyframes on demand).
  assert.equal(
    valueAfter(video, "-force_key_frames"),
    ON_DEMAND_KEYFRAME_SCHEDULE,
  );
  assert.equal(ON_DEMAND_KEYFRAME_SCHEDULE, "expr:gte(t,n_forced*1)");
  assert.equal(valueAfter(video, "-g"), "60");
  // A network stream may be live: it keeps a keyframe every second.
  const url = sourceRecipe(
    fromUrl("https://example.com/live.m3u8", { tracks: Track.Video }),
  ).legs(0)[1].args;
  assert.equal(valueAfter(url, "-force_key_frames"), KEYFRAME_SCHEDULE);
  assert.throws(() => fromFile("a", { audioChannels: 3 }), InvalidParamsError);
  assert.throws(() => fromFile("a", { videoFps: 0 }), InvalidParamsError);
});
