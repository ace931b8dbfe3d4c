/**
 * One call's outgoing media: Opus and VP8 packetization with header
 * extensions, video pacing, NACK → RTX, keyframe requests, RTCP Sender
 * Reports and statistics — everything between a timed frame and
 * `transport.sendRtp`.
 *
 * One clock: every frame is handed over with its *media deadline* on the
 * monotonic clock (when it is due to be played out), and the Sender
 * Reports of both SSRCs extrapolate RTP time from those deadlines and stamp
 * NTP time from the same clock. Receivers align audio and video through
 * exactly this mapping (RFC 3550 §6.4.1), so lip sync does not drift.
 *
 * @module
 */

import { type Clock, monotonicToUnixMs } from "../runtime/clock.ts";
import {
  type ScheduledTask,
  type Scheduler,
  sharedScheduler,
} from "../runtime/scheduler.ts";
import {
  absSendTime24,
  audioLevelByte,
  DEFAULT_EXTENSION_IDS,
  type ExtensionIds,
} from "../rtp/header_extensions.ts";
import { OpusPacketizer } from "../rtp/opus_packetizer.ts";
import type { ExtensionElement } from "../rtp/packet.ts";
import {
  ntpFromUnixMs,
  parseRtcp,
  rttMsFromReport,
  writeBye,
  writeSdesCname,
  writeSenderReport,
} from "../rtp/rtcp.ts";
import { RtxHistory } from "../rtp/rtx_history.ts";
import { extensionBlockBytes, Vp8Packetizer } from "../rtp/vp8_packetizer.ts";

/** Where protected packets go (a PeerTransport, or a test sink). */
export interface RtpSink {
  /** Protects and sends RTP in place; `buf` has room for the SRTP tag. */
  sendRtp(buf: Uint8Array, length: number): boolean;
  /** Protects and sends RTCP in place. */
  sendRtcp(buf: Uint8Array, length: number): boolean;
}

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
  /** Minimum spacing of keyframe requests; default 500 ms. */
  keyframeIntervalMs?: number;
  /** Timer source; default the shared scheduler. */
  scheduler?: Scheduler;
}

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
  /** Keyframe requests passed to the source. */
  keyframeRequests: number;
  /** RTX packets sent. */
  retransmissions: number;
  /** Sender Reports sent. */
  senderReports: number;
}

interface Stream {
  ssrc: number;
  clockRate: number;
  packets: number;
  bytes: number;
  /** RTP timestamp and media deadline of the last frame sent. */
  lastRtp: number;
  lastDeadline: number;
  hasSent: boolean;
  nextReport: number;
  interval: number;
  windowBytes: number;
  windowStart: number;
  bitrate: number;
  fractionLost: number;
  jitter: number;
}

const AUDIO_REPORT_MS = 5000;
const VIDEO_REPORT_MS = 1000;
const PACKET_BYTES = 1500;
const VIDEO_SLOTS = 512;

/** Packetizes, paces and reports one call's outgoing media. */
export class MediaSender {
  readonly #o: MediaSenderOptions;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #ids: ExtensionIds;
  readonly #opus: OpusPacketizer;
  readonly #vp8: Vp8Packetizer | undefined;
  readonly #rtx: RtxHistory | undefined;
  readonly #audio: Stream;
  readonly #video: Stream | undefined;
  readonly #cname: string;
  // Preallocated buffers: one for audio/RTCP/RTX, a ring for queued video.
  readonly #buf = new Uint8Array(PACKET_BYTES + 64);
  readonly #rtxBuf = new Uint8Array(PACKET_BYTES + 64);
  readonly #rtcpBuf = new Uint8Array(512);
  readonly #videoSlots: Uint8Array[] = [];
  // The video queue is the run of ring slots from #head, #queued long, in
  // send order; each slot's length and due time live in typed arrays.
  readonly #slotLength = new Int32Array(VIDEO_SLOTS);
  readonly #slotDue = new Float64Array(VIDEO_SLOTS);
  readonly #frameLengths = new Int32Array(64);
  readonly #frameSlots: Uint8Array[] = [];
  #head = 0;
  #queued = 0;
  readonly #ext: ExtensionElement[] = [
    { id: 0, length: 1, value: 0 },
    { id: 0, length: 3, value: 0 },
    { id: 0, length: 2, value: 0 },
  ];
  #twccSeq = 0;
  readonly #pacerTask: ScheduledTask;
  readonly #rtcpTask: ScheduledTask;
  readonly #keyframeTask: ScheduledTask;
  #lastKeyframeRequest = -Infinity;
  #rttMs = NaN;
  #closed = false;
  readonly #counters = {
    nacks: 0,
    plis: 0,
    firs: 0,
    keyframeRequests: 0,
    senderReports: 0,
  };

  /** @param options See {@linkcode MediaSenderOptions}. */
  constructor(options: MediaSenderOptions) {
    this.#o = options;
    this.#scheduler = options.scheduler ?? sharedScheduler();
    this.#clock = this.#scheduler.clock;
    this.#ids = options.extensionIds ?? DEFAULT_EXTENSION_IDS;
    this.#cname = options.cname ??
      `tgcall-${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}`;
    this.#opus = new OpusPacketizer({
      ssrc: options.audioSsrc,
      payloadType: options.audioPayloadType,
    });
    const now = this.#clock.now();
    this.#audio = this.#stream(options.audioSsrc, 48000, AUDIO_REPORT_MS, now);
    if (options.video) {
      this.#vp8 = new Vp8Packetizer({
        ssrc: options.video.ssrc,
        payloadType: options.videoPayloadType,
      });
      this.#rtx = new RtxHistory({
        rtxSsrc: options.video.rtxSsrc,
        rtxPayloadType: options.rtxPayloadType,
      });
      this.#video = this.#stream(
        options.video.ssrc,
        90000,
        VIDEO_REPORT_MS,
        now,
      );
      for (let i = 0; i < VIDEO_SLOTS; i++) {
        this.#videoSlots.push(new Uint8Array(PACKET_BYTES + 64));
      }
    }
    this.#pacerTask = this.#scheduler.task((t) => this.#drainVideo(t));
    this.#rtcpTask = this.#scheduler.task((t) => this.#sendReports(t));
    this.#keyframeTask = this.#scheduler.task((t) => this.#requestKeyframe(t));
    this.#rtcpTask.at(this.#nextRtcpDue());
  }

  #stream(
    ssrc: number,
    clockRate: number,
    interval: number,
    now: number,
  ): Stream {
    return {
      ssrc: ssrc >>> 0,
      clockRate,
      packets: 0,
      bytes: 0,
      lastRtp: 0,
      lastDeadline: 0,
      hasSent: false,
      interval,
      // RFC 3550 §6.2: randomise over [0.5, 1.5] × the interval.
      nextReport: now + interval * (0.5 + Math.random()),
      windowBytes: 0,
      windowStart: now,
      bitrate: 0,
      fractionLost: 0,
      jitter: 0,
    };
  }

  /** Marks a source switch/seek/resume: timestamps continue, never jump back. */
  beginSource(): void {
    this.#opus.beginSource();
  }

  /**
   * Sends one Opus frame now. `deadline` is its media time on the monotonic
   * clock; `levelDbov`/`voice` feed the RFC 6464 extension.
   */
  sendAudio(
    frame: Uint8Array,
    sourceTimestamp: number,
    duration: number,
    deadline: number,
    levelDbov: number,
    voice: boolean,
  ): void {
    if (this.#closed) return;
    let count = 0;
    const ext = this.#ext;
    if (this.#ids.audioLevel) {
      ext[count].id = this.#ids.audioLevel;
      ext[count].length = 1;
      ext[count++].value = audioLevelByte(levelDbov, voice);
    }
    count = this.#commonExtensions(count);
    const n = this.#opus.write(
      this.#buf,
      frame,
      sourceTimestamp,
      duration,
      ext,
      count,
    );
    this.#account(
      this.#audio,
      this.#opus.lastTimestamp,
      deadline,
      frame.length,
    );
    this.#audio.packets++;
    this.#o.sink.sendRtp(this.#buf, n);
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
    const vp8 = this.#vp8;
    if (this.#closed || !vp8 || !this.#video) return;
    const count = this.#commonExtensions(0);
    const ext = this.#ext;
    const packets = vp8.packetCount(
      frame.length,
      extensionBlockBytes(ext, count),
    );
    if (
      packets > this.#frameLengths.length ||
      this.#queued + packets > VIDEO_SLOTS
    ) {
      // The pacer is more than a ring behind (or the frame is absurd): drop
      // the frame and ask for a keyframe rather than overwrite queued packets.
      this.#keyframeNeeded(this.#clock.now());
      return;
    }
    const start = (this.#head + this.#queued) % VIDEO_SLOTS;
    const out = this.#frameSlots;
    out.length = packets;
    for (let i = 0; i < packets; i++) {
      out[i] = this.#videoSlots[(start + i) % VIDEO_SLOTS];
    }
    const n = vp8.packetize(
      frame,
      timestamp90k,
      out,
      this.#frameLengths,
      ext,
      count,
    );
    const now = this.#clock.now();
    const spread = Math.max(0, frameIntervalMs) / 2;
    for (let i = 0; i < n; i++) {
      const slot = (start + i) % VIDEO_SLOTS;
      this.#slotLength[slot] = this.#frameLengths[i];
      this.#slotDue[slot] = now + (spread * i) / n;
    }
    this.#queued += n;
    this.#account(this.#video, timestamp90k, deadline, frame.length);
    this.#drainVideo(now);
  }

  #commonExtensions(count: number): number {
    const ext = this.#ext;
    if (this.#ids.absSendTime) {
      ext[count].id = this.#ids.absSendTime;
      ext[count].length = 3;
      ext[count++].value = absSendTime24(
        monotonicToUnixMs(this.#clock.now()) / 1000,
      );
    }
    if (this.#ids.transportWideCc) {
      ext[count].id = this.#ids.transportWideCc;
      ext[count].length = 2;
      ext[count++].value = this.#twccSeq;
      this.#twccSeq = (this.#twccSeq + 1) & 0xffff;
    }
    return count;
  }

  #account(
    s: Stream,
    rtp: number,
    deadline: number,
    payloadBytes: number,
  ): void {
    s.lastRtp = rtp >>> 0;
    s.lastDeadline = deadline;
    s.hasSent = true;
    s.bytes += payloadBytes;
    s.windowBytes += payloadBytes;
  }

  #drainVideo(now: number): void {
    while (this.#queued > 0 && this.#slotDue[this.#head] <= now + 0.5) {
      const slot = this.#head;
      const buf = this.#videoSlots[slot];
      const length = this.#slotLength[slot];
      this.#rtx?.store(buf, length, now);
      this.#video!.packets++;
      this.#o.sink.sendRtp(buf, length);
      this.#head = (slot + 1) % VIDEO_SLOTS;
      this.#queued--;
    }
    if (this.#queued > 0) this.#pacerTask.at(this.#slotDue[this.#head]);
    else this.#pacerTask.cancel();
  }

  /** Handles a decrypted compound RTCP packet from the SFU. Never throws. */
  handleRtcp(buf: Uint8Array, length: number): void {
    const now = this.#clock.now();
    for (const p of parseRtcp(buf, length).packets) {
      switch (p.type) {
        case "rr":
        case "sr":
          for (const block of p.reports) {
            const s = block.ssrc === this.#audio.ssrc
              ? this.#audio
              : block.ssrc === this.#video?.ssrc
              ? this.#video
              : undefined;
            if (!s) continue;
            s.fractionLost = block.fractionLost;
            s.jitter = block.jitter;
            const rtt = rttMsFromReport(block, monotonicToUnixMs(now));
            if (rtt !== undefined) this.#rttMs = rtt;
          }
          break;
        case "nack":
          this.#counters.nacks++;
          if (p.mediaSsrc === this.#video?.ssrc) this.#retransmit(p.lost, now);
          break;
        case "pli":
          this.#counters.plis++;
          this.#keyframeNeeded(now);
          break;
        case "fir":
          this.#counters.firs++;
          this.#keyframeNeeded(now);
          break;
      }
    }
  }

  #retransmit(lost: readonly number[], now: number): void {
    const rtx = this.#rtx;
    if (!rtx) return;
    // RTX goes out immediately, ahead of any queued new video.
    const rtt = Number.isNaN(this.#rttMs) ? 50 : this.#rttMs;
    for (const seq of lost) {
      const n = rtx.retransmit(seq, this.#rtxBuf, now, rtt);
      if (n > 0) this.#o.sink.sendRtp(this.#rtxBuf, n);
    }
  }

  #keyframeNeeded(now: number): void {
    // Never ignored, never more often than the interval: a request inside
    // the interval is deferred to its end (PLI storms coalesce).
    const interval = this.#o.keyframeIntervalMs ?? 500;
    const at = this.#lastKeyframeRequest + interval;
    if (now >= at) {
      this.#keyframeTask.cancel();
      this.#requestKeyframe(now);
    } else if (!this.#keyframeTask.scheduled) {
      this.#keyframeTask.at(at);
    }
  }

  #requestKeyframe(now: number): void {
    if (this.#closed) return;
    this.#lastKeyframeRequest = now;
    this.#counters.keyframeRequests++;
    this.#o.onKeyframeRequest?.();
  }

  /** RTP time of `s` at monotonic `now`, extrapolated from the last frame's deadline. */
  #rtpAt(s: Stream, now: number): number {
    return (s.lastRtp +
      Math.round(((now - s.lastDeadline) * s.clockRate) / 1000)) >>> 0;
  }

  #sendReports(now: number): void {
    if (this.#closed) return;
    for (const s of [this.#audio, this.#video]) {
      if (!s || now < s.nextReport) continue;
      s.nextReport = now + s.interval * (0.5 + Math.random());
      if (!s.hasSent) continue;
      this.#sendSr(s, now, false);
    }
    this.#rtcpTask.at(this.#nextRtcpDue());
  }

  #sendSr(s: Stream, now: number, bye: boolean): void {
    const { seconds, fraction } = ntpFromUnixMs(monotonicToUnixMs(now));
    const b = this.#rtcpBuf;
    let n = writeSenderReport(b, 0, {
      ssrc: s.ssrc,
      ntpSeconds: seconds,
      ntpFraction: fraction,
      rtpTimestamp: this.#rtpAt(s, now),
      packetCount: s.packets,
      octetCount: s.bytes,
    });
    n += writeSdesCname(b, n, s.ssrc, this.#cname);
    if (bye) {
      const ssrcs = [this.#audio.ssrc];
      if (this.#video && this.#o.video) {
        ssrcs.push(this.#video.ssrc, this.#o.video.rtxSsrc >>> 0);
      }
      n += writeBye(b, n, ssrcs);
    }
    this.#counters.senderReports++;
    this.#o.sink.sendRtcp(b, n);
  }

  #nextRtcpDue(): number {
    return Math.min(
      this.#audio.nextReport,
      this.#video?.nextReport ?? Infinity,
    );
  }

  /** Current statistics. */
  stats(): MediaSenderStats {
    const now = this.#clock.now();
    const view = (s: Stream): SsrcStats => {
      const elapsed = now - s.windowStart;
      if (elapsed >= 1000) {
        s.bitrate = (s.windowBytes * 8 * 1000) / elapsed;
        s.windowBytes = 0;
        s.windowStart = now;
      }
      return {
        ssrc: s.ssrc,
        packets: s.packets,
        bytes: s.bytes,
        bitrate: s.bitrate,
        fractionLost: s.fractionLost,
        jitterMs: (s.jitter * 1000) / s.clockRate,
      };
    };
    return {
      audio: view(this.#audio),
      ...(this.#video ? { video: view(this.#video) } : {}),
      rttMs: this.#rttMs,
      nacksReceived: this.#counters.nacks,
      plisReceived: this.#counters.plis,
      firsReceived: this.#counters.firs,
      keyframeRequests: this.#counters.keyframeRequests,
      retransmissions: this.#rtx?.stats.retransmitted ?? 0,
      senderReports: this.#counters.senderReports,
    };
  }

  /** Sends a final SR with BYE (RFC 3550 §6.6) and stops every timer. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#sendSr(this.#audio, this.#clock.now(), true);
    this.#closed = true;
    this.#queued = 0;
    this.#pacerTask.cancel();
    this.#rtcpTask.cancel();
    this.#keyframeTask.cancel();
  }
}
