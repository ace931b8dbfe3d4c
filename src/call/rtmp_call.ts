/**
 * An RTMP "go live" call: no WebRTC, one ffmpeg pushing H.264 + AAC to
 * Telegram's ingest URL ({@linkcode RtmpPush}). Pause/resume re-spawn at
 * the offset; mute/unmute are tracked but best-effort (RTMP has no
 * per-track control), as in gotgcall.
 *
 * @module
 */

import { ClosedError } from "../errors.ts";
import type { SourceRecipe } from "../source/sources.ts";
import { hasVideo } from "../source/track.ts";
import { MediaControls } from "./media_controls.ts";
import { checkRtmpUrl, RtmpPush } from "./rtmp_push.ts";
import type {
  CallHooks,
  CallLogger,
  ConnectionState,
  MediaState,
} from "./types.ts";

/** What an RtmpCall needs from its client. */
export interface RtmpCallOptions extends CallHooks {
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
}

/** One RTMP push call. */
export class RtmpCall {
  readonly #o: RtmpCallOptions;
  readonly #controls: MediaControls<RtmpPush>;
  #push: RtmpPush | undefined;
  #stopped = false;
  #state: ConnectionState = "connected";

  /** @param options See {@linkcode RtmpCallOptions}. */
  constructor(options: RtmpCallOptions) {
    checkRtmpUrl(options.url);
    this.#o = options;
    this.#controls = new MediaControls({
      chatId: options.chatId,
      player: () => this.#push,
      playing: () => this.playing,
      videoRunning: () => {
        const push = this.#push;
        return push !== undefined && hasVideo(push.source.tracks) &&
          push.state === "playing";
      },
      onUpgrade: (state) => this.#o.onUpgrade(state),
    });
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
  async setSource(source: SourceRecipe, offsetMs = 0): Promise<void> {
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
    if (this.#controls.paused) push.startPaused(offsetMs);
    else await push.start(offsetMs);
  }

  /** Stops ffmpeg, keeping the position. */
  pause(): Promise<boolean> {
    return this.#controls.pause();
  }

  /** Re-spawns ffmpeg at the paused position. */
  resume(): Promise<boolean> {
    return this.#controls.resume();
  }

  /** Tracked only: RTMP has no per-track mute. */
  mute(): boolean {
    return this.#controls.mute();
  }

  /** Tracked only. */
  unmute(): boolean {
    return this.#controls.unmute();
  }

  /**
   * Seeks the pushed source.
   *
   * @throws {NoSourceError} when nothing is pushing.
   */
  seekBy(deltaMs: number): Promise<void> {
    return this.#controls.seekBy(deltaMs);
  }

  /** Position pushed, ms. */
  time(): number {
    return this.#controls.time();
  }

  /** Media state. */
  mediaState(): MediaState {
    return this.#controls.mediaState();
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
