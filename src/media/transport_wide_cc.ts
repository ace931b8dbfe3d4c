/**
 * Transport-wide congestion control, sender side
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01). Every RTP packet
 * that leaves — audio, video and RTX alike — takes the next number of one
 * 16-bit counter, written into its transport-wide sequence extension as
 * it is sent: the draft numbers the transport's packets in send order, so
 * each packet of a video frame has its own number and a retransmission
 * gets a fresh one. The send time of each number is remembered.
 *
 * The SFU's feedback (RTPFB FMT 15, `twcc.ts`) then says which numbers
 * arrived and when, which gives loss over the last second and the queuing
 * delay: one-way delay (arrival − send, on two unrelated clocks) above the
 * lowest one-way delay of the last ten seconds.
 *
 * abs-send-time (the SFU's bandwidth estimate reads it) is stamped here too,
 * from the same clock reading: it is the moment the packet leaves, so paced
 * video packets and retransmissions carry their own send time (libwebrtc
 * writes both extensions at egress), and a packet reads the clock once —
 * on Node each reading is a boxed double, the send path's only allocation.
 *
 * @module
 */

import { type Clock, monotonicToUnixMs } from "../runtime/clock.ts";
import { absSendTime24 } from "../rtp/header_extensions.ts";
import { extensionValueOffset, type TwccFeedback } from "../rtp/twcc.ts";
import type { RtpSink } from "./rtp_sink.ts";

/** Most send times remembered: over 3 s of a video call's packets. */
const HISTORY = 1024;
/** Send times remembered at first: over 5 s of Opus at 50 packets/s. */
const INITIAL_HISTORY = 256;
/**
 * The ring doubles (up to {@linkcode HISTORY}) rather than forget a packet
 * sent less than this long ago: feedback comes every ~100 ms, so an
 * audio-only call keeps its first, small ring.
 */
const KEEP_MS = 3000;
/** Loss is reported over windows of this length, ms. */
const LOSS_WINDOW_MS = 1000;
/** The delay baseline is the lowest one-way delay over this many windows. */
const BASELINE_WINDOWS = 10;

/** What the transport-cc feedback says, for statistics. */
export interface TransportCcStats {
  /** Feedback packets received. */
  feedbacks: number;
  /** Packets reported on, cumulative. */
  packetsReported: number;
  /** Packets reported not received, cumulative. */
  packetsLost: number;
  /** Fraction reported lost over the last complete second, 0–1. */
  lossFraction: number;
  /** Queuing delay in the latest feedback, ms (see the module doc). */
  delayMs: number;
}

/**
 * Stamps transport-wide sequence numbers and abs-send-time as packets
 * leave, and reads the sequence numbers' feedback.
 */
export class TransportWideCc implements RtpSink {
  readonly #sink: RtpSink;
  readonly #id: number;
  readonly #absSendTimeId: number;
  /** Unix ms at monotonic 0: abs-send-time is wall-clock seconds mod 64. */
  readonly #unixOffsetMs: number;
  readonly #clock: Clock;
  // Made on the first stamped packet. Slot `seq & mask` holds the send
  // time and which lap of the ring the number is from, `(seq >> shift) +
  // 1` (0 = empty), which identifies it in two bytes.
  #sentAt: Float64Array | undefined;
  #sentLap: Uint16Array | undefined;
  #shift = 0;
  readonly #windowMins: number[] = [];
  #seq = 0;
  #windowStart = NaN;
  #windowReported = 0;
  #windowLost = 0;
  #windowMin = Infinity;
  #stats: TransportCcStats | undefined;

  /**
   * @param sink Where packets go once stamped.
   * @param extensionId The negotiated transport-wide sequence id; 0 leaves
   * the element alone.
   * @param clock Send times.
   * @param absSendTimeId The negotiated abs-send-time id; 0 leaves the
   * element alone.
   */
  constructor(
    sink: RtpSink,
    extensionId: number,
    clock: Clock,
    absSendTimeId = 0,
  ) {
    this.#sink = sink;
    this.#id = extensionId;
    this.#absSendTimeId = absSendTimeId;
    this.#unixOffsetMs = monotonicToUnixMs(0);
    this.#clock = clock;
  }

  /** Statistics, once a feedback arrived. */
  get stats(): TransportCcStats | undefined {
    return this.#stats && { ...this.#stats };
  }

  /**
   * Stamps abs-send-time and the next sequence number (where the packet
   * has the elements) and sends.
   */
  sendRtp(buf: Uint8Array, length: number): boolean {
    if (!this.#id && !this.#absSendTimeId) {
      return this.#sink.sendRtp(buf, length);
    }
    // Both stamped here, not in helpers: a send time passed to a call that
    // is not inlined is a boxed double per packet.
    const now = this.#clock.now();
    if (this.#absSendTimeId) {
      const at = extensionValueOffset(buf, length, this.#absSendTimeId);
      if (at >= 0 && (buf[at - 1] & 0x0f) === 2) {
        const v = absSendTime24((this.#unixOffsetMs + now) / 1000);
        buf[at] = v >> 16;
        buf[at + 1] = (v >> 8) & 0xff;
        buf[at + 2] = v & 0xff;
      }
    }
    if (this.#id) {
      const at = extensionValueOffset(buf, length, this.#id);
      if (at >= 0 && (buf[at - 1] & 0x0f) === 1) {
        const seq = this.#seq;
        this.#seq = (seq + 1) & 0xffff;
        buf[at] = seq >> 8;
        buf[at + 1] = seq & 0xff;
        let sentAt = this.#sentAt, sentLap = this.#sentLap;
        let slot = 0;
        if (sentAt && sentLap) {
          slot = seq & (sentAt.length - 1);
          if (
            sentLap[slot] !== 0 && sentAt.length < HISTORY &&
            now - sentAt[slot] < KEEP_MS
          ) sentAt = undefined;
        }
        if (!sentAt || !sentLap) {
          this.#makeRoom();
          sentAt = this.#sentAt!;
          sentLap = this.#sentLap!;
          slot = seq & (sentAt.length - 1);
        }
        sentAt[slot] = now;
        sentLap[slot] = (seq >> this.#shift) + 1;
      }
    }
    return this.#sink.sendRtp(buf, length);
  }

  /** Sends RTCP unchanged. */
  sendRtcp(buf: Uint8Array, length: number): boolean {
    return this.#sink.sendRtcp(buf, length);
  }

  /** Applies one feedback packet received at `now`. */
  onFeedback(feedback: TwccFeedback, now: number): void {
    const stats = this.#stats ??= {
      feedbacks: 0,
      packetsReported: 0,
      packetsLost: 0,
      lossFraction: 0,
      delayMs: 0,
    };
    if (Number.isNaN(this.#windowStart)) this.#windowStart = now;
    stats.feedbacks++;
    let delaySum = 0, delayCount = 0;
    const sentAt = this.#sentAt, sentLap = this.#sentLap, shift = this.#shift;
    for (let i = 0; i < feedback.statusCount; i++) {
      const seq = (feedback.baseSequence + i) & 0xffff;
      const arrival = feedback.arrivalMs[i];
      stats.packetsReported++;
      this.#windowReported++;
      if (Number.isNaN(arrival)) {
        stats.packetsLost++;
        this.#windowLost++;
        continue;
      }
      const slot = seq & ((1 << shift) - 1);
      if (!sentAt || !sentLap || sentLap[slot] !== (seq >> shift) + 1) {
        continue;
      }
      const oneWay = arrival - sentAt[slot];
      delaySum += oneWay;
      delayCount++;
      if (oneWay < this.#windowMin) this.#windowMin = oneWay;
    }
    if (delayCount > 0) {
      const baseline = Math.min(this.#windowMin, ...this.#windowMins);
      stats.delayMs = Math.max(0, delaySum / delayCount - baseline);
    }
    if (now - this.#windowStart >= LOSS_WINDOW_MS) {
      stats.lossFraction = this.#windowLost / Math.max(1, this.#windowReported);
      this.#windowMins.push(this.#windowMin);
      if (this.#windowMins.length > BASELINE_WINDOWS) this.#windowMins.shift();
      this.#windowStart = now;
      this.#windowReported = this.#windowLost = 0;
      this.#windowMin = Infinity;
    }
  }

  /**
   * The ring on the first stamped packet; later, twice the ring rather
   * than forget a number sent less than {@linkcode KEEP_MS} ago.
   */
  #makeRoom(): void {
    if (!this.#sentAt || !this.#sentLap) {
      this.#sentAt = new Float64Array(INITIAL_HISTORY);
      this.#sentLap = new Uint16Array(INITIAL_HISTORY);
      this.#shift = Math.log2(INITIAL_HISTORY);
    } else this.#grow();
  }

  /** Doubles the ring, keeping every number it holds. */
  #grow(): void {
    const oldAt = this.#sentAt!,
      oldLap = this.#sentLap!,
      oldShift = this.#shift;
    const size = oldAt.length * 2, shift = oldShift + 1;
    const sentAt = new Float64Array(size), sentLap = new Uint16Array(size);
    for (let slot = 0; slot < oldAt.length; slot++) {
      if (oldLap[slot] === 0) continue;
      const seq = ((oldLap[slot] - 1) << oldShift) | slot;
      sentAt[seq & (size - 1)] = oldAt[slot];
      sentLap[seq & (size - 1)] = (seq >> shift) + 1;
    }
    this.#sentAt = sentAt;
    this.#sentLap = sentLap;
    this.#shift = shift;
  }
}
