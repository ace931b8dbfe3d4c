/**
 * RTCP for a sender: building Sender Reports, SDES CNAME and BYE
 * (RFC 3550 §6.4.1, §6.5, §6.6), and reading what receivers and the SFU send
 * back — Receiver Reports, Generic NACK (RFC 4585 §6.2.1), PLI (§6.3.1),
 * FIR (RFC 5104 §4.3.1), REMB and transport-cc feedback (decoded in
 * `twcc.ts`).
 *
 * ```
 *  0                   1                   2                   3
 * |V=2|P|  RC/FMT |      PT       |             length            |
 * ```
 *
 * `parseRtcp` never throws: a malformed packet ends the walk and is
 * reported through `malformed`, and what came before it is still returned.
 *
 * @module
 */

import { parseTwccFeedback, type TwccFeedback } from "./twcc.ts";

/** RTCP packet types. */
export const RtcpType = {
  SenderReport: 200,
  ReceiverReport: 201,
  SourceDescription: 202,
  Bye: 203,
  TransportFeedback: 205,
  PayloadFeedback: 206,
} as const;

/** One reception report block (RFC 3550 §6.4.1). */
export interface ReportBlock {
  /** SSRC the block reports on (ours). */
  ssrc: number;
  /** Fraction lost since the last report, 0–1. */
  fractionLost: number;
  /** Cumulative packets lost (signed 24-bit). */
  cumulativeLost: number;
  /** Extended highest sequence number received. */
  highestSequence: number;
  /** Interarrival jitter in RTP timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP time of our last SR they saw (LSR). */
  lastSr: number;
  /** Delay since that SR, in 1/65536 s (DLSR). */
  delaySinceLastSr: number;
}

/** Parsed RTCP packets tgcall acts on. */
export type RtcpPacket =
  | {
    type: "sr";
    ssrc: number;
    ntpSeconds: number;
    ntpFraction: number;
    rtpTimestamp: number;
    packetCount: number;
    octetCount: number;
    reports: ReportBlock[];
  }
  | { type: "rr"; ssrc: number; reports: ReportBlock[] }
  | { type: "bye"; ssrcs: number[] }
  | { type: "nack"; senderSsrc: number; mediaSsrc: number; lost: number[] }
  | { type: "pli"; senderSsrc: number; mediaSsrc: number }
  | {
    type: "fir";
    senderSsrc: number;
    entries: { ssrc: number; sequence: number }[];
  }
  | { type: "remb"; senderSsrc: number; bitrate: number; ssrcs: number[] }
  | ({ type: "twcc"; senderSsrc: number; mediaSsrc: number } & TwccFeedback)
  | { type: "other"; packetType: number; format: number };

/** Result of {@linkcode parseRtcp}. */
export interface ParsedRtcp {
  /** Packets parsed, in order. */
  packets: RtcpPacket[];
  /** Whether the walk stopped at malformed bytes. */
  malformed: boolean;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>>
    0;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

function reportBlocks(b: Uint8Array, at: number, count: number): ReportBlock[] {
  const out: ReportBlock[] = [];
  for (let i = 0; i < count; i++, at += 24) {
    let lost = (b[at + 5] << 16) | (b[at + 6] << 8) | b[at + 7];
    if (lost & 0x800000) lost -= 0x1000000;
    out.push({
      ssrc: u32(b, at),
      fractionLost: b[at + 4] / 256,
      cumulativeLost: lost,
      highestSequence: u32(b, at + 8),
      jitter: u32(b, at + 12),
      lastSr: u32(b, at + 16),
      delaySinceLastSr: u32(b, at + 20),
    });
  }
  return out;
}

/** Parses a (decrypted) compound RTCP packet. Never throws. */
export function parseRtcp(buf: Uint8Array, length = buf.length): ParsedRtcp {
  const packets: RtcpPacket[] = [];
  let at = 0;
  while (at + 4 <= length) {
    const first = buf[at];
    if (first >> 6 !== 2) return { packets, malformed: true };
    const count = first & 0x1f;
    const pt = buf[at + 1];
    const size = 4 * (((buf[at + 2] << 8) | buf[at + 3]) + 1);
    if (at + size > length) return { packets, malformed: true };
    // Padding (P bit) only on the last packet of a compound; ignore it.
    const body = at + 4;
    const end = at + size;
    const need = (n: number) => body + n <= end;
    switch (pt) {
      case RtcpType.SenderReport:
        if (!need(24 + 24 * count)) return { packets, malformed: true };
        packets.push({
          type: "sr",
          ssrc: u32(buf, body),
          ntpSeconds: u32(buf, body + 4),
          ntpFraction: u32(buf, body + 8),
          rtpTimestamp: u32(buf, body + 12),
          packetCount: u32(buf, body + 16),
          octetCount: u32(buf, body + 20),
          reports: reportBlocks(buf, body + 24, count),
        });
        break;
      case RtcpType.ReceiverReport:
        if (!need(4 + 24 * count)) return { packets, malformed: true };
        packets.push({
          type: "rr",
          ssrc: u32(buf, body),
          reports: reportBlocks(buf, body + 4, count),
        });
        break;
      case RtcpType.Bye: {
        if (!need(4 * count)) return { packets, malformed: true };
        const ssrcs: number[] = [];
        for (let i = 0; i < count; i++) ssrcs.push(u32(buf, body + 4 * i));
        packets.push({ type: "bye", ssrcs });
        break;
      }
      case RtcpType.TransportFeedback: {
        if (!need(8)) return { packets, malformed: true };
        const senderSsrc = u32(buf, body), mediaSsrc = u32(buf, body + 4);
        if (count === 1) {
          // Generic NACK: PID + BLP pairs; bit i of BLP means PID+i+1 lost too.
          const lost: number[] = [];
          for (let p = body + 8; p + 4 <= end; p += 4) {
            const pid = (buf[p] << 8) | buf[p + 1];
            const blp = (buf[p + 2] << 8) | buf[p + 3];
            lost.push(pid);
            for (let bit = 0; bit < 16; bit++) {
              if (blp & (1 << bit)) lost.push((pid + bit + 1) & 0xffff);
            }
          }
          packets.push({ type: "nack", senderSsrc, mediaSsrc, lost });
        } else if (count === 15) {
          const feedback = parseTwccFeedback(buf, body + 8, end);
          if (!feedback) return { packets, malformed: true };
          packets.push({ type: "twcc", senderSsrc, mediaSsrc, ...feedback });
        } else {
          packets.push({ type: "other", packetType: pt, format: count });
        }
        break;
      }
      case RtcpType.PayloadFeedback: {
        if (!need(8)) return { packets, malformed: true };
        const senderSsrc = u32(buf, body), mediaSsrc = u32(buf, body + 4);
        if (count === 1) {
          packets.push({ type: "pli", senderSsrc, mediaSsrc });
        } else if (count === 4) {
          const entries: { ssrc: number; sequence: number }[] = [];
          for (let p = body + 8; p + 8 <= end; p += 8) {
            entries.push({ ssrc: u32(buf, p), sequence: buf[p + 4] });
          }
          packets.push({ type: "fir", senderSsrc, entries });
        } else if (
          count === 15 && need(16) &&
          buf[body + 8] === 0x52 && buf[body + 9] === 0x45 &&
          buf[body + 10] === 0x4d && buf[body + 11] === 0x42
        ) {
          // REMB: "REMB", num SSRC, BR Exp (6 bits), BR Mantissa (18 bits), SSRCs.
          const n = buf[body + 12];
          const exp = buf[body + 13] >> 2;
          const mantissa = ((buf[body + 13] & 3) << 16) |
            (buf[body + 14] << 8) | buf[body + 15];
          if (!need(16 + 4 * n)) return { packets, malformed: true };
          const ssrcs: number[] = [];
          for (let i = 0; i < n; i++) ssrcs.push(u32(buf, body + 16 + 4 * i));
          packets.push({
            type: "remb",
            senderSsrc,
            bitrate: mantissa * 2 ** exp,
            ssrcs,
          });
        } else {
          packets.push({ type: "other", packetType: pt, format: count });
        }
        break;
      }
      default:
        packets.push({ type: "other", packetType: pt, format: count });
    }
    at = end;
  }
  return { packets, malformed: at !== length };
}

/** Sender Report fields (no report blocks: tgcall receives no RTP). */
export interface SenderReportFields {
  /** Sender SSRC. */
  ssrc: number;
  /** NTP seconds (since 1900). */
  ntpSeconds: number;
  /** NTP fraction (1/2^32 s). */
  ntpFraction: number;
  /** RTP timestamp corresponding to the NTP time. */
  rtpTimestamp: number;
  /** Packets sent on this SSRC. */
  packetCount: number;
  /** Payload octets sent on this SSRC. */
  octetCount: number;
}

/** Writes a 28-byte SR at `buf[at..]`; returns bytes written. */
export function writeSenderReport(
  buf: Uint8Array,
  at: number,
  sr: SenderReportFields,
): number {
  buf[at] = 0x80;
  buf[at + 1] = RtcpType.SenderReport;
  buf[at + 2] = 0;
  buf[at + 3] = 6;
  put32(buf, at + 4, sr.ssrc >>> 0);
  put32(buf, at + 8, sr.ntpSeconds >>> 0);
  put32(buf, at + 12, sr.ntpFraction >>> 0);
  put32(buf, at + 16, sr.rtpTimestamp >>> 0);
  put32(buf, at + 20, sr.packetCount >>> 0);
  put32(buf, at + 24, sr.octetCount >>> 0);
  return 28;
}

const encoder = new TextEncoder();

/** Writes an SDES chunk with one CNAME item (RFC 3550 §6.5.1); returns bytes written. */
export function writeSdesCname(
  buf: Uint8Array,
  at: number,
  ssrc: number,
  cname: string,
): number {
  const name = encoder.encode(cname).subarray(0, 255);
  // Header 4 + SSRC 4 + type 1 + length 1 + text, then at least one null
  // octet ending the item list, padded to 32 bits.
  const size = (4 + 4 + 2 + name.length + 1 + 3) & ~3;
  buf[at] = 0x81;
  buf[at + 1] = RtcpType.SourceDescription;
  buf[at + 2] = 0;
  buf[at + 3] = size / 4 - 1;
  put32(buf, at + 4, ssrc >>> 0);
  buf[at + 8] = 1; // CNAME
  buf[at + 9] = name.length;
  buf.set(name, at + 10);
  buf.fill(0, at + 10 + name.length, at + size);
  return size;
}

/** Writes a BYE for `ssrcs` (at most 31); returns bytes written. */
export function writeBye(
  buf: Uint8Array,
  at: number,
  ssrcs: readonly number[],
): number {
  const n = Math.min(31, ssrcs.length);
  buf[at] = 0x80 | n;
  buf[at + 1] = RtcpType.Bye;
  buf[at + 2] = 0;
  buf[at + 3] = n;
  for (let i = 0; i < n; i++) put32(buf, at + 4 + 4 * i, ssrcs[i] >>> 0);
  return 4 + 4 * n;
}

/** NTP timestamp (seconds since 1900, 32.32 fixed point) of Unix milliseconds. */
export function ntpFromUnixMs(
  unixMs: number,
): { seconds: number; fraction: number } {
  const seconds = Math.floor(unixMs / 1000) + 2_208_988_800;
  const fraction = Math.floor(((unixMs % 1000) / 1000) * 2 ** 32);
  return { seconds: seconds >>> 0, fraction: fraction >>> 0 };
}

/**
 * Round-trip time from a report block (RFC 3550 §6.4.1): arrival − LSR −
 * DLSR, all in the middle 32 bits of NTP time. Undefined without an SR echo.
 */
export function rttMsFromReport(
  block: ReportBlock,
  arrivalUnixMs: number,
): number | undefined {
  if (block.lastSr === 0) return undefined;
  const { seconds, fraction } = ntpFromUnixMs(arrivalUnixMs);
  const middle = (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
  const rtt = (middle - block.lastSr - block.delaySinceLastSr) >>> 0;
  // A negative RTT (wrapped) comes from clock trouble; ignore it.
  if (rtt > 0x7fffffff) return undefined;
  return (rtt / 65536) * 1000;
}
