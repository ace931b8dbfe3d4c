/**
 * Keyframe requests toward the source, from PLI and FIR (RFC 4585 §6.3.1,
 * RFC 5104 §4.3.1) or from the sender itself when it had to drop a frame,
 * and how fast they were answered.
 *
 * An SFU forwards every receiver's PLI, so a lossy room produces storms.
 * Each request is honoured, but the source is asked at most once per
 * interval — 300 ms, libwebrtc's `kMinKeyframeSendIntervalMs`, counted from
 * the last keyframe sent or request made — and not again while a keyframe
 * it was asked for is still on its way: requests meanwhile ride on that
 * keyframe, and one inside the interval is deferred to its end, where the
 * whole storm coalesces into a single request. A keyframe the source sends
 * on its own schedule answers whatever is pending just as well.
 *
 * @module
 */

import type { ScheduledTask, Scheduler } from "../runtime/scheduler.ts";

/** libwebrtc's `kMinKeyframeSendIntervalMs` (`video/encoder_rtcp_feedback.cc`). */
const DEFAULT_INTERVAL_MS = 300;
/** A source that was asked and sent nothing for this long is asked again. */
const ASK_AGAIN_MS = 2000;
/** Answer latencies kept for the percentiles. */
const LATENCIES = 64;

/** Options for {@linkcode KeyframeRequests}. */
export interface KeyframeRequestsOptions {
  /** Timer source for deferred requests. */
  scheduler: Scheduler;
  /** Minimum spacing of keyframes asked for; default 300 ms. */
  intervalMs?: number;
  /** Asks the source for a keyframe. */
  onRequest?: () => void;
}

/** How fast keyframe requests were answered. */
export interface KeyframeLatency {
  /** Median time from a request to the first packet of its keyframe, ms (NaN before any). */
  p50Ms: number;
  /** Longest such time, ms (NaN before any). */
  maxMs: number;
}

/** Rate-limits keyframe requests without ever dropping one. */
export class KeyframeRequests {
  readonly #o: KeyframeRequestsOptions;
  readonly #task: ScheduledTask;
  /** Made on the first answer: audio-only calls never have one. */
  #latencies: Float64Array | undefined;
  #latencyCount = 0;
  #lastKeyframe = -Infinity;
  #lastRequest = -Infinity;
  #pendingSince = NaN;
  #asked = false;
  #closed = false;
  /** Requests received (PLI, FIR, the sender's own). */
  received = 0;
  /** Requests passed to the source. */
  requested = 0;
  /** Keyframes sent while requests were pending. */
  answered = 0;

  /** @param options See {@linkcode KeyframeRequestsOptions}. */
  constructor(options: KeyframeRequestsOptions) {
    this.#o = options;
    this.#task = options.scheduler.task((t) => this.#request(t));
  }

  /** A keyframe is needed as of `now`. */
  needed(now: number): void {
    if (this.#closed) return;
    this.received++;
    if (Number.isNaN(this.#pendingSince)) this.#pendingSince = now;
    if (this.#asked && now - this.#lastRequest < ASK_AGAIN_MS) return;
    const at = Math.max(this.#lastKeyframe, this.#lastRequest) +
      (this.#o.intervalMs ?? DEFAULT_INTERVAL_MS);
    if (now >= at) {
      this.#task.cancel();
      this.#request(now);
    } else if (!this.#task.scheduled) {
      this.#task.at(at);
    }
  }

  /** The first packet of a keyframe left at `now`: pending requests are answered. */
  keyframeSent(now: number): void {
    this.#lastKeyframe = now;
    this.#asked = false;
    if (Number.isNaN(this.#pendingSince)) return;
    this.#task.cancel();
    this.answered++;
    this.#latencies ??= new Float64Array(LATENCIES);
    this.#latencies[this.#latencyCount++ % LATENCIES] = now -
      this.#pendingSince;
    this.#pendingSince = NaN;
  }

  /** Median and longest answer time over the last 64 answers. */
  latency(): KeyframeLatency {
    const n = Math.min(this.#latencyCount, LATENCIES);
    if (n === 0 || !this.#latencies) return { p50Ms: NaN, maxMs: NaN };
    const sorted = this.#latencies.slice(0, n).sort();
    return { p50Ms: sorted[(n - 1) >> 1], maxMs: sorted[n - 1] };
  }

  /** Drops any deferred request and refuses new ones. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#task.cancel();
  }

  #request(now: number): void {
    if (this.#closed || Number.isNaN(this.#pendingSince)) return;
    this.#lastRequest = now;
    this.#asked = true;
    this.requested++;
    this.#o.onRequest?.();
  }
}
