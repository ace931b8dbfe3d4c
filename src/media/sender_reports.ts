/**
 * RTCP Sender Reports (RFC 3550 §6.4.1) with an SDES CNAME chunk (§6.5.1)
 * for each outgoing SSRC, on their own schedules: audio every ~5 s, video
 * every ~1 s, each interval randomised over [0.5, 1.5] × itself (§6.2) so
 * that calls started together do not report in lockstep. On close, a final
 * SR + SDES + BYE for every SSRC (§6.6).
 *
 * The first report of an SSRC goes out 100 ms after its first packet, and
 * again after every timing restart (a new source, a seek, a resume): until
 * a receiver has an SR it cannot map the stream to wall-clock time, so it
 * cannot lip-sync — waiting a whole randomised interval (up to 7.5 s for
 * audio) would leave the start of every stream unsynchronised. libwebrtc
 * likewise reports within about a second of sending starting.
 *
 * NTP time and RTP time in a report come from the same monotonic instant,
 * which is how receivers align audio with video.
 *
 * @module
 */

import { monotonicToUnixMs } from "../runtime/clock.ts";
import type { ScheduledTask, Scheduler } from "../runtime/scheduler.ts";
import {
  ntpFromUnixMs,
  writeBye,
  writeSdesCname,
  writeSenderReport,
} from "../rtp/rtcp.ts";
import type { OutgoingStream } from "./outgoing_stream.ts";
import type { RtpSink } from "./rtp_sink.ts";

const AUDIO_REPORT_MS = 5000;
const VIDEO_REPORT_MS = 1000;
/** The first report after a stream (re)starts, ms after its first packet. */
const FIRST_REPORT_MS = 100;

/** Options for {@linkcode SenderReports}. */
export interface SenderReportsOptions {
  /** Where the compound packets go. */
  sink: RtpSink;
  /** Timer source. */
  scheduler: Scheduler;
  /** SDES CNAME. */
  cname: string;
  /** The audio stream. */
  audio: OutgoingStream;
  /** The video stream and its RTX SSRC (named in the BYE), when publishing video. */
  video?: { stream: OutgoingStream; rtxSsrc: number };
}

interface Schedule {
  stream: OutgoingStream;
  interval: number;
  /** Infinity until the stream's first packet. */
  nextReport: number;
}

/** Schedules and writes one call's Sender Reports. */
export class SenderReports {
  readonly #o: SenderReportsOptions;
  readonly #audio: Schedule;
  readonly #video: Schedule | undefined;
  readonly #task: ScheduledTask;
  readonly #buf = new Uint8Array(512);
  #closed = false;
  /** Sender Reports sent. */
  sent = 0;

  /** @param options See {@linkcode SenderReportsOptions}. */
  constructor(options: SenderReportsOptions) {
    this.#o = options;
    this.#audio = schedule(options.audio, AUDIO_REPORT_MS);
    this.#video = options.video &&
      schedule(options.video.stream, VIDEO_REPORT_MS);
    this.#task = options.scheduler.task((t) => this.#tick(t));
  }

  /**
   * `stream` sent the first frame of a new timing run at `now` (its first
   * ever, or the first after a source switch, seek or resume): its next
   * report is brought forward to 100 ms from now.
   */
  restarted(stream: OutgoingStream, now: number): void {
    if (this.#closed) return;
    const s = stream === this.#audio.stream
      ? this.#audio
      : stream === this.#video?.stream
      ? this.#video
      : undefined;
    if (!s || s.nextReport <= now + FIRST_REPORT_MS) return;
    s.nextReport = now + FIRST_REPORT_MS;
    this.#task.at(this.#nextDue());
  }

  /** Sends the final SR + SDES + BYE (RFC 3550 §6.6) and stops. Idempotent. */
  close(now: number): void {
    if (this.#closed) return;
    this.#send(this.#o.audio, now, true);
    this.#closed = true;
    this.#task.cancel();
  }

  #tick(now: number): void {
    if (this.#closed) return;
    for (const s of [this.#audio, this.#video]) {
      if (!s || now < s.nextReport) continue;
      // RFC 3550 §6.2: randomise over [0.5, 1.5] × the interval.
      s.nextReport = now + s.interval * (0.5 + Math.random());
      if (!s.stream.hasSent) continue;
      this.#send(s.stream, now, false);
    }
    const next = this.#nextDue();
    if (next < Infinity) this.#task.at(next);
  }

  #send(s: OutgoingStream, now: number, bye: boolean): void {
    const { seconds, fraction } = ntpFromUnixMs(monotonicToUnixMs(now));
    const b = this.#buf;
    let n = writeSenderReport(b, 0, {
      ssrc: s.ssrc,
      ntpSeconds: seconds,
      ntpFraction: fraction,
      rtpTimestamp: s.rtpAt(now),
      packetCount: s.packets,
      octetCount: s.bytes,
    });
    n += writeSdesCname(b, n, s.ssrc, this.#o.cname);
    if (bye) {
      const ssrcs = [this.#o.audio.ssrc];
      const video = this.#o.video;
      if (video) ssrcs.push(video.stream.ssrc, video.rtxSsrc >>> 0);
      n += writeBye(b, n, ssrcs);
    }
    this.sent++;
    this.#o.sink.sendRtcp(b, n);
  }

  #nextDue(): number {
    return Math.min(
      this.#audio.nextReport,
      this.#video?.nextReport ?? Infinity,
    );
  }
}

function schedule(stream: OutgoingStream, interval: number): Schedule {
  return { stream, interval, nextReport: Infinity };
}
