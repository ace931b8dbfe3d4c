/**
 * Plays one source into one call: opens its ffmpeg legs, paces their
 * frames on the shared scheduler (audio and video from one origin), and
 * implements pause, resume and seek by re-opening the source at an offset.
 *
 * `time()` is the media position of what has actually been played (not
 * what ffmpeg has produced — the pipe holds seconds ahead), so pausing and
 * resuming neither skips nor repeats, and the position carries on across
 * pause, resume and seek rather than restarting at zero.
 *
 * End events: exactly once per leg, after the leg's last buffered frame has
 * played, video before audio; never for `pause`, `seekBy` or `stop` (each
 * (re)open bumps a generation number and late callbacks of an older one are
 * ignored).
 *
 * @module
 */

import type { TgCallError } from "../errors.ts";
import { FramePacer } from "../media/frame_pacer.ts";
import type { Vp8Frame } from "../media/ivf_reader.ts";
import type { OpusFrame } from "../media/ogg_reader.ts";
import { type Scheduler, sharedScheduler } from "../runtime/scheduler.ts";
import { restartsForKeyframes } from "../source/ffmpeg_args.ts";
import { ON_DEMAND_KEYFRAME_SECONDS } from "../source/ffmpeg_flags.ts";
import type { StreamType } from "../media/kind.ts";
import type { LegEnd } from "../source/ffmpeg_leg.ts";
import {
  isSeekable,
  type OpenedSource,
  type SourceRecipe,
} from "../source/sources.ts";
import { hasVideo } from "../source/track.ts";
import { type RunState, SeekableRun } from "./seekable_run.ts";
import { VideoRestart } from "./video_restart.ts";

/** Where played frames go (a call's MediaSender, or a test). */
export interface PlaybackSink {
  /** An Opus frame is due; `level` is its RMS in dBov (−127 … 0). */
  audio(frame: OpusFrame, deadline: number, level: number): void;
  /** A VP8 frame is due. */
  video(frame: Vp8Frame, deadline: number, frameIntervalMs: number): void;
  /** A new stretch of media starts (open, resume, seek). */
  sourceStarted(): void;
}

/** Options for {@linkcode Playback}. */
export interface PlaybackOptions {
  /** What to play. */
  source: SourceRecipe;
  /** Frame receiver. */
  sink: PlaybackSink;
  /** A leg ended by itself: EOF (`error` undefined) or failure. */
  onEnd: (kind: StreamType, error?: TgCallError) => void;
  /** ffmpeg binary. */
  ffmpegPath?: string;
  /** ffmpeg logs at info level. */
  verbose?: boolean;
  /** ffmpeg stderr lines. */
  onStderrLine?: (kind: StreamType, line: string) => void;
  /** Timer source; default the shared scheduler. */
  scheduler?: Scheduler;
  /** Delay between the first frame of an opening and its playout; default the source's `startupMs`, else 40 ms. */
  startupMs?: number;
}

const AUDIO_HIGH = 50; // 1 s of 20 ms frames buffered: stop reading ffmpeg
const AUDIO_LOW = 25;
const VIDEO_HIGH = 30;
const VIDEO_LOW = 15;

// deno-lint-ignore no-explicit-any
type AnyTrack = Track<any>;

/** One leg's pacer and where it stands. */
class Track<F> {
  readonly pacer: FramePacer<F>;
  waiting = false;
  released = 0;
  anchored = false;
  ended: LegEnd | undefined = undefined;
  emitted = false;
  constructor(pacer: FramePacer<F>) {
    this.pacer = pacer;
  }
}

/** One source playing into one call. */
export class Playback {
  readonly #o: PlaybackOptions;
  readonly #scheduler: Scheduler;
  readonly #audio: Track<OpusFrame>;
  readonly #video: Track<Vp8Frame> | undefined;
  readonly #run: SeekableRun<OpenedSource>;
  #positionMs = 0;
  #firstAudio = NaN;
  #firstVideo = NaN;
  #lastVideoTs = NaN;
  #queuedVideoTs = NaN;
  #restart: VideoRestart | undefined;
  #frameIntervalMs = 1000 / 30;
  #origin = NaN;
  #openedAt = NaN;

  /** @param options See {@linkcode PlaybackOptions}. */
  constructor(options: PlaybackOptions) {
    this.#o = options;
    this.#scheduler = options.scheduler ?? sharedScheduler();
    const scheduler = this.#scheduler;
    this.#audio = new Track(
      new FramePacer<OpusFrame>({
        clockRate: 48000,
        scheduler,
        onFrame: (f, deadline) => this.#playAudio(f, deadline),
      }),
    );
    this.#video = hasVideo(options.source.tracks)
      ? new Track(
        new FramePacer<Vp8Frame>({
          clockRate: 90000,
          scheduler,
          onFrame: (f, deadline) => this.#playVideo(f, deadline),
        }),
      )
      : undefined;
    if (this.#video && restartsForKeyframes(options.source.input)) {
      this.#restart = this.#videoRestart();
    }
    if (!(options.source.tracks & 1)) {
      this.#audio.emitted = true; // video-only shell source: no audio leg
    }
    this.#run = new SeekableRun({
      source: options.source,
      open: (offsetMs, generation) => this.#open(offsetMs, generation),
      started: (opened, generation) => {
        opened.audio?.ended.then((end) =>
          this.#legEnded(generation, "audio", end)
        );
        opened.video?.ended.then((end) =>
          this.#legEnded(generation, "video", end)
        );
      },
      discard: () => {
        this.#audio.pacer.clear();
        this.#video?.pacer.clear();
        this.#restart?.cancel();
      },
      close: async (opened) => {
        await Promise.all([opened.close(), this.#restart?.cancel()]);
      },
      position: () => this.#positionMs,
    });
  }

  /** The source being played. */
  get source(): SourceRecipe {
    return this.#o.source;
  }

  /** Current state. */
  get state(): RunState {
    return this.#run.state;
  }

  /** Media position of what has been played, ms. */
  time(): number {
    return Math.max(0, Math.round(this.#run.position()));
  }

  /** Starts at `offsetMs` (default 0). Rejects with the source's spawn error. */
  start(offsetMs = 0): Promise<void> {
    return this.#run.start(offsetMs);
  }

  /** Starts later: records `offsetMs` as the paused position. */
  startPaused(offsetMs = 0): void {
    this.#run.startPaused(offsetMs);
  }

  /** Stops ffmpeg and remembers the position. `false` when not playing. */
  pause(): Promise<boolean> {
    return this.#run.pause();
  }

  /** Re-opens at the paused position. `false` when not paused. */
  resume(): Promise<boolean> {
    return this.#run.resume();
  }

  /**
   * Moves by `deltaMs` from the current position (clamped at 0). While
   * paused only the position moves. Overshooting the end ends the stream
   * naturally.
   *
   * @throws {SeekUnsupportedError} when the source cannot seek.
   */
  seekBy(deltaMs: number): Promise<void> {
    return this.#run.seekBy(deltaMs);
  }

  /**
   * A receiver needs a keyframe: a file restarts its video leg at the
   * position being played (the first frame of a fresh encoder is one);
   * other sources wait for their leg's next scheduled keyframe.
   */
  requestKeyframe(): void {
    const t = this.#video, restart = this.#restart;
    if (this.#run.state !== "playing" || !t || t.ended || !restart) return;
    const queued = t.pacer.findQueued((f) => f.keyframe);
    if (queued - this.#scheduler.clock.now() <= restart.leadMs) return;
    restart.request(this.#run.generation);
  }

  /** When the next queued audio frame is due; NaN when none is queued. */
  nextAudioDeadline(): number {
    return this.#audio.pacer.nextDeadline;
  }

  /**
   * Plays everything from here on `ms` later, audio and video together
   * (the sink's RTP time ran ahead of the deadlines: see
   * `MediaSender.sendAudio`).
   */
  delay(ms: number): void {
    this.#origin += ms; // a track not anchored yet starts in step
    this.#audio.pacer.shift(ms);
    this.#video?.pacer.shift(ms);
  }

  /** Stops everything; no end event follows. Idempotent. */
  stop(): Promise<void> {
    return this.#run.stop();
  }

  #open(offsetMs: number, generation: number): Promise<OpenedSource> {
    this.#positionMs = offsetMs;
    this.#firstAudio = this.#firstVideo = NaN;
    this.#lastVideoTs = this.#queuedVideoTs = NaN;
    this.#origin = NaN;
    this.#openedAt = this.#scheduler.clock.now();
    for (const t of [this.#audio, this.#video]) {
      if (!t) continue;
      t.pacer.clear();
      t.waiting = false;
      t.released = 0;
      t.anchored = false;
    }
    this.#o.sink.sourceStarted();
    const source = this.#o.source;
    const options = {
      ffmpegPath: this.#o.ffmpegPath,
      verbose: this.#o.verbose,
      onStderrLine: this.#o.onStderrLine,
      onAudio: (frames: OpusFrame[]) => this.#pushAudio(generation, frames),
      onVideo: (frames: Vp8Frame[]) => this.#pushVideo(generation, frames),
    };
    return isSeekable(source)
      ? source.openAt(offsetMs, options)
      : source.open(options);
  }

  #anchor(track: AnyTrack, timestamp: number): void {
    if (Number.isNaN(this.#origin)) {
      this.#origin = this.#scheduler.clock.now() +
        (this.#o.startupMs ?? this.#o.source.startupMs ?? 40);
    }
    track.pacer.anchor(timestamp, this.#origin);
    track.anchored = true;
  }

  #pushAudio(generation: number, frames: OpusFrame[]): boolean {
    if (!this.#run.isCurrent(generation)) return false;
    const t = this.#audio;
    if (!t.anchored) {
      this.#firstAudio = frames[0].timestamp;
      this.#anchor(t, frames[0].timestamp);
    }
    for (const f of frames) t.pacer.push(f, f.timestamp);
    t.waiting = t.pacer.buffered >= AUDIO_HIGH;
    return t.waiting;
  }

  #pushVideo(generation: number, frames: Vp8Frame[]): boolean {
    const t = this.#video;
    if (!this.#run.isCurrent(generation) || !t) return false;
    if (!t.anchored) {
      this.#firstVideo = frames[0].timestamp;
      this.#anchor(t, frames[0].timestamp);
      this.#restart?.legStarted(
        this.#scheduler.clock.now() - this.#openedAt,
        frames[0].timestamp,
      );
    }
    for (const f of frames) t.pacer.push(f, f.timestamp);
    this.#queuedVideoTs = frames[frames.length - 1].timestamp;
    t.waiting = t.pacer.buffered >= VIDEO_HIGH;
    this.#restart?.check();
    return t.waiting;
  }

  #videoRestart(): VideoRestart {
    return new VideoRestart({
      ...this.#o,
      clock: this.#scheduler.clock,
      keyframeIntervalMs: ON_DEMAND_KEYFRAME_SECONDS * 1000,
      isCurrent: (generation) => this.#run.isCurrent(generation),
      played: () => this.#lastVideoTs,
      queued: () => this.#queuedVideoTs,
      frameIntervalMs: () => this.#frameIntervalMs,
      adopt: (generation, leg, frames) => {
        const opening = this.#run.opening, old = opening?.video;
        if (!opening || !this.#run.isCurrent(generation)) {
          leg.stop();
          return false;
        }
        this.#video!.pacer.dropFrom(frames[0].timestamp);
        opening.video = leg;
        old?.stop(); // its end is "stopped by us": not reported
        leg.ended.then((end) => this.#legEnded(generation, "video", end));
        return this.#pushVideo(generation, frames);
      },
      push: (generation, frames) => this.#pushVideo(generation, frames),
    });
  }

  #playAudio(frame: OpusFrame, deadline: number): void {
    const t = this.#audio;
    const index = t.released++;
    const level = this.#run.opening?.audio?.levelAt(index) ??
      (frame.data.length <= 8 ? -127 : -30);
    this.#positionMs = this.#run.offsetMs +
      ((frame.timestamp + frame.duration - this.#firstAudio) * 1000) / 48000;
    this.#o.sink.audio(frame, deadline, level);
    this.#afterRelease(t, "audio", AUDIO_LOW);
  }

  #playVideo(frame: Vp8Frame, deadline: number): void {
    const t = this.#video!;
    t.released++;
    if (!Number.isNaN(this.#lastVideoTs)) {
      const ms = (frame.timestamp - this.#lastVideoTs) / 90;
      if (ms > 0 && ms < 1000) this.#frameIntervalMs = ms;
    }
    this.#lastVideoTs = frame.timestamp;
    if (!(this.#o.source.tracks & 1) || this.#audio.ended) {
      // No audio driving the position: video does.
      this.#positionMs = Math.max(
        this.#positionMs,
        this.#run.offsetMs +
          (frame.timestamp - this.#firstVideo) / 90 + this.#frameIntervalMs,
      );
    }
    this.#o.sink.video(frame, deadline, this.#frameIntervalMs);
    this.#restart?.check();
    this.#afterRelease(t, "video", VIDEO_LOW);
  }

  #afterRelease(t: AnyTrack, kind: StreamType, low: number): void {
    if (t.waiting && t.pacer.buffered <= low) {
      t.waiting = false;
      this.#run.opening?.[kind]?.resumeReading();
    }
    if (t.ended && t.pacer.buffered === 0) this.#finish(kind);
  }

  #legEnded(generation: number, kind: StreamType, end: LegEnd): void {
    if (!this.#run.isCurrent(generation) || end.stoppedByUs) return;
    const t = kind === "audio" ? this.#audio : this.#video;
    if (!t || t.ended) return;
    t.ended = end;
    if (kind === "video") this.#restart?.cancel();
    if (end.error && kind === "audio" && this.#video && !this.#video.ended) {
      // Without sound the stream is broken: end the picture too.
      this.#video.ended = { stoppedByUs: false, frames: 0 };
      this.#video.pacer.clear();
      this.#run.opening?.video?.stop();
      this.#finish("video");
    }
    if (end.error) t.pacer.clear(); // a failed leg does not play its tail
    if (t.pacer.buffered === 0) this.#finish(kind);
  }

  #finish(kind: StreamType): void {
    const t = kind === "audio" ? this.#audio : this.#video;
    if (!t || t.emitted || !t.ended) return;
    // Video's end is always reported before audio's.
    if (kind === "audio" && this.#video && !this.#video.emitted) return;
    t.emitted = true;
    this.#o.onEnd(kind, t.ended.error);
    if (kind === "video" && this.#audio.ended && !this.#audio.emitted) {
      this.#finish("audio");
    }
    if (this.#audio.emitted && (!this.#video || this.#video.emitted)) {
      this.#run.end()?.close();
    }
  }
}
