/**
 * Flags and filters shared by every ffmpeg command tgcall writes or
 * completes: the quiet preamble, fast-start probing, the audio-level tap,
 * the keyframe schedules, the fit-and-pad scaler, realtime H.264, and the
 * seconds format of `-ss`/`-output_ts_offset`.
 *
 * @module
 */

/** Flags that make ffmpeg quiet, non-interactive and quick to start. */
export function preamble(verbose: boolean): string[] {
  return [
    "-nostdin",
    "-hide_banner",
    "-nostats",
    "-loglevel",
    verbose ? "info" : "error",
  ];
}

/** Fast-start probing: ~1–2 s less startup than ffmpeg's 5 s / 5 MB defaults. */
export const FAST_PROBE = ["-analyzeduration", "0", "-probesize", "64k"];

/**
 * The audio-level tap: the encoder's own input, cut into 20 ms (960-sample)
 * frames, measured (RMS over all channels) and printed per frame to stderr
 * by `ametadata`. The audio is passed through untouched, so the speaking
 * indicator reflects exactly what is encoded — no second decode, no second
 * process. Lines look like `frame:12 pts:11520 …` followed by
 * `lavfi.astats.Overall.RMS_level=-23.4`.
 */
export const LEVEL_TAP = "aresample=48000,asetnsamples=n=960:p=0," +
  "astats=metadata=1:reset=1:measure_perchannel=none:measure_overall=RMS_level," +
  "ametadata=mode=print:key=lavfi.astats.Overall.RMS_level:file='pipe\\:2':direct=1";

/**
 * Keyframe at least every second, for legs that cannot restart on a
 * keyframe request (live or unknown inputs): a PLI/FIR is then honoured
 * within 1 s by the schedule alone.
 */
export const KEYFRAME_SCHEDULE = "expr:gte(t,n_forced*1)";

/**
 * Seconds between scheduled keyframes of a leg that restarts on a keyframe
 * request (a file, `video_restart.ts` in `src/call/`). The restart answers
 * a request as soon as a fresh ffmpeg has frames; the schedule stays at one
 * second as the floor, so a request is never answered later than before
 * keyframes on demand existed, even where ffmpeg starts slowly (a loaded
 * 2-core machine measured 0.7–1.6 s start-ups, slower than a 1 s schedule).
 */
export const ON_DEMAND_KEYFRAME_SECONDS = 1;

/** The keyframe schedule of a leg that restarts on request. */
export const ON_DEMAND_KEYFRAME_SCHEDULE =
  `expr:gte(t,n_forced*${ON_DEMAND_KEYFRAME_SECONDS})`;

/** H.264 for an RTMP push: fast preset, no encoder delay. */
export const H264_REALTIME: readonly string[] = [
  "-c:v",
  "libx264",
  "-preset",
  "veryfast",
  "-tune",
  "zerolatency",
];

/** A position in ms as ffmpeg's `-ss` seconds, to the millisecond. */
export function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Scales to fit `w`×`h` keeping the aspect ratio, pads the rest, yuv420p. */
export function fitFilter(w: number, h: number): string {
  return `scale=${w}:${h}:force_original_aspect_ratio=decrease,` +
    `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,format=yuv420p`;
}
