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
  preamble,
  seconds,
} from "./ffmpeg_flags.ts";
import type { LegKind } from "./ffmpeg_leg.ts";
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
  kind: LegKind,
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
      ...vp8Output(encode.videoBitrateKbps, fps),
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

function vp8Output(kbps: number, fps: number): string[] {
  return [
    "-c:v",
    "libvpx",
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
    String(fps * 2),
    "-force_key_frames",
    KEYFRAME_SCHEDULE,
    "-f",
    "ivf",
  ];
}
