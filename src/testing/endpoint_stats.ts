/**
 * What the stand-in SFU measures about one sender, from the RTP and RTCP
 * libdatachannel decrypted: packet and byte counts, bitrate over the last
 * second, loss from sequence-number gaps (RFC 3550 §6.4.1 / appendix A.3:
 * expected = extended highest − base + 1), the audio level and voice flag
 * of the last packet (RFC 6464, header extension id 1 as Telegram assigns
 * it), VP8 keyframes (RFC 7741 §4.3, RFC 6386 §9.1), RTX retransmissions
 * (RFC 4588) and Sender Reports (RFC 3550 §6.4.1).
 *
 * @module
 */

import { parseRtcp } from "../rtp/rtcp.ts";
import { readRtpPacket } from "../rtp/packet.ts";
import { startsVp8Keyframe } from "./rtp_files.ts";

/** Telegram's id for `urn:ietf:params:rtp-hdrext:ssrc-audio-level`. */
const AUDIO_LEVEL_EXTENSION_ID = 1;
/** Bitrate is measured over this window. */
const RATE_WINDOW_MS = 1000;

/** Audio as the SFU received it. */
export interface AudioStats {
  /** RTP packets received on the audio source. */
  packets: number;
  /** Their bytes (whole RTP packets, after SRTP). */
  bytes: number;
  /** Bitrate over the last second, kbit/s. */
  kbps: number;
  /** Packets missing from the sequence so far (RFC 3550 A.3). */
  lost: number;
  /** `lost` / expected, 0..1. */
  lossRate: number;
  /** Level of the last packet in dBov (0 loudest, −127 silence). */
  level: number;
  /** The voice-activity (V) bit of the last packet. */
  speaking: boolean;
  /** Sender Reports received for the audio source. */
  senderReports: number;
}

/** Video as the SFU received it. */
export interface VideoStats {
  /** RTP packets received on the video source (RTX not included). */
  packets: number;
  /** Their bytes. */
  bytes: number;
  /** VP8 keyframes started. */
  keyframes: number;
  /** Packets received on the RTX source (answers to NACKs). */
  retransmissions: number;
  /** Sequence number of the latest video packet; −1 before any. */
  lastSequence: number;
  /** Sender Reports received for the video source. */
  senderReports: number;
}

/** Extended sequence numbers of one source (RFC 3550 appendix A.1). */
class SequenceCounter {
  #base = -1;
  #max = 0;
  #cycles = 0;
  #received = 0;

  push(sequence: number): void {
    this.#received++;
    if (this.#base < 0) {
      this.#base = this.#max = sequence;
      return;
    }
    const ahead = (sequence - this.#max) & 0xffff;
    if (ahead !== 0 && ahead < 0x8000) {
      if (sequence < this.#max) this.#cycles += 0x10000;
      this.#max = sequence;
    }
  }

  get expected(): number {
    return this.#base < 0 ? 0 : this.#cycles + this.#max - this.#base + 1;
  }

  get lost(): number {
    return Math.max(0, this.expected - this.#received);
  }
}

/** The sources one join declared (unsigned). */
export interface DeclaredSources {
  /** The audio source. */
  audio: number;
  /** The main video source and its RTX source, if any. */
  video?: { ssrc: number; rtx: number };
}

/** Accumulates {@linkcode AudioStats} and {@linkcode VideoStats}. */
export class EndpointStats {
  readonly #sources: DeclaredSources;
  readonly #audio: AudioStats = {
    packets: 0,
    bytes: 0,
    kbps: 0,
    lost: 0,
    lossRate: 0,
    level: -127,
    speaking: false,
    senderReports: 0,
  };
  readonly #video: VideoStats = {
    packets: 0,
    bytes: 0,
    keyframes: 0,
    retransmissions: 0,
    lastSequence: -1,
    senderReports: 0,
  };
  readonly #audioSequence = new SequenceCounter();
  readonly #window: { at: number; bytes: number }[] = [];
  /** Last SR timestamp per source: one compound may reach both tracks. */
  readonly #lastReport = new Map<number, string>();

  /** Starts counting for the sources one join declared. */
  constructor(sources: DeclaredSources) {
    this.#sources = sources;
  }

  /** Counts one decrypted RTP packet that arrived at `at` (ms). */
  onRtp(packet: Uint8Array, at: number): void {
    const header = readRtpPacket(packet);
    if (!header) return;
    if (header.ssrc === this.#sources.audio) {
      const a = this.#audio;
      a.packets++;
      a.bytes += packet.length;
      this.#audioSequence.push(header.sequenceNumber);
      this.#window.push({ at, bytes: packet.length });
      const level = header.extensions.get(AUDIO_LEVEL_EXTENSION_ID);
      if (level && level.length >= 1) {
        a.level = -(level[0] & 0x7f);
        a.speaking = (level[0] & 0x80) !== 0;
      }
    } else if (header.ssrc === this.#sources.video?.ssrc) {
      this.#video.packets++;
      this.#video.bytes += packet.length;
      this.#video.lastSequence = header.sequenceNumber;
      if (startsVp8Keyframe(packet)) this.#video.keyframes++;
    } else if (header.ssrc === this.#sources.video?.rtx) {
      this.#video.retransmissions++;
    }
  }

  /** Counts the Sender Reports in one decrypted compound RTCP packet. */
  onRtcp(packet: Uint8Array): void {
    for (const p of parseRtcp(packet).packets) {
      if (p.type !== "sr") continue;
      const stamp = `${p.ntpSeconds}.${p.ntpFraction}`;
      if (this.#lastReport.get(p.ssrc) === stamp) continue;
      this.#lastReport.set(p.ssrc, stamp);
      if (p.ssrc === this.#sources.audio) this.#audio.senderReports++;
      else if (p.ssrc === this.#sources.video?.ssrc) {
        this.#video.senderReports++;
      }
    }
  }

  /** A snapshot of the audio counters as of `now` (ms). */
  audio(now: number): AudioStats {
    while (this.#window.length && this.#window[0].at < now - RATE_WINDOW_MS) {
      this.#window.shift();
    }
    const bytes = this.#window.reduce((n, w) => n + w.bytes, 0);
    const expected = this.#audioSequence.expected;
    const lost = this.#audioSequence.lost;
    return {
      ...this.#audio,
      kbps: (bytes * 8) / RATE_WINDOW_MS,
      lost,
      lossRate: expected > 0 ? lost / expected : 0,
    };
  }

  /** A snapshot of the video counters. */
  video(): VideoStats {
    return { ...this.#video };
  }
}
