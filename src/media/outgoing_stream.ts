/**
 * The send-side state of one SSRC: what a Sender Report needs (packet and
 * octet counts, RFC 3550 §6.4.1), the media clock mapping it extrapolates
 * RTP time from, what the last Receiver Report said, and the send bitrate.
 *
 * One clock: every frame is accounted with its *media deadline* on the
 * monotonic clock, so RTP time at any instant follows from the last frame's
 * RTP timestamp and deadline — for audio and video alike, which is what
 * keeps lip sync from drifting.
 *
 * @module
 */

/**
 * A frame whose RTP time is off the running mapping by more than this, ms,
 * starts a new timing run.
 */
export const TIMING_JUMP_MS = 100;

/** Per-SSRC send counters. */
export interface SsrcStats {
  /** SSRC. */
  ssrc: number;
  /** RTP packets sent. */
  packets: number;
  /** Payload bytes sent (RTP payload, as SRs count them). */
  bytes: number;
  /** Send bitrate over the last second or so, bits/s. */
  bitrate: number;
  /** Fraction lost from the last Receiver Report, 0–1. */
  fractionLost: number;
  /** Interarrival jitter from the last Receiver Report, ms. */
  jitterMs: number;
}

/** One outgoing SSRC's counters and media clock mapping. */
export class OutgoingStream {
  /** SSRC, unsigned. */
  readonly ssrc: number;
  /** RTP clock rate, Hz. */
  readonly clockRate: number;
  /** RTP packets sent. */
  packets = 0;
  /** Payload bytes sent. */
  bytes = 0;
  /** Whether any frame was accounted (no SR before the first one). */
  hasSent = false;
  /** Fraction lost from the last Receiver Report, 0–1. */
  fractionLost = 0;
  /** Interarrival jitter from the last Receiver Report, RTP units. */
  jitter = 0;
  /** RTP timestamp and media deadline of the last frame sent. */
  #lastRtp = 0;
  #lastDeadline = 0;
  #timingReset = true;
  #windowBytes = 0;
  #windowStart: number;
  #bitrate = 0;

  /**
   * @param ssrc The SSRC.
   * @param clockRate RTP clock rate, Hz.
   * @param now Monotonic ms; starts the first bitrate window.
   */
  constructor(ssrc: number, clockRate: number, now: number) {
    this.ssrc = ssrc >>> 0;
    this.clockRate = clockRate;
    this.#windowStart = now;
  }

  /**
   * Records a frame with RTP timestamp `rtp`, due at `deadline`. Returns
   * whether it starts a new timing run — the first frame, the first after
   * {@linkcode OutgoingStream.resetTiming}, or one whose RTP time is more
   * than {@linkcode TIMING_JUMP_MS} off what the previous frame's mapping
   * predicts (a seek or a new source with its own timestamps) — after which
   * receivers need a fresh Sender Report.
   */
  account(rtp: number, deadline: number, payloadBytes: number): boolean {
    let restarted = this.#timingReset;
    if (!restarted) {
      const drift = ((this.#rtpBitsAt(deadline) - rtp) | 0) * 1000 /
        this.clockRate;
      restarted = Math.abs(drift) > TIMING_JUMP_MS;
    }
    this.#timingReset = false;
    // Signed: the same bits, and V8 keeps it unboxed (see OpusPacketizer).
    this.#lastRtp = rtp | 0;
    this.#lastDeadline = deadline;
    this.hasSent = true;
    this.bytes += payloadBytes;
    this.#windowBytes += payloadBytes;
    return restarted;
  }

  /** The next frame starts a new timing run (source switch, seek, resume). */
  resetTiming(): void {
    this.#timingReset = true;
  }

  /** RTP time at monotonic `now`, extrapolated from the last frame's deadline. */
  rtpAt(now: number): number {
    return this.#rtpBitsAt(now) >>> 0;
  }

  /**
   * {@linkcode OutgoingStream.rtpAt}'s bits, signed: a small integer V8
   * returns unboxed, where the unsigned value above 2^31 is a boxed double
   * per packet whenever the call is not inlined.
   */
  #rtpBitsAt(now: number): number {
    return (this.#lastRtp +
      Math.round(((now - this.#lastDeadline) * this.clockRate) / 1000)) | 0;
  }

  /**
   * A snapshot at `now`. The bitrate is recomputed once its window spans a
   * second, so it is the average over the last complete window.
   */
  stats(now: number): SsrcStats {
    const elapsed = now - this.#windowStart;
    if (elapsed >= 1000) {
      this.#bitrate = (this.#windowBytes * 8 * 1000) / elapsed;
      this.#windowBytes = 0;
      this.#windowStart = now;
    }
    return {
      ssrc: this.ssrc,
      packets: this.packets,
      bytes: this.bytes,
      bitrate: this.#bitrate,
      fractionLost: this.fractionLost,
      jitterMs: (this.jitter * 1000) / this.clockRate,
    };
  }
}
