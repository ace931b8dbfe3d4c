/**
 * The argv of an RTMP push ("go live" in an RTMP call), from a source's
 * {@linkcode SourceInput}: one ffmpeg re-encodes both tracks to H.264 + AAC
 * in FLV, paced by `-re`, and writes to the ingest URL. Unlike a leg, the
 * output is never read by tgcall, so only what Telegram's ingest accepts
 * matters.
 *
 * @module
 */

import {
  FAST_PROBE,
  fitFilter,
  H264_REALTIME,
  preamble,
  seconds,
} from "./ffmpeg_flags.ts";
import { completeShellArgs } from "./shell_completion.ts";
import type { MediaInput, ShellInput, SourceInput } from "./sources.ts";
import { hasVideo } from "./track.ts";

/** Output flags of a user's command that shape the picture or the sound. */
const KEPT_SHELL_FILTERS = ["-af", "-vf", "-filter_complex", "-r", "-s"];

/**
 * argv (without the binary) that pushes `input` to `url` from `offsetMs`.
 *
 * @example
 * ```ts
 * import { rtmpPushArgs } from "./rtmp_args.ts";
 *
 * const args = rtmpPushArgs({
 *   type: "shell",
 *   commands: [{ kind: "audio", args: ["-i", "song.mp3"] }],
 * }, "rtmp://127.0.0.1/live/key", 0);
 * console.log(args.slice(-3)); // ["-f", "flv", "rtmp://127.0.0.1/live/key"]
 * ```
 *
 * @param input What the source plays.
 * @param url The `rtmp://`/`rtmps://` ingest URL with its stream key.
 * @param offsetMs Start position, ms.
 * @param verbose `-loglevel info` instead of `error`.
 */
export function rtmpPushArgs(
  input: SourceInput,
  url: string,
  offsetMs: number,
  verbose = false,
): string[] {
  return input.type === "shell"
    ? shellPushArgs(input, url, offsetMs, verbose)
    : mediaPushArgs(input, url, offsetMs, verbose);
}

function mediaPushArgs(
  input: MediaInput,
  url: string,
  offsetMs: number,
  verbose: boolean,
): string[] {
  const encode = input.encode;
  const args = [...preamble(verbose), "-re"];
  if (offsetMs > 0) args.push("-ss", seconds(offsetMs));
  args.push(...FAST_PROBE, ...input.inputFlags, "-i", input.input);
  args.push("-map", "0:a:0");
  if (hasVideo(encode.tracks)) {
    const w = encode.videoWidth, h = encode.videoHeight, fps = encode.videoFps;
    args.push(
      "-map",
      "0:v:0",
      "-vf",
      fitFilter(w, h),
      "-r",
      String(fps),
      ...H264_REALTIME,
      "-b:v",
      `${encode.videoBitrateKbps}k`,
      "-g",
      String(fps * 2),
    );
  }
  args.push(
    "-c:a",
    "aac",
    "-b:a",
    `${encode.audioBitrateKbps}k`,
    "-ar",
    "44100",
    "-ac",
    String(encode.audioChannels),
    "-f",
    "flv",
    url,
  );
  return args;
}

function shellPushArgs(
  input: ShellInput,
  url: string,
  offsetMs: number,
  verbose: boolean,
): string[] {
  // One process pushes both tracks: the video command's input when there
  // is one (its file usually carries the sound too), else the audio one.
  const command = input.commands.find((c) => c.kind === "video") ??
    input.commands[0];
  const completed =
    completeShellArgs(command.args, command.kind, offsetMs, verbose).args;
  const head = completed.slice(0, completed.lastIndexOf("-i") + 2);
  const filters: string[] = [];
  const userOut = command.args.slice(command.args.lastIndexOf("-i") + 2);
  for (let i = 0; i + 1 < userOut.length; i++) {
    if (KEPT_SHELL_FILTERS.includes(userOut[i])) {
      filters.push(userOut[i], userOut[++i]);
    }
  }
  const out = ["-c:a", "aac", "-ar", "44100", "-b:a", "128k"];
  if (command.kind === "video") {
    out.push(...H264_REALTIME, "-g", "60", "-pix_fmt", "yuv420p");
  } else out.push("-vn");
  return [
    head[0],
    "-re",
    ...head.slice(1),
    ...filters,
    ...out,
    "-f",
    "flv",
    url,
  ];
}
