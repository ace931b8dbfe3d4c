/**
 * The two kinds of media tgcall sends, named once: a track of a source, an
 * ffmpeg leg, an RTP stream, a stream-end event — each is audio or video.
 *
 * @module
 */

/**
 * Audio or video: which track a stream-end event, an ffmpeg leg or an RTP
 * stream is about.
 *
 * @example
 * ```ts
 * import type { StreamType } from "./kind.ts";
 *
 * const ended: StreamType = "video";
 * console.log(ended === "video" ? "camera" : "microphone"); // "camera"
 * ```
 */
export type StreamType = "audio" | "video";
