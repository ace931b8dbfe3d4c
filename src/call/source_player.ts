/**
 * What one SFU connection is playing: one {@linkcode Playback} at a time,
 * its frames handed to the connection's MediaSender while the connection
 * is live, and the rules for replacing it — a new source waits for
 * Connected, replaces the old one silently (no end event), starts paused
 * while the user has paused, and only the current playback's end is
 * reported. Shared by a group call (microphone and camera) and its
 * presentation (screen).
 *
 * @module
 */

import { ClosedError, type TgCallError } from "../errors.ts";
import type { OpusFrame } from "../media/ogg_reader.ts";
import type { MediaSender } from "../media/media_sender.ts";
import type { Scheduler } from "../runtime/scheduler.ts";
import type { StreamType } from "../media/kind.ts";
import type { SourceRecipe } from "../source/sources.ts";
import type { ConnectionTracker } from "./connection_tracker.ts";
import { Playback } from "./playback.ts";
import type { CallLogger } from "./types.ts";

/** Where a connection's audio goes (a call's `AudioFeed`). */
export interface AudioOutlet {
  /**
   * An Opus frame is due; `level` is its RMS in dBov. Returns how many ms
   * later the source must play from here on (0: on time).
   */
  send(
    data: Uint8Array,
    timestamp: number,
    duration: number,
    deadline: number,
    level: number,
  ): number;
  /** A new stretch of media starts (open, resume, seek). */
  sourceStarted(): void;
}

/** Options for {@linkcode SourcePlayer}. */
export interface SourcePlayerOptions {
  /** The chat (for logs). */
  chatId: number | bigint;
  /** ffmpeg binary. */
  ffmpegPath: string;
  /** Tee ffmpeg stderr into `logger.debug`. */
  ffmpegStderrLog: boolean;
  /** Logger. */
  logger: CallLogger;
  /** Names the stderr lines `ffmpeg[chat/tag]`; default the leg's kind. */
  stderrTag?: string;
  /** Scheduler; default shared. */
  scheduler?: Scheduler;
  /** The connection's state: frames go out only while it is live. */
  connection: ConnectionTracker;
  /** The connection's sender, once connected. */
  sender(): MediaSender | undefined;
  /** Whether the user has paused: a new source then starts paused. */
  paused(): boolean;
  /** Where audio goes; without it the connection has no audio to play. */
  audio?: AudioOutlet;
  /** A leg of the current playback ended by itself. */
  onEnd(kind: StreamType, error?: TgCallError): void;
}

/** The current Playback of one connection. */
export class SourcePlayer {
  readonly #o: SourcePlayerOptions;
  #playback: Playback | undefined;

  /** @param options See {@linkcode SourcePlayerOptions}. */
  constructor(options: SourcePlayerOptions) {
    this.#o = options;
  }

  /** The current playback, if a source was set. */
  get playback(): Playback | undefined {
    return this.#playback;
  }

  /** Whether a source is set and not finished. */
  get playing(): boolean {
    const state = this.#playback?.state;
    return state !== undefined && state !== "ended" && state !== "stopped";
  }

  /**
   * Plays `source` from `offsetMs` once connected, replacing the current
   * one silently. Resolves `true` when it is running now, `false` when it
   * was recorded paused or replaced meanwhile.
   *
   * @throws {NotConnectedError} when the connection does not come up in time.
   * @throws {ClosedError} once the connection is stopped.
   */
  async play(source: SourceRecipe, offsetMs: number): Promise<boolean> {
    const { connection, paused } = this.#o;
    await connection.waitConnected();
    if (connection.stopped) throw new ClosedError("The call was stopped");
    const old = this.#playback;
    const playback = this.#newPlayback(source);
    this.#playback = playback;
    await old?.stop();
    if (paused()) {
      playback.startPaused(offsetMs);
      return false;
    }
    try {
      await playback.start(offsetMs);
    } catch (error) {
      if (this.#playback === playback) this.#playback = undefined;
      throw error;
    }
    // A pause may have come in while ffmpeg was starting.
    if (paused() && this.#playback === playback) await playback.pause();
    return !paused() && this.#playback === playback;
  }

  /** Stops the current playback, if any; no end event follows. */
  stop(): Promise<void> {
    const playback = this.#playback;
    this.#playback = undefined;
    return playback?.stop() ?? Promise.resolve();
  }

  #newPlayback(source: SourceRecipe): Playback {
    const { chatId, logger, ffmpegStderrLog, audio, stderrTag } = this.#o;
    const current = () => this.#playback === playback;
    const playback: Playback = new Playback({
      source,
      ffmpegPath: this.#o.ffmpegPath,
      verbose: ffmpegStderrLog,
      scheduler: this.#o.scheduler,
      onStderrLine: ffmpegStderrLog
        ? (kind, line) =>
          logger.debug(`ffmpeg[${chatId}/${stderrTag ?? kind}] ${line}`)
        : undefined,
      sink: {
        audio: (f: OpusFrame, deadline, level) => {
          if (!current() || !audio) return;
          const lead = audio.send(
            f.data,
            f.timestamp,
            f.duration,
            deadline,
            level,
          );
          if (lead > 0) playback.delay(lead);
        },
        video: (f, deadline, interval) => {
          const sender = this.#o.sender();
          if (!current() || !sender || !this.#o.connection.live) return;
          sender.sendVideo(f.data, f.timestamp, deadline, interval);
        },
        sourceStarted: () => audio?.sourceStarted(),
      },
      onEnd: (kind, error) => {
        if (current()) this.#o.onEnd(kind, error);
      },
    });
    return playback;
  }
}
