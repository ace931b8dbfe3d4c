/**
 * Everything a call sends on its audio SSRC: the source's Opus frames, or
 * silence in their place while muted (the source keeps its position), and
 * — whenever no source audio went out for 60 ms (idle,
 * paused, between sources) — a steady 20 ms stream of Opus silence, so the
 * SFU keeps the audio stream alive. Voice activity (RFC 6464's V bit)
 * comes from the level of what is actually sent.
 *
 * RTP time keeps pace with the wall clock across all of it (#14): silence
 * goes out in 20 ms slots continuing the grid of the last frame sent, and
 * a slot the event loop missed is skipped in the timestamps rather than
 * sent late. Source frames that come in after silence filled their slots
 * (a source that fell behind real time) are dropped — the silence was
 * their time — and the first one kept starts a new RTP run, which the
 * sender places at its deadline (MediaSender.beginSource). Silence never
 * takes a slot in which source audio is already queued to play; and where
 * a new source's first frame is due inside time that silence already
 * covered (its video leg set the clock, or the event loop was held up),
 * `send` returns the lead, and the source plays that much later.
 *
 * @module
 */

import { VoiceActivity } from "../media/audio_level.ts";
import type { MediaSender } from "../media/media_sender.ts";
import type { ScheduledTask, Scheduler } from "../runtime/scheduler.ts";
import type { ConnectionTracker } from "./connection_tracker.ts";

/** A 20 ms CELT silence frame (TOC 0xf8: fullband, 20 ms, one frame). */
const OPUS_SILENCE = new Uint8Array([0xf8, 0xff, 0xfe]);
const FRAME_MS = 20;
/** 20 ms at Opus' 48 kHz RTP clock. */
const FRAME_TICKS = 960;
/** Silence starts when no audio went out for this long, ms. */
const IDLE_MS = 60;
/** The RFC 6464 level of digital silence, dBov. */
const SILENT_DBOV = -127;

/** Options for {@linkcode AudioFeed}. */
export interface AudioFeedOptions {
  /** Timer source. */
  scheduler: Scheduler;
  /** The call's connection: audio flows only while it is live. */
  connection: ConnectionTracker;
  /** The current sender; undefined until connected (nothing is sent). */
  sender(): MediaSender | undefined;
  /** Whether the user muted the call. */
  muted(): boolean;
  /** When the source's next queued audio frame is due; NaN when none is. */
  nextSourceDeadline(): number;
}

/** A call's outgoing audio: source frames, mute and idle silence. */
export class AudioFeed {
  readonly #o: AudioFeedOptions;
  readonly #vad = new VoiceActivity();
  readonly #silenceTask: ScheduledTask;
  #lastAudioAt = -Infinity;
  #silenceTs = 0;
  /** Media deadline of the last frame sent, silence or not. */
  #sentAt = NaN;
  /** Media deadline of the last silence frame sent. */
  #silenceAt = NaN;
  /** Source frames due before this were covered by silence: dropped. */
  #cut = -Infinity;
  #silent = false;
  /** No frame of the current source sent yet (none of it can be late). */
  #fresh = false;

  /** @param options See {@linkcode AudioFeedOptions}. */
  constructor(options: AudioFeedOptions) {
    this.#o = options;
    this.#silenceTask = options.scheduler.task((now) => this.#silenceTick(now));
  }

  /** Starts watching for idle time (on every Connected). */
  start(): void {
    this.#silenceTask.after(0);
  }

  /** Stops the idle silence (failed, stopped). */
  stop(): void {
    this.#silenceTask.cancel();
  }

  /** A new source begins: its timestamps start a new RTP run. */
  sourceStarted(): void {
    this.#silent = false;
    this.#fresh = true;
    this.#cut = -Infinity;
    this.#o.sender()?.beginSource();
  }

  /**
   * Sends one source frame (silence in its place while muted). Returns 0,
   * or how many ms later the source must play from here on: the frame's RTP
   * time lies that far ahead of `deadline` (see {@linkcode MediaSender.sendAudio}).
   */
  send(
    data: Uint8Array,
    timestamp: number,
    duration: number,
    deadline: number,
    level: number,
  ): number {
    const sender = this.#o.sender();
    if (!sender || !this.#o.connection.live) return 0;
    if (this.#silent) {
      // Decided once, so silence cannot go on dropping frame after frame.
      this.#cut = this.#fresh ? -Infinity : this.#silenceAt + FRAME_MS / 2;
      this.#silent = false;
      sender.beginSource();
    }
    this.#fresh = false;
    this.#lastAudioAt = this.#o.scheduler.clock.now();
    if (deadline < this.#cut) return 0;
    let lead;
    if (this.#o.muted()) {
      lead = sender.sendAudio(
        OPUS_SILENCE,
        timestamp,
        duration,
        deadline,
        SILENT_DBOV,
        false,
      );
      this.#vad.update(SILENT_DBOV, FRAME_MS);
    } else {
      const voice = this.#vad.update(level, duration / 48);
      lead = sender.sendAudio(
        data,
        timestamp,
        duration,
        deadline,
        level,
        voice,
      );
    }
    this.#sentAt = lead === 0 ? deadline : deadline + lead;
    return lead;
  }

  #silenceTick(now: number): void {
    const connection = this.#o.connection;
    const sender = this.#o.sender();
    if (connection.stopped || !sender) return;
    if (connection.state === "failed" || connection.state === "timeout") {
      return;
    }
    const idleFor = now - this.#lastAudioAt;
    if (idleFor < IDLE_MS) {
      // Audio is flowing from a source: look again when it could stop.
      this.#silenceTask.at(this.#lastAudioAt + IDLE_MS);
      return;
    }
    // The latest 20 ms slot after the last frame that has begun: slots
    // missed while the event loop was held up pass in the timestamps (a
    // gap, as after packet loss) instead of going out late in a burst.
    const last = Number.isNaN(this.#sentAt) ? now - FRAME_MS : this.#sentAt;
    const frames = Math.max(1, Math.floor((now - last) / FRAME_MS));
    const slot = last + frames * FRAME_MS;
    // A source frame due before this slot's middle plays in it (its pacer
    // may simply run later in this same pass): silence here would put the
    // whole source ahead of its deadlines.
    const due = this.#o.nextSourceDeadline();
    if (due < slot + FRAME_MS / 2) {
      this.#silenceTask.at(Math.max(now, due) + FRAME_MS);
      return;
    }
    if (!this.#silent) {
      this.#silent = true;
      sender.beginSource();
    }
    this.#sentAt = this.#silenceAt = slot;
    this.#silenceTs += frames * FRAME_TICKS;
    sender.sendAudio(
      OPUS_SILENCE,
      this.#silenceTs,
      FRAME_TICKS,
      this.#silenceAt,
      SILENT_DBOV,
      this.#vad.update(SILENT_DBOV, frames * FRAME_MS),
    );
    // Keep the idle detector from seeing our own silence as source audio.
    this.#silenceTask.at(this.#silenceAt + FRAME_MS);
  }
}
