/**
 * RTP timestamp drift against the receiver's wall clock: how far the media
 * time an audio stream claims (RTP timestamp, 48 kHz Opus clock) moves away
 * from the time that actually passed between packet arrivals. A sender
 * whose pacing drifts would make the SFU's jitter buffer grow or starve.
 *
 * Each packet's offset is `arrival − first arrival − media time`; the drift
 * is the median offset of the last window minus that of the first, so
 * arrival jitter (event-loop delays on a loaded host) cancels out and only
 * a trend remains.
 *
 * @module
 */

/** Opus's RTP clock rate (RFC 7587 §4.1). */
const OPUS_CLOCK_HZ = 48_000;

/** An offset step larger than this is a discontinuity, ms. */
const JUMP_MS = 1_000;

/** Window at each end whose median offset is compared, ms. */
const WINDOW_MS = 2_000;

/** Offsets of one audio stream, fed packet by packet. */
export class DriftMeter {
  #firstAt = NaN;
  #firstTs = 0;
  #lastTs = 0;
  /** Unwrapped media time of the last packet, in clock ticks. */
  #ticks = 0;
  readonly #head: number[] = [];
  readonly #tail: { at: number; offset: number }[] = [];
  /** Packets seen. */
  packets = 0;
  /** Timestamp discontinuities seen (steps over a second). */
  jumps = 0;
  /**
   * Packets arriving before this `performance.now()` are ignored: while
   * other calls are still being set up (DTLS handshakes hold the event
   * loop) arrivals say more about the host than about the sender.
   */
  from = Infinity;

  /** Records one RTP packet (`packet` plain, as the peer decrypted it). */
  add(packet: Uint8Array, at: number): void {
    if (packet.length < 12 || at < this.from) return;
    const ts = new DataView(packet.buffer, packet.byteOffset).getUint32(4);
    this.packets++;
    if (Number.isNaN(this.#firstAt)) {
      this.#firstAt = at;
      this.#firstTs = this.#lastTs = ts;
      return;
    }
    // RFC 3550 §5.1: timestamps wrap modulo 2^32.
    this.#ticks += ((ts - this.#lastTs) >>> 0) | 0;
    this.#lastTs = ts;
    let offset = at - this.#firstAt - (this.#ticks * 1000) / OPUS_CLOCK_HZ;
    // A step of over a second is a discontinuity (a new timestamp base),
    // not drift: count it and measure on from the new base.
    const previous = this.#tail.at(-1)?.offset ?? offset;
    if (Math.abs(offset - previous) > JUMP_MS) {
      this.jumps++;
      this.#ticks += ((offset - previous) * OPUS_CLOCK_HZ) / 1000;
      offset = previous;
    }
    if (at - this.#firstAt < WINDOW_MS) this.#head.push(offset);
    this.#tail.push({ at, offset });
    while (this.#tail[0].at < at - WINDOW_MS) this.#tail.shift();
  }

  /** Seconds of arrivals seen. */
  get spanS(): number {
    const last = this.#tail.at(-1);
    return last ? (last.at - this.#firstAt) / 1000 : 0;
  }

  /** Drift between the first and last window, ms (NaN under 2 windows). */
  driftMs(): number {
    if (this.spanS * 1000 < 2 * WINDOW_MS) return NaN;
    return median(this.#tail.map((p) => p.offset)) - median(this.#head);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}
