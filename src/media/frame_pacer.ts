/**
 * Releases timed frames at their media deadlines.
 *
 * A track's frames arrive from its source ahead of time with media
 * timestamps; the pacer maps them onto the monotonic clock
 * (`deadline = origin + (timestamp − first) / rate`) and hands each over when
 * due, as one reusable task on the shared scheduler — no timer per call.
 * Deadlines are absolute, so scheduling jitter never accumulates into drift,
 * and audio and video paced from the same origin stay in step.
 *
 * @module
 */

import {
  type ScheduledTask,
  type Scheduler,
  sharedScheduler,
} from "../runtime/scheduler.ts";

/** Options for {@linkcode FramePacer}. */
export interface FramePacerOptions<T> {
  /** Ticks per second of the frames' timestamps (48 000 for Opus, 90 000 for VP8). */
  clockRate: number;
  /** Receives each frame at its deadline; `deadline` is its media time (monotonic ms). */
  onFrame: (frame: T, deadline: number, now: number) => void;
  /** Frames buffered at most; older ones are dropped first when full. Default 500. */
  maxBuffered?: number;
  /** Timer source; default the shared scheduler. */
  scheduler?: Scheduler;
}

/** Paces one track. */
export class FramePacer<T> {
  readonly #o: FramePacerOptions<T>;
  readonly #scheduler: Scheduler;
  readonly #task: ScheduledTask;
  readonly #frames: T[] = [];
  readonly #deadlines: number[] = [];
  #head = 0;
  #origin = NaN;
  #firstTimestamp = 0;
  #dropped = 0;

  /** @param options See {@linkcode FramePacerOptions}. */
  constructor(options: FramePacerOptions<T>) {
    this.#o = options;
    this.#scheduler = options.scheduler ?? sharedScheduler();
    this.#task = this.#scheduler.task((now) => this.#release(now));
  }

  /** Frames waiting. */
  get buffered(): number {
    return this.#frames.length - this.#head;
  }

  /** Frames dropped because the buffer was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Anchors timestamp `timestamp` to monotonic time `at` (default: now).
   * Later frames are due relative to this anchor; call it on start, resume
   * and seek. Pass the same `at` to the audio and video pacers of a call.
   */
  anchor(timestamp: number, at: number = this.#scheduler.clock.now()): void {
    this.#origin = at;
    this.#firstTimestamp = timestamp;
  }

  /** The deadline of the next frame to be released; NaN when none is queued. */
  get nextDeadline(): number {
    return this.#head < this.#frames.length ? this.#deadlines[this.#head] : NaN;
  }

  /**
   * Moves the anchor and every queued frame `ms` later: the track's media
   * time now plays out that much later (pass the same `ms` to the audio and
   * video pacers of a call to keep them in step).
   */
  shift(ms: number): void {
    this.#origin += ms;
    for (let i = this.#head; i < this.#deadlines.length; i++) {
      this.#deadlines[i] += ms;
    }
    if (this.#head < this.#frames.length) {
      this.#task.at(this.#deadlines[this.#head]);
    }
  }

  /** The media deadline of a timestamp under the current anchor. */
  deadlineOf(timestamp: number): number {
    return this.#origin +
      ((timestamp - this.#firstTimestamp) * 1000) / this.#o.clockRate;
  }

  /** Queues a frame with its timestamp; anchors to now if not anchored yet. */
  push(frame: T, timestamp: number): void {
    if (Number.isNaN(this.#origin)) this.anchor(timestamp);
    if (this.buffered >= (this.#o.maxBuffered ?? 500)) {
      this.#head++;
      this.#dropped++;
    }
    this.#frames.push(frame);
    this.#deadlines.push(this.deadlineOf(timestamp));
    if (
      !this.#task.scheduled || this.#deadlines[this.#head] < this.#task.deadline
    ) {
      this.#task.at(this.#deadlines[this.#head]);
    }
  }

  #release(now: number): void {
    while (
      this.#head < this.#frames.length &&
      this.#deadlines[this.#head] <= now + 0.5
    ) {
      const frame = this.#frames[this.#head];
      const deadline = this.#deadlines[this.#head];
      this.#frames[this.#head] = undefined as T; // let it be collected
      this.#head++;
      this.#o.onFrame(frame, deadline, now);
    }
    // Compact once the consumed prefix dominates, so memory stays bounded.
    if (this.#head > 64 && this.#head * 2 > this.#frames.length) {
      this.#frames.splice(0, this.#head);
      this.#deadlines.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#head < this.#frames.length) {
      this.#task.at(this.#deadlines[this.#head]);
    }
  }

  /** The deadline of the first queued frame `match` accepts; NaN when none. */
  findQueued(match: (frame: T) => boolean): number {
    for (let i = this.#head; i < this.#frames.length; i++) {
      if (match(this.#frames[i])) return this.#deadlines[i];
    }
    return NaN;
  }

  /**
   * Drops the queued frames from `timestamp` on (the tail of the queue),
   * keeping the anchor: another producer's frames take their place.
   * Returns how many were dropped.
   */
  dropFrom(timestamp: number): number {
    const cut = this.deadlineOf(timestamp);
    let dropped = 0;
    while (
      this.#frames.length > this.#head && this.#deadlines.at(-1)! >= cut
    ) {
      this.#frames.pop();
      this.#deadlines.pop();
      dropped++;
    }
    if (this.#head === this.#frames.length) this.#task.cancel();
    return dropped;
  }

  /** Drops everything queued and stops the task. The anchor is cleared. */
  clear(): void {
    this.#frames.length = 0;
    this.#deadlines.length = 0;
    this.#head = 0;
    this.#origin = NaN;
    this.#task.cancel();
  }
}
