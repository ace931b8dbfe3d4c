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
 * @module
 */

import type { Clock } from "../runtime/clock.ts";
import { extensionValueOffset, type TwccFeedback } from "../rtp/twcc.ts";
import type { RtpSink } from "./rtp_sink.ts";

/** Send times remembered: over 3 s of a call's packets (feedback comes every ~100 ms). */
const HISTORY = 1024;
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

/** Stamps transport-wide sequence numbers and reads their feedback. */
export class TransportWideCc implements RtpSink {
  readonly #sink: RtpSink;
  readonly #id: number;
  readonly #clock: Clock;
  readonly #sentAt = new Float64Array(HISTORY);
  readonly #sentSeq = new Int32Array(HISTORY).fill(-1);
  readonly #windowMins: number[] = [];
  #seq = 0;
  #windowStart = NaN;
  #windowReported = 0;
  #windowLost = 0;
  #windowMin = Infinity;
  #stats: TransportCcStats | undefined;

  /**
   * @param sink Where packets go once stamped.
   * @param extensionId The negotiated extension id; 0 sends packets as they are.
   * @param clock Send times.
   */
  constructor(sink: RtpSink, extensionId: number, clock: Clock) {
    this.#sink = sink;
    this.#id = extensionId;
    this.#clock = clock;
  }

  /** Statistics, once a feedback arrived. */
  get stats(): TransportCcStats | undefined {
    return this.#stats && { ...this.#stats };
  }

  /** Stamps the next sequence number (when the packet has the element) and sends. */
  sendRtp(buf: Uint8Array, length: number): boolean {
    if (this.#id) {
      const at = extensionValueOffset(buf, length, this.#id);
      if (at >= 0 && (buf[at - 1] & 0x0f) === 1) {
        const seq = this.#seq;
        this.#seq = (seq + 1) & 0xffff;
        buf[at] = seq >> 8;
        buf[at + 1] = seq & 0xff;
        this.#sentAt[seq % HISTORY] = this.#clock.now();
        this.#sentSeq[seq % HISTORY] = seq;
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
      if (this.#sentSeq[seq % HISTORY] !== seq) continue;
      const oneWay = arrival - this.#sentAt[seq % HISTORY];
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
}
