/**
 * Keyframes on demand for a source that can seek: ffmpeg cannot be told
 * to emit a keyframe mid-stream, but a video leg started afresh begins
 * with one. So a keyframe request starts a second video leg at the media
 * position playout will have reached once that leg is running — the
 * position played plus a lead — and its frames replace the running leg's
 * from its first frame on. Both legs carry the same media time (`-ss` +
 * `-output_ts_offset`), so RTP timestamps simply continue and the audio
 * leg is never touched.
 *
 * - The lead is learned: the slowest of the last eight start-ups, × 1.2 +
 *   50 ms. A start-up runs from spawn to 150 ms of frames in hand (the
 *   source's first opening counts too, to its first frame): a fresh
 *   ffmpeg on a busy machine can run slower than real time at first, and
 *   taking over with nothing in hand would stall every viewer.
 * - The switch happens as late as it can — two frames before the new
 *   leg's first — so the running leg's queued frames bridge the new one's
 *   first moments; it waits, too, until the running leg has queued up to
 *   there.
 * - A new leg not ready when playout reaches its first frame is dropped
 *   and tried once more with the longer lead it taught; the running leg
 *   plays on meanwhile, so a slow restart costs latency, never a glitch.
 * - No restart happens when the running leg's own next keyframe (its
 *   schedule, `ON_DEMAND_KEYFRAME_SECONDS` from its first frame) is due
 *   within the lead: that one answers sooner.
 *
 * @module
 */

import type { Vp8Frame } from "../media/ivf_reader.ts";
import type { Clock } from "../runtime/clock.ts";
import type { StreamType } from "../media/kind.ts";
import { FfmpegLeg } from "../source/ffmpeg_leg.ts";
import type { SourceRecipe } from "../source/sources.ts";

/** The lead before any start-up was measured, ms. */
const INITIAL_LEAD_MS = 500;
const MIN_LEAD_MS = 150;
const MAX_LEAD_MS = 3000;
/** Start-ups remembered for the lead. */
const STARTUPS = 8;
/** Frames held while the running leg catches up before reading pauses. */
const HOLD_HIGH = 30;
/**
 * A new leg takes over only once it has this much video ready, ms: a fresh
 * ffmpeg on a busy machine can run slower than real time for a while, and
 * switching to it with nothing in hand would stall every viewer.
 */
const READY_MS = 150;

/** What a {@linkcode VideoRestart} restarts: one Playback's video track. */
export interface VideoRestartOptions {
  /** The source played (its video leg is spawned again). */
  source: SourceRecipe;
  /** ffmpeg binary; default `"ffmpeg"`. */
  ffmpegPath?: string;
  /** ffmpeg logs at info level. */
  verbose?: boolean;
  /** ffmpeg stderr lines. */
  onStderrLine?: (kind: StreamType, line: string) => void;
  /** Measures start-up times. */
  clock: Clock;
  /** The legs' keyframe schedule: one every this many ms from a leg's first frame. */
  keyframeIntervalMs: number;
  /** Whether callbacks of `generation` (one opening of the source) still matter. */
  isCurrent(generation: number): boolean;
  /** Media time (90 kHz) of the last video frame played; NaN before one. */
  played(): number;
  /** Media time (90 kHz) of the last video frame queued; NaN before one. */
  queued(): number;
  /** The video's frame interval, ms. */
  frameIntervalMs(): number;
  /**
   * Replaces the running leg by `leg`, whose frames start at `frames[0]`
   * (a keyframe) and take the place of the running leg's from there on.
   * Returns whether reading `leg` should pause.
   */
  adopt(
    generation: number,
    leg: FfmpegLeg<"video">,
    frames: Vp8Frame[],
  ): boolean;
  /** More frames of an adopted leg; returns whether reading should pause. */
  push(generation: number, frames: Vp8Frame[]): boolean;
}

interface Pending {
  generation: number;
  requestedAt: number;
  leg?: FfmpegLeg<"video">;
  held: Vp8Frame[];
  ready: boolean;
  adopted: boolean;
  retries: number;
}

/** Keyframe requests answered by restarting the video leg. */
export class VideoRestart {
  readonly #host: VideoRestartOptions;
  readonly #clock: Clock;
  readonly #startups: number[] = [];
  readonly #stopping = new Set<Promise<unknown>>();
  #pending: Pending | undefined;
  #legStart = NaN;
  /** Restarts begun. */
  started = 0;
  /** Restarts whose leg replaced the running one. */
  adopted = 0;
  /** Restarts dropped because their first frame came after playout passed it. */
  late = 0;

  /** @param options See {@linkcode VideoRestartOptions}. */
  constructor(options: VideoRestartOptions) {
    this.#host = options;
    this.#clock = options.clock;
  }

  /** The lead a restart now starts with, ms. */
  get leadMs(): number {
    if (this.#startups.length === 0) return INITIAL_LEAD_MS;
    const slowest = Math.max(...this.#startups);
    return Math.min(MAX_LEAD_MS, Math.max(MIN_LEAD_MS, slowest * 1.2 + 50));
  }

  /**
   * A leg of this source (an opening) took `ms` from spawn to its first
   * frame, which has timestamp `timestamp`: the lead starts from that
   * rather than a guess, and the leg's keyframe schedule from there.
   */
  legStarted(ms: number, timestamp: number): void {
    this.#legStart = timestamp;
    this.#observeStartup(ms);
  }

  #observeStartup(ms: number): void {
    this.#startups.push(ms);
    if (this.#startups.length > STARTUPS) this.#startups.shift();
  }

  /** Whether a restart is under way (its keyframe will answer new requests too). */
  get pending(): boolean {
    return this.#pending !== undefined;
  }

  /**
   * Starts a restart for the opening `generation`, unless one is under
   * way. Nothing happens before the first video frame has played.
   */
  request(generation: number, retries = 0): void {
    if (this.#pending || !this.#host.isCurrent(generation)) return;
    const played = this.#host.played();
    if (Number.isNaN(played)) return;
    // The running leg's next scheduled keyframe comes sooner: it answers.
    const period = this.#host.keyframeIntervalMs * 90;
    const sinceStart = played - this.#legStart;
    const scheduled = (Math.floor(sinceStart / period) + 1) * period;
    if ((scheduled - sinceStart) / 90 <= this.leadMs) return;
    const pending: Pending = {
      generation,
      requestedAt: this.#clock.now(),
      held: [],
      ready: false,
      adopted: false,
      retries,
    };
    this.#pending = pending;
    this.started++;
    const offsetMs = Math.round(played / 90 + this.leadMs);
    this.#spawn(offsetMs, (frames) => this.#frames(pending, frames)).then(
      (leg) => {
        pending.leg = leg;
        if (this.#pending !== pending) {
          this.#stop(leg);
          return;
        }
        // Past the end of the file, or failed before its first frame.
        leg.ended.then(() => {
          if (this.#pending === pending) this.#pending = undefined;
        });
        if (pending.held.length > 0) this.check();
      },
      () => {
        if (this.#pending === pending) this.#pending = undefined;
      },
    );
  }

  /**
   * The running leg queued or played a frame: a restart waiting for it may
   * switch now.
   */
  check(): void {
    const pending = this.#pending;
    if (!pending || pending.held.length === 0) return;
    if (this.#tryAdopt(pending) === false) pending.leg?.resumeReading();
  }

  /**
   * Drops a restart under way (pause, seek, stop, the source ended).
   * Resolves once its ffmpeg has exited.
   */
  cancel(): Promise<void> {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending?.leg && !pending.adopted) this.#stop(pending.leg);
    return Promise.all(this.#stopping).then(() => {});
  }

  #frames(pending: Pending, frames: Vp8Frame[]): boolean {
    if (pending.adopted) return this.#host.push(pending.generation, frames);
    if (this.#pending !== pending) return false;
    if (!this.#host.isCurrent(pending.generation)) {
      this.cancel();
      return false;
    }
    if (pending.held.length === 0 && !frames[0].keyframe) {
      this.cancel(); // cannot happen with a fresh ffmpeg; never switch to it
      return false;
    }
    pending.held.push(...frames);
    const held = pending.held;
    if (
      !pending.ready &&
      held[held.length - 1].timestamp - held[0].timestamp >= READY_MS * 90
    ) {
      pending.ready = true;
      this.#observeStartup(this.#clock.now() - pending.requestedAt);
    }
    return this.#tryAdopt(pending) ?? held.length >= HOLD_HIGH;
  }

  /**
   * Switches to the pending leg as late as it can: when playout is within
   * two frames of the pending leg's first one (or the leg has a second of
   * frames waiting), and the running leg has queued up to there. Until
   * then the running leg's queued frames stay: a fresh ffmpeg needs a
   * moment to run faster than real time, and they bridge it. Undefined
   * while it must wait; else whether its reading should pause (false also
   * when it came too late and was dropped).
   */
  #tryAdopt(pending: Pending): boolean | undefined {
    const first = pending.held[0].timestamp;
    if (!(first > this.#host.played())) {
      // Too late: playout already passed its first frame. Try once more,
      // with the lead this start-up just raised.
      this.late++;
      this.cancel();
      if (pending.retries < 1) {
        this.request(pending.generation, pending.retries + 1);
      }
      return false;
    }
    const leg = pending.leg;
    const frame = this.#host.frameIntervalMs() * 90;
    if (
      !leg || !pending.ready || !(this.#host.queued() + frame >= first - 45) ||
      (pending.held.length < HOLD_HIGH &&
        first - this.#host.played() > 2 * frame)
    ) {
      return undefined;
    }
    pending.adopted = true;
    this.#pending = undefined;
    this.adopted++;
    this.#legStart = first;
    const frames = pending.held;
    pending.held = [];
    return this.#host.adopt(pending.generation, leg, frames);
  }

  #spawn(
    offsetMs: number,
    onFrames: (frames: Vp8Frame[]) => boolean,
  ): Promise<FfmpegLeg<"video">> {
    const o = this.#host;
    const spec = o.source.legs(offsetMs, o.verbose)
      .find((leg) => leg.kind === "video")!;
    return FfmpegLeg.start({
      ffmpegPath: spec.binary ?? o.ffmpegPath ?? "ffmpeg",
      args: spec.args,
      kind: "video",
      onFrames,
      onStderrLine: (line) => o.onStderrLine?.("video", line),
    });
  }

  #stop(leg: FfmpegLeg<"video">): void {
    const stopping = leg.stop();
    this.#stopping.add(stopping);
    stopping.finally(() => this.#stopping.delete(stopping));
  }
}
