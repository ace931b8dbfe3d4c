/**
 * The argv of a source's legs, from its {@linkcode SourceInput}: built from
 * scratch for `fromFile`/`fromUrl`, completed for `fromShell`/`fromShells`
 * (`shell_completion.ts`). Each leg writes one track to stdout, Opus-in-Ogg
 * or VP8-in-IVF, flushed per frame; a start offset seeks the input and
 * keeps frame timestamps absolute media time.
 *
 * @module
 */

import {
  FAST_PROBE,
  fitFilter,
  KEYFRAME_SCHEDULE,
  LEVEL_TAP,
  ON_DEMAND_KEYFRAME_SCHEDULE,
  preamble,
  seconds,
} from "./ffmpeg_flags.ts";
import type { StreamType } from "../media/kind.ts";
import { completeShellArgs } from "./shell_completion.ts";
import type { LegSpec, MediaInput, SourceInput } from "./sources.ts";
import { hasVideo } from "./track.ts";

/**
 * The legs that play `input` from `offsetMs`: audio first, then video when
 * the source has it.
 *
 * @example
 * ```ts
 * import { legSpecs } from "./ffmpeg_args.ts";
 *
 * const [leg] = legSpecs({
 *   type: "shell",
 *   commands: [{ kind: "audio", args: ["-i", "song.mp3"] }],
 * }, 0);
 * console.log(leg.args.at(-1)); // "pipe:1"
 * ```
 *
 * @param input What the source plays.
 * @param offsetMs Start position, ms.
 * @param verbose `-loglevel info` instead of `error`.
 */
export function legSpecs(
  input: SourceInput,
  offsetMs: number,
  verbose = false,
): LegSpec[] {
  if (input.type === "shell") {
    return input.commands.map((command) => ({
      kind: command.kind,
      binary: command.binary,
      args: completeShellArgs(command.args, command.kind, offsetMs, verbose)
        .args,
    }));
  }
  const legs: LegSpec[] = [{
    kind: "audio",
    args: legArgs(input, "audio", offsetMs, verbose),
  }];
  if (hasVideo(input.encode.tracks)) {
    legs.push({
      kind: "video",
      args: legArgs(input, "video", offsetMs, verbose),
    });
  }
  return legs;
}

/**
 * Whether a keyframe request is answered by restarting the video leg at
 * the position being played: only for a local file, where a restart lands
 * on exactly the same media time within a few hundred milliseconds. A
 * network stream may be live (a restart would join at the live edge, out
 * of step with the audio leg) and takes seconds to reconnect; a shell
 * command may capture a device. Those keep a keyframe every second.
 *
 * @example
 * ```ts
 * import { restartsForKeyframes } from "./ffmpeg_args.ts";
 *
 * console.log(restartsForKeyframes({
 *   type: "shell",
 *   commands: [{ kind: "video", args: ["-f", "x11grab", "-i", ":0.0"] }],
 * })); // false
 * ```
 */
export function restartsForKeyframes(input: SourceInput): boolean {
  return input.type === "media" && input.input.startsWith("file:");
}

/**
 * argv (without the binary) for one leg of `fromFile`/`fromUrl`.
 *
 * @param input Input, its flags and the encoding settings.
 * @param kind Which leg.
 * @param offsetMs Start position; > 0 adds `-ss` before the input and
 *   `-output_ts_offset` so frame timestamps stay absolute media time.
 * @param verbose `-loglevel info` instead of `error`.
 */
export function legArgs(
  input: MediaInput,
  kind: StreamType,
  offsetMs: number,
  verbose = false,
): string[] {
  const encode = input.encode;
  const args = [...preamble(verbose)];
  if (offsetMs > 0) args.push("-ss", seconds(offsetMs));
  args.push(...FAST_PROBE, "-err_detect", "ignore_err", ...input.inputFlags);
  args.push("-i", input.input);
  if (kind === "audio") {
    args.push(
      "-map",
      "0:a:0",
      "-vn",
      "-sn",
      "-dn",
      "-af",
      LEVEL_TAP,
      ...opusOutput(encode.audioBitrateKbps, encode.audioChannels),
    );
  } else {
    const w = encode.videoWidth, h = encode.videoHeight, fps = encode.videoFps;
    args.push(
      "-map",
      "0:v:0",
      "-an",
      "-sn",
      "-dn",
      "-vf",
      fitFilter(w, h),
      "-r",
      String(fps),
      ...vp8Output(
        encode.videoBitrateKbps,
        fps,
        restartsForKeyframes(input) ? w * h : 0,
      ),
    );
  }
  if (offsetMs > 0) args.push("-output_ts_offset", seconds(offsetMs));
  args.push("-flush_packets", "1", "pipe:1");
  return args;
}

function opusOutput(kbps: number, channels: number): string[] {
  return [
    "-c:a",
    "libopus",
    "-b:a",
    `${kbps}k`,
    "-application",
    "audio",
    "-frame_duration",
    "20",
    "-page_duration",
    "20000",
    "-mapping_family",
    "0",
    "-ar",
    "48000",
    "-ac",
    String(channels),
    "-f",
    "ogg",
  ];
}

/**
 * libvpx flags. `restartPixels` > 0 (the frame size of a leg that restarts
 * on keyframe requests): the on-demand schedule, and up to 1280×720 one
 * encoder thread — libvpx's worker threads slow a fresh encoder's first
 * frames severalfold on a busy machine (measured: 10th frame of a 720p
 * restart at ~0.5 s instead of 0.6–2.4 s), and one thread keeps up with
 * 720p30 (libwebrtc, too, runs VP8 single-threaded up to 640×480).
 */
function vp8Output(kbps: number, fps: number, restartPixels: number): string[] {
  const onDemand = restartPixels > 0;
  // -g is the encoder's own ceiling; the forced schedule sets the pace.
  const gopSeconds = 2;
  return [
    "-c:v",
    "libvpx",
    ...(onDemand && restartPixels <= 1280 * 720 ? ["-threads", "1"] : []),
    "-b:v",
    `${kbps}k`,
    "-maxrate",
    `${kbps}k`,
    "-bufsize",
    `${kbps}k`,
    // Realtime libvpx: no lookahead, no invisible alt-ref frames (each
    // RTP frame must be a shown frame), error resilient partitions.
    "-deadline",
    "realtime",
    "-cpu-used",
    "8",
    "-lag-in-frames",
    "0",
    "-auto-alt-ref",
    "0",
    "-error-resilient",
    "1",
    "-g",
    String(fps * gopSeconds),
    "-force_key_frames",
    onDemand ? ON_DEMAND_KEYFRAME_SCHEDULE : KEYFRAME_SCHEDULE,
    "-f",
    "ivf",
  ];
}
