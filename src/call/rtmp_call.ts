/**
 * An RTMP "go live" call: no WebRTC, one ffmpeg pushing H.264 + AAC to
 * Telegram's ingest URL ({@linkcode RtmpPush}). Pause/resume re-spawn at
 * the offset; mute/unmute are tracked but best-effort (RTMP has no
 * per-track control), as in gotgcall.
 *
 * @module
 */

import { ClosedError, NoSourceError, type TgCallError } from "../errors.ts";
import type { Source } from "../source/sources.ts";
import { hasVideo } from "../source/track.ts";
import {
  type CallLogger,
  type ConnectionState,
  type MediaState,
  mediaStateOf,
  type NetworkInfo,
  type StreamDevice,
  type StreamType,
} from "./group_call.ts";
import { checkRtmpUrl, RtmpPush } from "./rtmp_push.ts";

/** What an RtmpCall needs from its client. */
export interface RtmpCallOptions {
  /** The chat (for logs). */
  chatId: number | bigint;
  /** Ingest URL with key. */
  url: string;
  /** ffmpeg binary. */
  ffmpegPath: string;
  /** Tee ffmpeg stderr into the logger. */
  ffmpegStderrLog: boolean;
  /** Logger. */
  logger: CallLogger;
  /** Connection state changed. */
  onConnection(info: NetworkInfo): void;
  /** The pushed source ended by itself. */
  onStreamEnd(
    type: StreamType,
    device: StreamDevice,
    error?: TgCallError,
  ): void;
  /** Media state changed. */
  onUpgrade(state: MediaState): void;
}

/** One RTMP push call. */
export class RtmpCall {
  readonly #o: RtmpCallOptions;
  #push: RtmpPush | undefined;
  #muted = false;
  #paused = false;
  #stopped = false;
  #state: ConnectionState = "connected";

  /** @param options See {@linkcode RtmpCallOptions}. */
  constructor(options: RtmpCallOptions) {
    checkRtmpUrl(options.url);
    this.#o = options;
  }

  /** Connection state: `connected` until stopped (ffmpeg connects per push). */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Stopped calls are dropped from the registry. */
  get dead(): boolean {
    return this.#stopped;
  }

  /** Whether a source is pushing or paused. */
  get playing(): boolean {
    const s = this.#push?.state;
    return s === "playing" || s === "paused";
  }

  /** Replaces the pushed source (no end event for the old one). */
  async setSource(source: Source, offsetMs = 0): Promise<void> {
    if (this.#stopped) throw new ClosedError("The call was stopped");
    const old = this.#push;
    const push: RtmpPush = new RtmpPush({
      url: this.#o.url,
      source,
      ffmpegPath: this.#o.ffmpegPath,
      verbose: this.#o.ffmpegStderrLog,
      onStderrLine: this.#o.ffmpegStderrLog
        ? (line) =>
          this.#o.logger.debug(`ffmpeg[${this.#o.chatId}/rtmp] ${line}`)
        : undefined,
      onEnd: (error) => {
        if (this.#push !== push) return;
        if (hasVideo(source.tracks)) {
          this.#o.onStreamEnd("video", "camera", error);
        }
        this.#o.onStreamEnd("audio", "microphone", error);
      },
    });
    this.#push = push;
    await old?.stop();
    if (this.#paused) push.startPaused(offsetMs);
    else await push.start(offsetMs);
  }

  /** Stops ffmpeg, keeping the position. */
  async pause(): Promise<boolean> {
    if (this.#paused) return false;
    this.#paused = true;
    await this.#push?.pause();
    this.#o.onUpgrade(this.mediaState());
    return true;
  }

  /** Re-spawns ffmpeg at the paused position. */
  async resume(): Promise<boolean> {
    if (!this.#paused) return false;
    this.#paused = false;
    await this.#push?.resume();
    this.#o.onUpgrade(this.mediaState());
    return true;
  }

  /** Tracked only: RTMP has no per-track mute. */
  mute(): boolean {
    if (this.#muted) return false;
    this.#muted = true;
    this.#o.onUpgrade(this.mediaState());
    return true;
  }

  /** Tracked only. */
  unmute(): boolean {
    if (!this.#muted) return false;
    this.#muted = false;
    this.#o.onUpgrade(this.mediaState());
    return true;
  }

  /**
   * Seeks the pushed source.
   *
   * @throws {NoSourceError} when nothing is pushing.
   */
  async seekBy(deltaMs: number): Promise<void> {
    if (!this.playing) {
      throw new NoSourceError(`Nothing is playing in chat ${this.#o.chatId}`);
    }
    await this.#push!.seekBy(deltaMs);
  }

  /** Position pushed, ms. */
  time(): number {
    return this.#push?.time() ?? 0;
  }

  /** Media state. */
  mediaState(): MediaState {
    const push = this.#push;
    const video = push !== undefined && hasVideo(push.source.tracks) &&
      push.state === "playing";
    return mediaStateOf(this.#muted, this.#paused, video);
  }

  /** Releases the push without events (for reaping). */
  async dispose(): Promise<void> {
    this.#stopped = true;
    const push = this.#push;
    this.#push = undefined;
    await push?.stop();
  }

  /** Stops the push. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const push = this.#push;
    this.#push = undefined;
    await push?.stop();
    this.#state = "closed";
    this.#o.onConnection({ state: "closed", kind: "normal" });
  }
}
