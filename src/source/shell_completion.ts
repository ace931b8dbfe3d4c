/**
 * Completing a user's ffmpeg command for one leg (`fromShell`,
 * `fromShells`): gotgcall's injection table adds the flags that are
 * missing and leaves the user's own alone, a seek offset replaces the
 * user's initial `-ss`, and the audio-level tap joins the user's filter
 * chain.
 *
 * Output is always Opus-in-Ogg (audio) or VP8-in-IVF (video) on stdout:
 * the frame readers parse nothing else, so raw PCM/YUV outputs are refused
 * up front.
 *
 * @module
 */

import { InvalidParamsError } from "../errors.ts";
import type { StreamType } from "../media/kind.ts";
import { KEYFRAME_SCHEDULE, LEVEL_TAP, seconds } from "./ffmpeg_flags.ts";

const INPUT_DEFAULTS: [string, string][] = [
  ["-analyzeduration", "0"],
  ["-probesize", "64k"],
  ["-err_detect", "ignore_err"],
];

const AUDIO_DEFAULTS: [string[], string][] = [
  [["-c:a", "-acodec", "-codec:a"], "libopus"],
  [["-application"], "audio"],
  [["-frame_duration"], "20"],
  [["-page_duration"], "20000"],
  [["-mapping_family"], "0"],
  [["-ar"], "48000"],
  [["-ac"], "2"],
  [["-f"], "ogg"],
];

const VIDEO_DEFAULTS: [string[], string][] = [
  [["-c:v", "-vcodec", "-codec:v"], "libvpx"],
  [["-deadline"], "realtime"],
  [["-f"], "ivf"],
];

/** Output formats the readers can parse, per leg. */
const FORMAT_FOR: Record<StreamType, string> = { audio: "ogg", video: "ivf" };

const RAW_FORMATS = new Set([
  "s16le",
  "s16be",
  "s24le",
  "s24be",
  "s32le",
  "s32be",
  "f32le",
  "f32be",
  "f64le",
  "f64be",
  "u8",
  "s8",
  "u16le",
  "u16be",
  "alaw",
  "mulaw",
  "wav",
  "rawvideo",
  "yuv4mpegpipe",
  "image2pipe",
]);

function valueOf(
  args: readonly string[],
  names: readonly string[],
): string | undefined {
  for (let i = args.length - 2; i >= 0; i--) {
    if (names.includes(args[i])) return args[i + 1];
  }
  return undefined;
}

function has(args: readonly string[], names: readonly string[]): boolean {
  return args.some((a) => names.includes(a));
}

/**
 * Refuses outputs the frame readers cannot parse, naming the right flags.
 *
 * @throws {InvalidParamsError}
 */
export function rejectUnreadableOutput(
  args: readonly string[],
  kind: StreamType,
): void {
  const right = kind === "audio"
    ? "-c:a libopus -f ogg (or leave both out; tgcall adds them)"
    : "-c:v libvpx -f ivf (or leave both out; tgcall adds them)";
  for (let i = 0; i + 1 < args.length; i++) {
    const flag = args[i], value = args[i + 1].toLowerCase();
    const isCodec = /^-(c|codec)(:[av])?(:\d+)?$|^-(acodec|vcodec)$/.test(flag);
    if (isCodec && (value.startsWith("pcm_") || value === "rawvideo")) {
      throw new InvalidParamsError(
        `Raw output "${flag} ${args[i + 1]}" is not supported: tgcall reads ` +
          `Opus-in-Ogg and VP8-in-IVF only — use ${right}`,
      );
    }
  }
  const lastInput = args.lastIndexOf("-i");
  const outputArgs = args.slice(lastInput + 2);
  const format = valueOf(outputArgs, ["-f"]);
  if (format !== undefined) {
    const f = format.toLowerCase();
    if (RAW_FORMATS.has(f)) {
      throw new InvalidParamsError(
        `Raw output "-f ${format}" is not supported: tgcall reads ` +
          `Opus-in-Ogg and VP8-in-IVF only — use ${right}`,
      );
    }
    if (f !== FORMAT_FOR[kind]) {
      throw new InvalidParamsError(
        `A ${kind} leg must output "-f ${
          FORMAT_FOR[kind]
        }", got "-f ${format}" — use ${right}`,
      );
    }
  }
}

/**
 * Completes a user's ffmpeg argv for one leg (gotgcall's injection table)
 * and optionally seeks it. Returns a new array.
 *
 * - Before the first `-i`: fast-start probing and `-err_detect ignore_err`
 *   when missing; with `offsetMs` > 0 `-ss` is set (replacing the user's
 *   own initial `-ss`, as pause/resume must).
 * - Output: the Opus/Ogg or VP8/IVF flags that are missing, per-frame
 *   flushing, a keyframe schedule (video), `-vn` (audio, unless the user
 *   maps streams: Ogg would otherwise carry a Theora copy of the picture),
 *   the level tap (audio, appended to the user's `-af` chain; not possible
 *   with `-filter_complex`), and `pipe:1` last.
 *
 * @throws {InvalidParamsError} when there is no `-i` or the output is raw.
 */
export function completeShellArgs(
  userArgs: readonly string[],
  kind: StreamType,
  offsetMs: number,
  verbose = false,
): { args: string[]; levelTap: boolean } {
  const firstInput = userArgs.indexOf("-i");
  if (firstInput < 0 || firstInput === userArgs.length - 1) {
    throw new InvalidParamsError(
      "The ffmpeg command has no input: expected `-i <input>`",
    );
  }
  rejectUnreadableOutput(userArgs, kind);
  const before = userArgs.slice(0, firstInput);
  const rest = userArgs.slice(firstInput);
  const lastInput = rest.lastIndexOf("-i");
  const inputs = rest.slice(0, lastInput + 2);
  const output = rest.slice(lastInput + 2);
  let destination: string | undefined;
  const last = output[output.length - 1];
  if (last === "pipe:1" || last === "pipe:" || last === "-") {
    destination = output.pop();
  }

  const pre: string[] = [];
  const hasOwn = (flag: string) => before.includes(flag);
  if (!hasOwn("-nostdin")) pre.push("-nostdin");
  if (!hasOwn("-hide_banner")) pre.push("-hide_banner");
  if (!hasOwn("-loglevel") && !hasOwn("-v")) {
    pre.push("-loglevel", verbose ? "info" : "error");
  }
  if (!hasOwn("-nostats") && !hasOwn("-stats")) pre.push("-nostats");
  const head = [...before];
  if (offsetMs > 0) {
    const at = head.indexOf("-ss");
    if (at >= 0 && at + 1 < head.length) head[at + 1] = seconds(offsetMs);
    else head.push("-ss", seconds(offsetMs));
  }
  for (const [flag, value] of INPUT_DEFAULTS) {
    if (!head.includes(flag)) head.push(flag, value);
  }

  const out = [...output];
  let levelTap = false;
  if (kind === "audio") {
    if (!has(out, ["-map", "-vn"])) out.push("-vn");
    if (
      !has(out, ["-filter_complex", "-lavfi"]) &&
      !has(inputs, ["-filter_complex", "-lavfi"])
    ) {
      const at = out.findIndex((a) => a === "-af" || a === "-filter:a");
      if (at >= 0 && at + 1 < out.length) out[at + 1] += `,${LEVEL_TAP}`;
      else out.push("-af", LEVEL_TAP);
      levelTap = true;
    }
    for (const [names, value] of AUDIO_DEFAULTS) {
      if (!has(out, names)) out.push(names[0], value);
    }
  } else {
    for (const [names, value] of VIDEO_DEFAULTS) {
      if (!has(out, names)) out.push(names[0], value);
    }
    if (!has(out, ["-force_key_frames"])) {
      out.push("-force_key_frames", KEYFRAME_SCHEDULE);
    }
  }
  if (offsetMs > 0 && !has(out, ["-output_ts_offset"])) {
    out.push("-output_ts_offset", seconds(offsetMs));
  }
  if (!has(out, ["-flush_packets"])) out.push("-flush_packets", "1");
  return {
    args: [...pre, ...head, ...inputs, ...out, destination ?? "pipe:1"],
    levelTap,
  };
}
