/**
 * Keyframe requests toward the source, from PLI and FIR (RFC 4585 §6.3.1,
 * RFC 5104 §4.3.1) or from the sender itself when it had to drop a frame.
 * An SFU forwards every receiver's PLI, so a lossy room produces storms;
 * each request is honoured, but never more often than the interval: one
 * inside it is deferred to its end, where the whole storm coalesces into
 * a single request.
 *
 * @module
 */

import type { ScheduledTask, Scheduler } from "../runtime/scheduler.ts";

/** Options for {@linkcode KeyframeRequests}. */
export interface KeyframeRequestsOptions {
  /** Timer source for deferred requests. */
  scheduler: Scheduler;
  /** Minimum spacing of requests; default 500 ms. */
  intervalMs?: number;
  /** Asks the source for a keyframe. */
  onRequest?: () => void;
}

/** Rate-limits keyframe requests without ever dropping one. */
export class KeyframeRequests {
  readonly #o: KeyframeRequestsOptions;
  readonly #task: ScheduledTask;
  #last = -Infinity;
  #closed = false;
  /** Requests passed to the source. */
  requested = 0;

  /** @param options See {@linkcode KeyframeRequestsOptions}. */
  constructor(options: KeyframeRequestsOptions) {
    this.#o = options;
    this.#task = options.scheduler.task((t) => this.#request(t));
  }

  /** A keyframe is needed as of `now`. */
  needed(now: number): void {
    if (this.#closed) return;
    const interval = this.#o.intervalMs ?? 500;
    const at = this.#last + interval;
    if (now >= at) {
      this.#task.cancel();
      this.#request(now);
    } else if (!this.#task.scheduled) {
      this.#task.at(at);
    }
  }

  /** Drops any deferred request and refuses new ones. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#task.cancel();
  }

  #request(now: number): void {
    if (this.#closed) return;
    this.#last = now;
    this.requested++;
    this.#o.onRequest?.();
  }
}
