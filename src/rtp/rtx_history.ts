/**
 * Send-side packet history for NACK → RTX (RFC 4588).
 *
 * Video packets are kept (as plain RTP, before SRTP) for at least
 * `minAgeMs` — libwebrtc keeps max(1 s, 3×RTT) — in a ring of preallocated
 * slots indexed by sequence number, so storing allocates nothing. A NACKed
 * packet is rebuilt as an RTX packet on the RTX SSRC and payload type, with
 * the original sequence number (OSN) as the first two payload bytes:
 *
 * ```
 * | RTP header (RTX SSRC, RTX PT, RTX seq, original timestamp) | OSN (16) | original payload |
 * ```
 *
 * A packet is not resent again within one RTT of its last resend
 * (libwebrtc's `VerifyRtt`): a burst of duplicate NACKs costs one RTX.
 *
 * @module
 */

import { copyPayload } from "../runtime/copy_payload.ts";

/** Options for {@linkcode RtxHistory}. */
export interface RtxHistoryOptions {
  /** RTX SSRC (second source of the FID group). */
  rtxSsrc: number;
  /** RTX payload type; default 101. */
  rtxPayloadType?: number;
  /** Slots (a power of two); default 1024 ≈ 1.5 s of 5 Mbps video. */
  capacity?: number;
  /**
   * Largest packet stored; default 1500. A sender whose packet buffers are
   * no longer than this has each packet stored by one native copy of the
   * buffer (`copy_payload.ts`) instead of a byte loop or an allocated view.
   */
  maxPacketBytes?: number;
}

/** Counters. */
export interface RtxStats {
  /** Packets resent as RTX. */
  retransmitted: number;
  /** NACKed packets no longer (or never) in the history. */
  missing: number;
  /** NACKed packets skipped because they were resent within one RTT. */
  suppressed: number;
}

/** Ring buffer of sent packets plus RTX packet construction. */
export class RtxHistory {
  readonly #slots: Uint8Array[];
  readonly #lengths: Int32Array;
  readonly #seqs: Int32Array;
  readonly #sentAt: Float64Array;
  readonly #resentAt: Float64Array;
  readonly #mask: number;
  readonly #rtxSsrc: number;
  readonly #rtxPt: number;
  #rtxSeq: number;
  /** Live counters. */
  readonly stats: RtxStats = { retransmitted: 0, missing: 0, suppressed: 0 };

  /** @param options See {@linkcode RtxHistoryOptions}. */
  constructor(options: RtxHistoryOptions) {
    const capacity = options.capacity ?? 1024;
    if (capacity & (capacity - 1)) {
      throw new RangeError(
        "Cannot size RTX history: capacity must be a power of two",
      );
    }
    const max = options.maxPacketBytes ?? 1500;
    this.#slots = Array.from({ length: capacity }, () => new Uint8Array(max));
    this.#lengths = new Int32Array(capacity);
    this.#seqs = new Int32Array(capacity).fill(-1);
    this.#sentAt = new Float64Array(capacity);
    this.#resentAt = new Float64Array(capacity).fill(-Infinity);
    this.#mask = capacity - 1;
    this.#rtxSsrc = options.rtxSsrc >>> 0;
    this.#rtxPt = options.rtxPayloadType ?? 101;
    this.#rtxSeq = crypto.getRandomValues(new Uint16Array(1))[0];
  }

  /** Remembers a plain RTP packet sent at `now`. */
  store(packet: Uint8Array, length: number, now: number): void {
    const seq = (packet[2] << 8) | packet[3];
    const i = seq & this.#mask;
    const slot = this.#slots[i];
    if (length > slot.length) return;
    copyPayload(slot, 0, slot.length, packet, length);
    this.#lengths[i] = length;
    this.#seqs[i] = seq;
    this.#sentAt[i] = now;
    this.#resentAt[i] = -Infinity;
  }

  /**
   * Writes the RTX packet for original sequence `seq` into `out` and returns
   * its length, or 0 when the packet is gone, was never sent, or was already
   * resent within `rttMs`.
   */
  retransmit(seq: number, out: Uint8Array, now: number, rttMs: number): number {
    const i = seq & this.#mask;
    if (this.#seqs[i] !== seq) {
      this.stats.missing++;
      return 0;
    }
    if (now - this.#resentAt[i] < rttMs) {
      this.stats.suppressed++;
      return 0;
    }
    const src = this.#slots[i];
    const length = this.#lengths[i];
    // Header length: fixed + CSRCs + extension block; keep extensions as they were.
    let header = 12 + 4 * (src[0] & 0x0f);
    if (src[0] & 0x10) {
      header += 4 + 4 * ((src[header + 2] << 8) | src[header + 3]);
    }
    if (out.length < length + 2) return 0;
    out.set(src.subarray(0, header));
    out[1] = (src[1] & 0x80) | this.#rtxPt;
    out[2] = this.#rtxSeq >> 8;
    out[3] = this.#rtxSeq & 0xff;
    this.#rtxSeq = (this.#rtxSeq + 1) & 0xffff;
    out[8] = this.#rtxSsrc >>> 24;
    out[9] = (this.#rtxSsrc >>> 16) & 0xff;
    out[10] = (this.#rtxSsrc >>> 8) & 0xff;
    out[11] = this.#rtxSsrc & 0xff;
    out[header] = seq >> 8;
    out[header + 1] = seq & 0xff;
    out.set(src.subarray(header, length), header + 2);
    this.#resentAt[i] = now;
    this.stats.retransmitted++;
    return length + 2;
  }

  /** Milliseconds of history currently held (newest − oldest sent time). */
  spanMs(): number {
    let min = Infinity, max = -Infinity;
    for (let i = 0; i < this.#seqs.length; i++) {
      if (this.#seqs[i] < 0) continue;
      min = Math.min(min, this.#sentAt[i]);
      max = Math.max(max, this.#sentAt[i]);
    }
    return max >= min ? max - min : 0;
  }
}
