/**
 * One call's outgoing media: Opus and VP8 packetization with header
 * extensions, video pacing, NACK → RTX, keyframe requests, RTCP Sender
 * Reports and statistics — everything between a timed frame and
 * `transport.sendRtp`. This class composes the parts:
 *
 * ```
 *   sendAudio ─ HeaderExtensionWriter ─ OpusPacketizer ──────────┐
 *   sendVideo ─ HeaderExtensionWriter ─ VideoSendQueue (paced) ──┼─ TransportWideCc ─→ RtpSink
 *   handleRtcp ─ RtcpFeedback ─ RTX / KeyframeRequests ──────────┤   (seq per packet)
 *   timer ─ SenderReports (SR + SDES, BYE on close) ─────────────┘
 * ```
 *
 * One clock: every frame is handed over with its *media deadline* on the
 * monotonic clock (when it is due to be played out), and the Sender
 * Reports of both SSRCs extrapolate RTP time from those deadlines and stamp
 * NTP time from the same clock. Receivers align audio and video through
 * exactly this mapping (RFC 3550 §6.4.1), so lip sync does not drift.
 *
 * @module
 */

import type { Clock } from "../runtime/clock.ts";
import { type Scheduler, sharedScheduler } from "../runtime/scheduler.ts";
import {
  DEFAULT_EXTENSION_IDS,
  type ExtensionIds,
} from "../rtp/header_extensions.ts";
import { OpusPacketizer } from "../rtp/opus_packetizer.ts";
import { RtxHistory } from "../rtp/rtx_history.ts";
import { Vp8Packetizer } from "../rtp/vp8_packetizer.ts";
import { HeaderExtensionWriter } from "./header_extension_writer.ts";
import { type KeyframeLatency, KeyframeRequests } from "./keyframe_requests.ts";
import { OutgoingStream, type SsrcStats } from "./outgoing_stream.ts";
import { RtcpFeedback } from "./rtcp_feedback.ts";
import type { RtpSink } from "./rtp_sink.ts";
import { SenderReports } from "./sender_reports.ts";
import { type TransportCcStats, TransportWideCc } from "./transport_wide_cc.ts";
import { VIDEO_SLOT_BYTES, VideoSendQueue } from "./video_send_queue.ts";

/** Options for {@linkcode MediaSender}. */
export interface MediaSenderOptions {
  /** Where packets go. */
  sink: RtpSink;
  /** Audio SSRC (the join `ssrc`). */
  audioSsrc: number;
  /** Video and RTX SSRCs, when publishing video. */
  video?: { ssrc: number; rtxSsrc: number };
  /** Extension ids (from the answer's `rtp-hdrexts`). */
  extensionIds?: ExtensionIds;
  /** Opus payload type; default 111. */
  audioPayloadType?: number;
  /** VP8 payload type; default 100. */
  videoPayloadType?: number;
  /** RTX payload type; default 101. */
  rtxPayloadType?: number;
  /** SDES CNAME; default random. */
  cname?: string;
  /** Called (rate-limited, never dropped) when a receiver needs a keyframe. */
  onKeyframeRequest?: () => void;
  /** Minimum spacing of keyframe requests; default 300 ms (libwebrtc's). */
  keyframeIntervalMs?: number;
  /** Timer source; default the shared scheduler. */
  scheduler?: Scheduler;
}

/** A call's media statistics. */
export interface MediaSenderStats {
  /** Audio SSRC counters. */
  audio: SsrcStats;
  /** Video SSRC counters, when publishing video. */
  video?: SsrcStats;
  /** Latest RTT from a Receiver Report, ms (NaN until one arrives). */
  rttMs: number;
  /** Generic NACKs received. */
  nacksReceived: number;
  /** PLIs received. */
  plisReceived: number;
  /** FIRs received. */
  firsReceived: number;
  /** Keyframe requests received: PLI, FIR, and the sender's own after a dropped frame. */
  keyframeRequestsReceived: number;
  /** Keyframe requests passed to the source (at most one per 300 ms). */
  keyframeRequests: number;
  /** Keyframes sent while requests were pending: the requests answered. */
  keyframeRequestsAnswered: number;
  /** Request → first packet of the answering keyframe, over the last 64 answers. */
  keyframeLatency: KeyframeLatency;
  /** Latest REMB estimate from the SFU, bits/s (NaN until one arrives). */
  rembBitrate: number;
  /** What the SFU's transport-cc feedback says, once some arrived. */
  transportCc?: TransportCcStats;
  /** RTX packets sent. */
  retransmissions: number;
  /** Sender Reports sent. */
  senderReports: number;
}

/** Video parts, present when publishing video. */
interface VideoParts {
  stream: OutgoingStream;
  rtx: RtxHistory;
  queue: VideoSendQueue;
}

/** Packetizes, paces and reports one call's outgoing media. */
export class MediaSender {
  readonly #o: MediaSenderOptions;
  readonly #clock: Clock;
  readonly #ext: HeaderExtensionWriter;
  readonly #opus: OpusPacketizer;
  readonly #audio: OutgoingStream;
  readonly #video: VideoParts | undefined;
  readonly #keyframes: KeyframeRequests;
  readonly #feedback: RtcpFeedback;
  readonly #reports: SenderReports;
  readonly #sink: TransportWideCc;
  // One buffer for every audio packet: sendRtp protects and sends in place.
  readonly #buf = new Uint8Array(1500 + 64);
  /**
   * Wall time of the audio RTP time last marked (see
   * {@linkcode OpusPacketizer.mark}), from one anchor for the stream's
   * life so run-to-run rounding never adds up. Per packet nothing here
   * moves: the packetizer counts ticks as small integers, and this double
   * is touched only when a run starts (double arithmetic per packet would
   * box a number wherever the function runs unoptimised).
   */
  #anchored = false;
  #anchorMs = 0;
  /** How far ahead of its deadline the current run's RTP time started, ms. */
  #leadMs = 0;
  #closed = false;

  /** @param options See {@linkcode MediaSenderOptions}. */
  constructor(options: MediaSenderOptions) {
    this.#o = options;
    const scheduler = options.scheduler ?? sharedScheduler();
    this.#clock = scheduler.clock;
    const ids = options.extensionIds ?? DEFAULT_EXTENSION_IDS;
    this.#ext = new HeaderExtensionWriter(ids);
    const sink = this.#sink = new TransportWideCc(
      options.sink,
      ids.transportWideCc,
      this.#clock,
      ids.absSendTime,
    );
    const cname = options.cname ??
      `tgcall-${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}`;
    this.#opus = new OpusPacketizer({
      ssrc: options.audioSsrc,
      payloadType: options.audioPayloadType,
    });
    const now = this.#clock.now();
    this.#audio = new OutgoingStream(options.audioSsrc, 48000, now);
    if (options.video) {
      const vp8 = new Vp8Packetizer({
        ssrc: options.video.ssrc,
        payloadType: options.videoPayloadType,
      });
      const rtx = new RtxHistory({
        rtxSsrc: options.video.rtxSsrc,
        rtxPayloadType: options.rtxPayloadType,
        // The queue's slots fit whole: one native copy per stored packet.
        maxPacketBytes: VIDEO_SLOT_BYTES,
      });
      const stream = new OutgoingStream(options.video.ssrc, 90000, now);
      const queue = new VideoSendQueue({
        sink,
        scheduler,
        vp8,
        stream,
        rtx,
      });
      this.#video = { stream, rtx, queue };
    }
    this.#keyframes = new KeyframeRequests({
      scheduler,
      intervalMs: options.keyframeIntervalMs,
      onRequest: options.onKeyframeRequest,
    });
    this.#feedback = new RtcpFeedback({
      sink,
      transport: sink,
      audio: this.#audio,
      video: this.#video,
      keyframes: this.#keyframes,
    });
    this.#reports = new SenderReports({
      sink,
      scheduler,
      cname,
      audio: this.#audio,
      video: this.#video && options.video &&
        { stream: this.#video.stream, rtxSsrc: options.video.rtxSsrc },
    });
  }

  /**
   * Marks a source switch/seek/resume: audio timestamps continue, never
   * jump back, and each stream's next packet starts a new timing run
   * (a Sender Report follows within 100 ms). If the next audio frame is
   * due later than one frame after the last (nothing was sent meanwhile),
   * its timestamp skips that time in whole frames, as a capture-clocked
   * sender's would: receivers see RTP time keep pace with arrival time.
   */
  beginSource(): void {
    this.#opus.beginSource();
    this.#audio.resetTiming();
    this.#video?.stream.resetTiming();
  }

  /**
   * Samples to leave out before a new run's first frame, due at
   * `deadline`: the wall time since the RTP time sent so far ran out, in
   * whole frames (none under half a frame).
   */
  #runGap(deadline: number, duration: number): number {
    this.#anchorMs += this.#opus.mark() / 48;
    const behindMs = deadline - this.#anchorMs -
      this.#opus.lastDurationSamples / 48;
    // Timestamps cannot go back: a run due before the RTP time sent so far
    // ran out starts that much early. Up to half a frame is the grid's own
    // rounding; more is a lead the caller must take up (see sendAudio).
    this.#leadMs = behindMs < -duration / 96 ? -behindMs : 0;
    return behindMs >= duration / 96
      ? Math.round((behindMs * 48) / duration) * duration
      : 0;
  }

  /** The first audio packet: its timestamp stands for its deadline. */
  #anchor(deadline: number): void {
    this.#anchored = true;
    this.#anchorMs = deadline;
    this.#opus.mark();
  }

  /**
   * Sends one Opus frame now. `deadline` is its media time on the monotonic
   * clock; `levelDbov`/`voice` feed the RFC 6464 extension.
   *
   * Returns 0, or — for the first frame of a run that RTP time already sent
   * covers by more than half a frame (#14: silence went out in the slot
   * where a new source's first frame was due) — how many ms ahead of
   * `deadline` its RTP time lies. The frame counts as due then, and the
   * caller plays the rest of the run that much later, so RTP time keeps one
   * offset to the wall clock instead of stepping back a frame at a later
   * run.
   */
  sendAudio(
    frame: Uint8Array,
    sourceTimestamp: number,
    duration: number,
    deadline: number,
    levelDbov: number,
    voice: boolean,
  ): number {
    if (this.#closed) return 0;
    const count = this.#ext.audio(levelDbov, voice);
    const opus = this.#opus;
    let lead = 0;
    if (this.#anchored && opus.startsRun(sourceTimestamp)) {
      opus.runGap = this.#runGap(deadline, duration);
      lead = this.#leadMs;
      deadline += lead;
    }
    const n = opus.write(
      this.#buf,
      frame,
      sourceTimestamp,
      duration,
      this.#ext.elements,
      count,
    );
    if (!this.#anchored) this.#anchor(deadline);
    const restarted = this.#audio.account(
      opus.lastTimestampBits,
      deadline,
      frame.length,
    );
    this.#audio.packets++;
    this.#sink.sendRtp(this.#buf, n);
    if (restarted) this.#reports.restarted(this.#audio, this.#clock.now());
    return lead;
  }

  /**
   * Packetizes one VP8 frame due at `deadline` and spreads its packets over
   * half the frame interval, so a keyframe does not leave as one burst.
   */
  sendVideo(
    frame: Uint8Array,
    timestamp90k: number,
    deadline: number,
    frameIntervalMs: number,
  ): void {
    const video = this.#video;
    if (this.#closed || !video) return;
    const count = this.#ext.video();
    if (
      !video.queue.push(
        frame,
        timestamp90k,
        this.#ext.elements,
        count,
        frameIntervalMs,
      )
    ) {
      // Rather than overwrite queued packets, drop the frame and ask for a
      // keyframe: the receiver cannot decode past the gap anyway.
      this.#keyframes.needed(this.#clock.now());
      return;
    }
    const now = this.#clock.now();
    // The queue sent the frame's first packet already (it is due now).
    if (frame.length > 0 && !(frame[0] & 1)) this.#keyframes.keyframeSent(now);
    if (video.stream.account(timestamp90k, deadline, frame.length)) {
      this.#reports.restarted(video.stream, now);
    }
  }

  /** Handles a decrypted compound RTCP packet from the SFU. Never throws. */
  handleRtcp(buf: Uint8Array, length: number): void {
    this.#feedback.handle(buf, length, this.#clock.now());
  }

  /** Current statistics. */
  stats(): MediaSenderStats {
    const now = this.#clock.now();
    const video = this.#video;
    return {
      audio: this.#audio.stats(now),
      ...(video ? { video: video.stream.stats(now) } : {}),
      rttMs: this.#feedback.rttMs,
      nacksReceived: this.#feedback.nacks,
      plisReceived: this.#feedback.plis,
      firsReceived: this.#feedback.firs,
      keyframeRequestsReceived: this.#keyframes.received,
      keyframeRequests: this.#keyframes.requested,
      keyframeRequestsAnswered: this.#keyframes.answered,
      keyframeLatency: this.#keyframes.latency(),
      rembBitrate: this.#feedback.rembBitrate,
      ...(this.#sink.stats ? { transportCc: this.#sink.stats } : {}),
      retransmissions: video?.rtx.stats.retransmitted ?? 0,
      senderReports: this.#reports.sent,
    };
  }

  /** Sends a final SR with BYE (RFC 3550 §6.6) and stops every timer. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#reports.close(this.#clock.now());
    this.#closed = true;
    this.#video?.queue.clear();
    this.#keyframes.close();
  }
}
