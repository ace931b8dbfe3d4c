/**
 * What a source plays (`Track`) and how tgcall asks ffmpeg to encode it
 * (`EncodeOptions`). Defaults follow gotgcall: audio only, 128 kbps stereo
 * Opus; video 1280×720 at 30 fps and 800 kbps VP8. `SCREENCAST` is the
 * preset for screen sharing.
 *
 * @module
 */

import { InvalidParamsError } from "../errors.ts";

/**
 * Bit flags for the tracks a source plays. `Track.Video` implies audio: a
 * video file is a video file with sound.
 *
 * @example
 * ```ts
 * import { Track } from "./track.ts";
 *
 * const tracks = Track.Audio | Track.Video;
 * console.log((tracks & Track.Video) !== 0); // true
 * ```
 */
export const Track = {
  /** Audio only (the default). */
  Audio: 1,
  /** Video, and therefore audio as well. */
  Video: 2,
} as const;

/** A combination of {@linkcode Track} flags. */
export type Tracks = number;

/** Encoding settings for {@linkcode fromFile} and {@linkcode fromUrl}. */
export interface EncodeOptions {
  /** Tracks to play; default `Track.Audio`. `Track.Video` implies audio. */
  tracks?: Tracks;
  /** Opus bitrate, kbps; default 128 (Telegram accepts up to 510). */
  audioBitrateKbps?: number;
  /** Audio channels, 1 or 2; default 2. */
  audioChannels?: number;
  /** VP8 bitrate, kbps; default 800. */
  videoBitrateKbps?: number;
  /** Output width; default 1280. The picture is scaled to fit and padded. */
  videoWidth?: number;
  /** Output height; default 720. */
  videoHeight?: number;
  /** Output frame rate; default 30. */
  videoFps?: number;
}

/**
 * Screen-sharing encoding for a presentation's file or URL source, as
 * Telegram's desktop clients share a screen: 1280×720 at 24 fps (tgcalls'
 * `DesktopCaptureSourceData`) and VP8 capped at 1000 kbps (tgcalls'
 * screencast top layer; the call-level cap is about 1 Mbps). Spread it to
 * change one value.
 *
 * @example
 * ```ts
 * import { fromFile } from "./file_source.ts";
 * import { SCREENCAST } from "./track.ts";
 *
 * const slides = fromFile("slides.mp4", SCREENCAST);
 * const demo = fromFile("demo.mkv", { ...SCREENCAST, videoFps: 30 });
 * console.log(slides.description, demo.description); // "file slides.mp4" "file demo.mkv"
 * console.log(SCREENCAST.videoFps, SCREENCAST.videoBitrateKbps); // 24 1000
 * ```
 */
export const SCREENCAST: Readonly<EncodeOptions> = Object.freeze({
  tracks: Track.Video,
  videoWidth: 1280,
  videoHeight: 720,
  videoFps: 24,
  videoBitrateKbps: 1000,
});

/** {@linkcode EncodeOptions} with every default applied. */
export type ResolvedEncodeOptions = Required<EncodeOptions>;

/** Whether `tracks` includes video. */
export function hasVideo(tracks: Tracks): boolean {
  return (tracks & Track.Video) !== 0;
}

function intIn(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidParamsError(
      `${name} must be an integer in [${min}, ${max}], got ${value}`,
    );
  }
  return value;
}

/**
 * Applies defaults and validates ranges.
 *
 * @throws {InvalidParamsError} on out-of-range values.
 */
export function resolveEncodeOptions(
  options: EncodeOptions = {},
): ResolvedEncodeOptions {
  const tracks = intIn("tracks", options.tracks, Track.Audio, 1, 3);
  return {
    tracks: hasVideo(tracks) ? Track.Audio | Track.Video : Track.Audio,
    audioBitrateKbps: intIn(
      "audioBitrateKbps",
      options.audioBitrateKbps,
      128,
      6,
      510,
    ),
    audioChannels: intIn("audioChannels", options.audioChannels, 2, 1, 2),
    videoBitrateKbps: intIn(
      "videoBitrateKbps",
      options.videoBitrateKbps,
      800,
      50,
      20000,
    ),
    // Even sizes: VP8 and the yuv420p scaler need them.
    videoWidth: intIn("videoWidth", options.videoWidth, 1280, 16, 3840) & ~1,
    videoHeight: intIn("videoHeight", options.videoHeight, 720, 16, 2160) & ~1,
    videoFps: intIn("videoFps", options.videoFps, 30, 1, 60),
  };
}
