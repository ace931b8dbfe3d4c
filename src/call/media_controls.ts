/**
 * The user's media controls, the same for a WebRTC and an RTMP call:
 * mute/unmute and pause/resume toggle a flag and report the new media
 * state through `onUpgrade`; asking for the state already in force is a
 * no-op that returns `false` and reports nothing. `seekBy` and `time` go to
 * whatever is playing. What is playing, and whether video is flowing, is
 * the call's business ({@linkcode MediaControlsOptions}).
 *
 * @module
 */

import { InvalidParamsError, NoSourceError } from "../errors.ts";
import { type MediaState, mediaStateOf } from "./types.ts";

/** What the controls drive: a call's Playback or RtmpPush. */
export interface Player {
  /** `"paused"` while paused; other values are the player's own. */
  readonly state: string;
  /** Stops output, keeping the position; `false` when not playing. */
  pause(): Promise<boolean>;
  /** Continues at the paused position; `false` when not paused. */
  resume(): Promise<boolean>;
  /** Moves by `deltaMs` from the current position. */
  seekBy(deltaMs: number): Promise<void>;
  /** Position, ms. */
  time(): number;
}

/** Options for {@linkcode MediaControls}. */
export interface MediaControlsOptions<P extends Player> {
  /** The chat (for error messages). */
  chatId: number | bigint;
  /** The current player, if a source was set. */
  player(): P | undefined;
  /** Whether a source is set and not finished. */
  playing(): boolean;
  /** Whether video is going out now. */
  videoRunning(): boolean;
  /** Runs before a paused player resumes (a call waits for Connected). */
  beforeResume?(): Promise<void>;
  /** A paused player has resumed. */
  resumed?(player: P): void;
  /** The media state changed. */
  onUpgrade(state: MediaState): void;
}

/** Mute, pause, seek and position of one call. */
export class MediaControls<P extends Player> {
  readonly #o: MediaControlsOptions<P>;
  #muted = false;
  #paused = false;

  /** @param options See {@linkcode MediaControlsOptions}. */
  constructor(options: MediaControlsOptions<P>) {
    this.#o = options;
  }

  /** Explicitly muted. */
  get muted(): boolean {
    return this.#muted;
  }

  /** Paused by the user (a new source starts paused too). */
  get paused(): boolean {
    return this.#paused;
  }

  /** Mutes; `false` when already muted. */
  mute(): boolean {
    if (this.#muted) return false;
    this.#muted = true;
    this.#o.onUpgrade(this.mediaState());
    return true;
  }

  /** Unmutes; `false` when not muted. */
  unmute(): boolean {
    if (!this.#muted) return false;
    this.#muted = false;
    this.#o.onUpgrade(this.mediaState());
    return true;
  }

  /** Pauses the player; `false` when already paused. */
  async pause(): Promise<boolean> {
    if (this.#paused) return false;
    this.#paused = true;
    await this.#o.player()?.pause();
    this.#o.onUpgrade(this.mediaState());
    return true;
  }

  /** Resumes the player at the paused position; `false` when not paused. */
  async resume(): Promise<boolean> {
    if (!this.#paused) return false;
    if (this.#o.beforeResume && this.#o.player()?.state === "paused") {
      await this.#o.beforeResume();
    }
    this.#paused = false;
    // The player may have been replaced while waiting.
    const player = this.#o.player();
    if (player?.state === "paused") {
      await player.resume();
      this.#o.resumed?.(player);
    }
    this.#o.onUpgrade(this.mediaState());
    return true;
  }

  /**
   * Seeks the current source by `deltaMs`.
   *
   * @throws {InvalidParamsError} when `deltaMs` is not finite.
   * @throws {NoSourceError} when nothing is playing.
   */
  async seekBy(deltaMs: number): Promise<void> {
    if (!Number.isFinite(deltaMs)) {
      throw new InvalidParamsError(`Invalid seek delta ${deltaMs}`);
    }
    if (!this.#o.playing()) {
      throw new NoSourceError(`Nothing is playing in chat ${this.#o.chatId}`);
    }
    await this.#o.player()!.seekBy(deltaMs);
  }

  /** Playback position, ms (0 with no source). */
  time(): number {
    return this.#o.player()?.time() ?? 0;
  }

  /** Current media state. */
  mediaState(): MediaState {
    return mediaStateOf(this.#muted, this.#paused, this.#o.videoRunning());
  }
}
