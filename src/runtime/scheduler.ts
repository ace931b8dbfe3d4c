/**
 * One deadline scheduler serving every call in the process.
 *
 * A timer per call does not scale: a thousand calls sending a 20 ms Opus
 * frame each would arm 50 000 timers a second, and each runtime's timer
 * wheel adds its own jitter. Instead tasks sit in a binary min-heap keyed by
 * deadline and a single host timer is armed for the earliest one. Tasks are
 * long-lived objects that are re-armed in place, so steady-state scheduling
 * allocates nothing.
 *
 * A pass runs due tasks for at most a slice of time, then hands the thread
 * back to the event loop. An overloaded process — tasks coming due faster
 * than they run, each re-armed already late — otherwise never leaves the
 * pass: no socket is read, so no RTCP, consent response or signalling reply
 * is handled again, and no other timer fires.
 *
 * @module
 */

import { type Clock, monotonicClock } from "./clock.ts";
import { trackResource } from "./resources.ts";

/** The host timer functions the scheduler arms; injectable for tests. */
export interface TimerHost {
  /** Like `setTimeout`. */
  setTimeout(callback: () => void, delayMs: number): unknown;
  /** Like `clearTimeout`. */
  clearTimeout(handle: unknown): void;
}

/** Options for {@linkcode Scheduler}. */
export interface SchedulerOptions {
  /** Time source; defaults to {@linkcode monotonicClock}. */
  clock?: Clock;
  /** Timer host; defaults to the global `setTimeout`/`clearTimeout`. */
  timers?: TimerHost;
  /**
   * Tasks due within this many milliseconds of a timer firing run in the
   * same pass. Host timers have 1 ms granularity and often fire late, so a
   * small early window lowers average lateness. Default 0.5.
   */
  earlyMs?: number;
  /**
   * A pass yields to the event loop after running tasks for this many
   * milliseconds, and resumes on the next turn. Default 10 (half an audio
   * frame): a normal pass is far shorter.
   */
  sliceMs?: number;
  /** Receives errors thrown by task callbacks; they never stop the loop. */
  onError?: (error: unknown) => void;
}

/** A reusable unit of scheduled work. Create with {@linkcode Scheduler.task}. */
export interface ScheduledTask {
  /** The deadline in clock milliseconds, or `NaN` when not scheduled. */
  readonly deadline: number;
  /** Whether the task is waiting in the scheduler. */
  readonly scheduled: boolean;
  /** (Re)schedules the task to run at `deadline` (clock ms). */
  at(deadline: number): void;
  /** (Re)schedules the task to run `delayMs` from now. */
  after(delayMs: number): void;
  /** Removes the task from the scheduler; harmless when not scheduled. */
  cancel(): void;
}

class Task implements ScheduledTask {
  deadline = NaN;
  /** Position in the heap, or -1. */
  index = -1;
  /** Insertion order, to run equal deadlines first-in first-out. */
  order = 0;

  constructor(
    readonly owner: Scheduler,
    readonly callback: (now: number) => void,
  ) {}

  get scheduled(): boolean {
    return this.index >= 0;
  }

  at(deadline: number): void {
    this.owner._arm(this, deadline);
  }

  after(delayMs: number): void {
    this.owner._arm(this, this.owner.clock.now() + delayMs);
  }

  cancel(): void {
    this.owner._remove(this);
  }
}

const defaultTimers: TimerHost = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) =>
    clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * A deadline-ordered task queue driven by a single host timer.
 *
 * @example
 * ```ts
 * import { Scheduler } from "./scheduler.ts";
 *
 * const scheduler = new Scheduler();
 * let ticks = 0;
 * const tick = scheduler.task((now) => {
 *   if (++ticks < 3) tick.at(now + 20); // re-arm in place: no allocation
 * });
 * tick.after(0);
 * ```
 */
export class Scheduler {
  /** The clock deadlines are measured on. */
  readonly clock: Clock;
  readonly #timers: TimerHost;
  readonly #earlyMs: number;
  readonly #sliceMs: number;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #heap: Task[] = [];
  #order = 0;
  #timer: unknown = undefined;
  #timerDeadline = Infinity;
  #running = false;
  #errors = 0;

  /** @param options See {@linkcode SchedulerOptions}. */
  constructor(options: SchedulerOptions = {}) {
    this.clock = options.clock ?? monotonicClock;
    this.#timers = options.timers ?? defaultTimers;
    this.#earlyMs = options.earlyMs ?? 0.5;
    this.#sliceMs = options.sliceMs ?? 10;
    this.#onError = options.onError;
  }

  /** Number of tasks waiting. */
  get pending(): number {
    return this.#heap.length;
  }

  /** Number of task callbacks that threw so far. */
  get errors(): number {
    return this.#errors;
  }

  /** Creates a task that runs `callback(now)` each time it comes due. */
  task(callback: (now: number) => void): ScheduledTask {
    return new Task(this, callback);
  }

  /** @internal */
  _arm(task: Task, deadline: number): void {
    if (!Number.isFinite(deadline)) {
      throw new RangeError(`Cannot schedule a task at ${deadline}`);
    }
    task.order = this.#order++;
    if (task.index >= 0) {
      const earlier = deadline < task.deadline;
      task.deadline = deadline;
      if (earlier) this.#siftUp(task.index);
      else this.#siftDown(task.index);
    } else {
      task.deadline = deadline;
      task.index = this.#heap.length;
      this.#heap.push(task);
      this.#siftUp(task.index);
    }
    if (!this.#running) this.#rearm();
  }

  /** @internal */
  _remove(task: Task): void {
    const i = task.index;
    if (i < 0) return;
    const last = this.#heap.pop()!;
    if (last !== task) {
      this.#heap[i] = last;
      last.index = i;
      this.#siftDown(i);
      this.#siftUp(last.index);
    }
    task.index = -1;
    task.deadline = NaN;
    if (!this.#running) this.#rearm();
  }

  /** Runs every task due now; the host timer calls this. */
  #fire = (): void => {
    this.#timer = undefined;
    this.#timerDeadline = Infinity;
    trackResource("timers", -1);
    this.#running = true;
    try {
      const heap = this.#heap;
      // Re-read the clock for each task: a slow callback must not let the
      // following ones run with a stale "now".
      let now = this.clock.now();
      const end = now + this.#sliceMs;
      while (heap.length > 0 && heap[0].deadline <= now + this.#earlyMs) {
        const task = heap[0];
        this._remove(task);
        try {
          task.callback(now);
        } catch (error) {
          this.#errors++;
          this.#onError?.(error);
        }
        now = this.clock.now();
        // The rest are overdue: #rearm arms a 0 ms timer, after which the
        // event loop has polled for I/O.
        if (now >= end) break;
      }
    } finally {
      this.#running = false;
      this.#rearm();
    }
  };

  #rearm(): void {
    const next = this.#heap.length > 0 ? this.#heap[0].deadline : Infinity;
    if (next === this.#timerDeadline) return;
    if (this.#timer !== undefined) {
      this.#timers.clearTimeout(this.#timer);
      this.#timer = undefined;
      trackResource("timers", -1);
    }
    this.#timerDeadline = next;
    if (next === Infinity) return;
    const delay = Math.max(0, next - this.clock.now());
    this.#timer = this.#timers.setTimeout(this.#fire, delay);
    trackResource("timers", 1);
  }

  #before(a: Task, b: Task): boolean {
    return a.deadline < b.deadline ||
      (a.deadline === b.deadline && a.order < b.order);
  }

  #siftUp(i: number): void {
    const heap = this.#heap;
    const task = heap[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(task, heap[parent])) break;
      heap[i] = heap[parent];
      heap[i].index = i;
      i = parent;
    }
    heap[i] = task;
    task.index = i;
  }

  #siftDown(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const task = heap[i];
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.#before(heap[right], heap[left])
        ? right
        : left;
      if (!this.#before(heap[child], task)) break;
      heap[i] = heap[child];
      heap[i].index = i;
      i = child;
    }
    heap[i] = task;
    task.index = i;
  }
}

let shared: Scheduler | undefined;

/**
 * The process-wide scheduler that all calls share. Created on first use;
 * its host timer is armed only while tasks are waiting, so an idle process
 * holds no timer.
 */
export function sharedScheduler(): Scheduler {
  return shared ??= new Scheduler();
}
