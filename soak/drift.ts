/**
 * RTP timestamp drift against the receiver's wall clock: how far the media
 * time an audio stream claims (RTP timestamp, 48 kHz Opus clock) moves away
 * from the time that actually passed between packet arrivals. A sender
 * whose pacing drifts would make the SFU's jitter buffer grow or starve.
 *
 * Each packet's offset is `arrival − first arrival − media time`. Two
 * figures compare the last window with the first:
 * - the **clock drift** takes each window's lower envelope (the 5th
 *   percentile offset). A packet can reach the receiver late but never
 *   before its sender's clock said to send it, so the earliest arrivals
 *   trace the RTP clock against the wall, while a busy event loop — the
 *   sender's or the receiver's, both in this process — only lifts the rest;
 * - the **arrival drift** takes the medians: the clock drift plus any change
 *   in how late the typical packet was delivered, which says as much about
 *   the host as about the sender.
 *
 * Packets are taken in sequence-number order (RFC 3550 §A.1): on a loaded
 * host libdatachannel's receive callbacks have delivered a packet seconds
 * after later ones, and one such packet used to read as a timestamp jump
 * that re-based every offset after it. An arrival gap is not a jump
 * either: a stalled event loop delays packets, their timestamps go on.
 *
 * @module
 */

/** Opus's RTP clock rate (RFC 7587 §4.1). */
const OPUS_CLOCK_HZ = 48_000;

/** An offset step larger than this is a discontinuity, ms. */
const JUMP_MS = 1_000;

/**
 * Window at each end whose offsets are compared, ms: a quarter of the
 * span, at most ten seconds, so that one stall of the shared event loop (a
 * forced GC at a soak sample held a loaded host's loop for up to a second)
 * delays under a tenth of a window's packets and cannot move its median.
 */
const WINDOW_MS = 10_000;
/** The smallest window; a shorter span has no drift figure. */
const MIN_WINDOW_MS = 2_000;

/** The soak's sources send 20 ms Opus frames. */
const FRAME_MS = 20;

/** One timestamp discontinuity, and what the sender said about it. */
export interface DriftJump {
  /** Seconds after the first packet measured. */
  atS: number;
  /** How far media time stepped beyond the arrival time, ms. */
  stepMs: number;
  /**
   * The packet carried the marker bit: the sender started a new RTP run
   * there (a source switch, seek, resume or idle silence), so the jump is
   * where it declared one rather than inside a running stream.
   */
  newRun: boolean;
}

/** Offsets of one audio stream, fed packet by packet. */
export class DriftMeter {
  #firstAt = NaN;
  #lastAt = 0;
  #lastSeq = 0;
  #lastTs = 0;
  /** Unwrapped media time of the last packet, in clock ticks. */
  #ticks = 0;
  readonly #head: { at: number; offset: number }[] = [];
  readonly #tail: { at: number; offset: number }[] = [];
  /** Packets seen. */
  packets = 0;
  /** Packets that arrived after a later one (left out). */
  reordered = 0;
  /** Timestamp discontinuities seen (steps over a second). */
  jumps = 0;
  /** Of the jumps, those the sender flagged as a new RTP run. */
  jumpsAtNewRun = 0;
  /** The first 20 discontinuities, with their causes. */
  readonly jumpLog: DriftJump[] = [];
  /**
   * Packets arriving before this `performance.now()` are ignored: while
   * other calls are still being set up (DTLS handshakes hold the event
   * loop) arrivals say more about the host than about the sender.
   */
  from = Infinity;
  /**
   * Packets arriving after this are ignored: once the soak starts stopping
   * calls one by one, the calls still streaming share the event loop
   * with teardown, which says nothing about their senders.
   */
  until = Infinity;

  /** Records one RTP packet (`packet` plain, as the peer decrypted it). */
  add(packet: Uint8Array, at: number): void {
    if (packet.length < 12 || at < this.from || at > this.until) return;
    const view = new DataView(packet.buffer, packet.byteOffset);
    const seq = view.getUint16(2), ts = view.getUint32(4);
    this.packets++;
    if (Number.isNaN(this.#firstAt)) {
      this.#firstAt = this.#lastAt = at;
      this.#lastSeq = seq;
      this.#lastTs = ts;
      return;
    }
    // Sequence numbers wrap modulo 2^16, timestamps modulo 2^32 (§5.1).
    const packets = ((seq - this.#lastSeq) << 16) >> 16;
    if (packets <= 0) {
      this.reordered++;
      return;
    }
    const ticks = (ts - this.#lastTs) | 0;
    const gapMs = at - this.#lastAt;
    this.#lastSeq = seq;
    this.#lastTs = ts;
    this.#lastAt = at;
    this.#ticks += ticks;
    let offset = at - this.#firstAt - (this.#ticks * 1000) / OPUS_CLOCK_HZ;
    // A step that neither the frames in between nor the time between
    // arrivals accounts for is a discontinuity (a new timestamp base), not
    // drift: count it and measure on from the new base.
    const stepMs = (ticks * 1000) / OPUS_CLOCK_HZ;
    if (
      Math.abs(stepMs - packets * FRAME_MS) > JUMP_MS &&
      Math.abs(stepMs - gapMs) > JUMP_MS
    ) {
      const previous = this.#tail.at(-1)?.offset ?? offset;
      const newRun = (packet[1] & 0x80) !== 0;
      this.jumps++;
      if (newRun) this.jumpsAtNewRun++;
      if (this.jumpLog.length < 20) {
        this.jumpLog.push({
          atS: (at - this.#firstAt) / 1000,
          stepMs: stepMs - gapMs,
          newRun,
        });
      }
      this.#ticks += ((offset - previous) * OPUS_CLOCK_HZ) / 1000;
      offset = previous;
    }
    if (at - this.#firstAt < WINDOW_MS) this.#head.push({ at, offset });
    this.#tail.push({ at, offset });
    while (this.#tail[0].at < at - WINDOW_MS) this.#tail.shift();
  }

  /** Seconds of arrivals seen. */
  get spanS(): number {
    const last = this.#tail.at(-1);
    return last ? (last.at - this.#firstAt) / 1000 : 0;
  }

  /**
   * Arrival drift: the last window's median offset minus the first's, ms
   * (NaN under 4 s of span).
   */
  driftMs(): number {
    return this.windows()?.driftMs ?? NaN;
  }

  /**
   * Clock drift: the last window's lower envelope minus the first's, ms
   * (NaN under 4 s of span).
   */
  clockDriftMs(): number {
    return this.windows()?.clockDriftMs ?? NaN;
  }

  /** Both drifts and what lies behind them; undefined under 4 s of span. */
  windows(): DriftWindows | undefined {
    const spanMs = this.spanS * 1000;
    if (spanMs < 2 * MIN_WINDOW_MS) return undefined;
    const window = Math.min(WINDOW_MS, Math.max(MIN_WINDOW_MS, spanMs / 4));
    const headEnd = this.#firstAt + window;
    const tailStart = this.#tail.at(-1)!.at - window;
    const head = sorted(this.#head.filter((p) => p.at < headEnd));
    const tail = sorted(this.#tail.filter((p) => p.at >= tailStart));
    const at = (q: number[], f: number) => q[Math.floor(q.length * f)];
    return {
      driftMs: at(tail, 0.5) - at(head, 0.5),
      clockDriftMs: at(tail, ENVELOPE) - at(head, ENVELOPE),
      headLateMs: at(head, 0.5) - at(head, ENVELOPE),
      tailLateMs: at(tail, 0.5) - at(tail, ENVELOPE),
      tailAtS: (tailStart - this.#firstAt) / 1000,
      windowS: window / 1000,
    };
  }
}

/** The lower envelope's percentile: a few packets are not a trend. */
const ENVELOPE = 0.05;

/** What {@linkcode DriftMeter.windows} compares, ms unless named. */
export interface DriftWindows {
  /** Median offset of the last window minus that of the first. */
  driftMs: number;
  /** 5th-percentile offset of the last window minus that of the first. */
  clockDriftMs: number;
  /** Median minus 5th percentile in the first window: typical lateness. */
  headLateMs: number;
  /** The same in the last window. */
  tailLateMs: number;
  /** Where the last window starts, seconds after the first packet. */
  tailAtS: number;
  /** Length of each window, seconds. */
  windowS: number;
}

function sorted(points: { offset: number }[]): number[] {
  return points.map((p) => p.offset).sort((a, b) => a - b);
}
