/**
 * What the SFU tells a sender over RTCP, and the sender's answers:
 * - Receiver Report blocks (RFC 3550 §6.4.2) → loss, jitter and RTT per SSRC;
 * - Generic NACK (RFC 4585 §6.2.1) → RTX retransmission (RFC 4588) at once,
 *   ahead of any queued new video, at most once per RTT per packet;
 * - PLI (RFC 4585 §6.3.1) and FIR (RFC 5104 §4.3.1) → a keyframe request;
 * - REMB (draft-alvestrand-rmcat-remb) → the SFU's bandwidth estimate;
 * - transport-cc feedback → loss and queuing delay (`transport_wide_cc.ts`).
 *
 * @module
 */

import { monotonicToUnixMs } from "../runtime/clock.ts";
import { parseRtcp, rttMsFromReport } from "../rtp/rtcp.ts";
import type { RtxHistory } from "../rtp/rtx_history.ts";
import type { KeyframeRequests } from "./keyframe_requests.ts";
import type { OutgoingStream } from "./outgoing_stream.ts";
import type { RtpSink } from "./rtp_sink.ts";
import type { TransportWideCc } from "./transport_wide_cc.ts";

/** RTT assumed for RTX suppression until a Receiver Report measures one. */
const DEFAULT_RTT_MS = 50;

/** Options for {@linkcode RtcpFeedback}. */
export interface RtcpFeedbackOptions {
  /** Where RTX packets go. */
  sink: RtpSink;
  /** The audio stream. */
  audio: OutgoingStream;
  /** The video stream and its retransmission history, when publishing video. */
  video?: { stream: OutgoingStream; rtx: RtxHistory };
  /** Receives PLI and FIR. */
  keyframes: KeyframeRequests;
  /** Receives transport-cc feedback. */
  transport?: TransportWideCc;
}

/** Applies incoming RTCP feedback to one call's outgoing streams. */
export class RtcpFeedback {
  readonly #o: RtcpFeedbackOptions;
  /** Made on the first NACK answered: audio-only calls never need it. */
  #rtxBuf: Uint8Array | undefined;
  /** Latest RTT from a Receiver Report, ms (NaN until one arrives). */
  rttMs = NaN;
  /** Generic NACKs received. */
  nacks = 0;
  /** PLIs received. */
  plis = 0;
  /** FIRs received. */
  firs = 0;
  /** Latest REMB estimate, bits/s (NaN until one arrives). */
  rembBitrate = NaN;

  /** @param options See {@linkcode RtcpFeedbackOptions}. */
  constructor(options: RtcpFeedbackOptions) {
    this.#o = options;
  }

  /** Handles a decrypted compound RTCP packet received at `now`. Never throws. */
  handle(buf: Uint8Array, length: number, now: number): void {
    const audio = this.#o.audio, video = this.#o.video?.stream;
    for (const p of parseRtcp(buf, length).packets) {
      switch (p.type) {
        case "rr":
        case "sr":
          for (const block of p.reports) {
            const s = block.ssrc === audio.ssrc
              ? audio
              : block.ssrc === video?.ssrc
              ? video
              : undefined;
            if (!s) continue;
            s.fractionLost = block.fractionLost;
            s.jitter = block.jitter;
            const rtt = rttMsFromReport(block, monotonicToUnixMs(now));
            if (rtt !== undefined) this.rttMs = rtt;
          }
          break;
        case "nack":
          this.nacks++;
          if (p.mediaSsrc === video?.ssrc) this.#retransmit(p.lost, now);
          break;
        case "pli":
          this.plis++;
          this.#o.keyframes.needed(now);
          break;
        case "fir":
          this.firs++;
          this.#o.keyframes.needed(now);
          break;
        case "remb":
          this.rembBitrate = p.bitrate;
          break;
        case "twcc":
          this.#o.transport?.onFeedback(p, now);
          break;
      }
    }
  }

  #retransmit(lost: readonly number[], now: number): void {
    const rtx = this.#o.video?.rtx;
    if (!rtx) return;
    const rtt = Number.isNaN(this.rttMs) ? DEFAULT_RTT_MS : this.rttMs;
    const buf = this.#rtxBuf ??= new Uint8Array(1500 + 64);
    for (const seq of lost) {
      const n = rtx.retransmit(seq, buf, now, rtt);
      if (n > 0) this.#o.sink.sendRtp(buf, n);
    }
  }
}
