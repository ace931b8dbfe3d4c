/**
 * Transport-wide congestion control on the wire
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01): where a packet's
 * transport-wide sequence number sits in its one-byte header extension
 * block (RFC 8285 §4.2), and the feedback the receiver sends back, RTPFB
 * FMT 15 (§3.1):
 *
 * ```
 * | base sequence number          | packet status count           |
 * | reference time (24 bits, ×64 ms)              | fb pkt count  |
 * | packet chunk | packet chunk | … | recv delta | recv delta | …   |
 * ```
 *
 * A chunk is a run length (`0 SS LLLLLLLLLLLLL`: L packets of status S) or
 * a status vector (`1 0` + 14 one-bit symbols, or `1 1` + 7 two-bit
 * symbols). Status 1 has a one-byte receive delta, status 2 a signed
 * two-byte one, both in 250 µs units; 0 is "not received".
 *
 * @module
 */

/** One transport-cc feedback packet, decoded. */
export interface TwccFeedback {
  /** Transport-wide sequence number of the first packet reported. */
  baseSequence: number;
  /** Packets reported, from `baseSequence` on. */
  statusCount: number;
  /** Reference time, ms (the 24-bit field × 64, on the receiver's clock). */
  referenceTimeMs: number;
  /** Feedback packet counter. */
  feedbackCount: number;
  /**
   * Arrival time of each reported packet, ms on the receiver's clock
   * (reference time + deltas); NaN for a packet not received.
   */
  arrivalMs: Float64Array;
}

/** Status symbols (§3.1.1). */
const NOT_RECEIVED = 0, SMALL_DELTA = 1, LARGE_DELTA = 2;

/**
 * Decodes the FCI of an RTPFB FMT 15 packet: `buf[at..end)` starts at the
 * base sequence number (after the two SSRCs). Undefined when the chunks or
 * deltas run past `end` or use the reserved status.
 */
export function parseTwccFeedback(
  buf: Uint8Array,
  at: number,
  end: number,
): TwccFeedback | undefined {
  if (at + 8 > end) return undefined;
  const baseSequence = (buf[at] << 8) | buf[at + 1];
  const statusCount = (buf[at + 2] << 8) | buf[at + 3];
  let reference = (buf[at + 4] << 16) | (buf[at + 5] << 8) | buf[at + 6];
  if (reference & 0x800000) reference -= 0x1000000; // signed 24-bit
  const feedbackCount = buf[at + 7];
  const symbols = new Uint8Array(statusCount);
  let p = at + 8, n = 0;
  while (n < statusCount) {
    if (p + 2 > end) return undefined;
    const chunk = (buf[p] << 8) | buf[p + 1];
    p += 2;
    if (!(chunk & 0x8000)) {
      const symbol = (chunk >> 13) & 3;
      const run = Math.min(chunk & 0x1fff, statusCount - n);
      symbols.fill(symbol, n, n + run);
      n += run;
    } else if (!(chunk & 0x4000)) {
      for (let i = 13; i >= 0 && n < statusCount; i--) {
        symbols[n++] = (chunk >> i) & 1;
      }
    } else {
      for (let i = 12; i >= 0 && n < statusCount; i -= 2) {
        symbols[n++] = (chunk >> i) & 3;
      }
    }
  }
  const arrivalMs = new Float64Array(statusCount);
  let time = reference * 64;
  for (let i = 0; i < statusCount; i++) {
    const s = symbols[i];
    if (s === NOT_RECEIVED) {
      arrivalMs[i] = NaN;
      continue;
    }
    if (s === SMALL_DELTA) {
      if (p + 1 > end) return undefined;
      time += buf[p++] / 4;
    } else if (s === LARGE_DELTA) {
      if (p + 2 > end) return undefined;
      time += (((buf[p] << 24) | (buf[p + 1] << 16)) >> 16) / 4;
      p += 2;
    } else {
      return undefined;
    }
    arrivalMs[i] = time;
  }
  return {
    baseSequence,
    statusCount,
    referenceTimeMs: reference * 64,
    feedbackCount,
    arrivalMs,
  };
}

/**
 * Offset of the 2-byte value of one-byte extension `id` in an RTP packet,
 * or -1 when the packet has no such element (or no one-byte block).
 */
export function extensionValueOffset(
  packet: Uint8Array,
  length: number,
  id: number,
): number {
  if (length < 12 || !(packet[0] & 0x10)) return -1;
  const start = 12 + 4 * (packet[0] & 0x0f);
  if (start + 4 > length) return -1;
  if (packet[start] !== 0xbe || packet[start + 1] !== 0xde) return -1;
  const end = start + 4 + 4 * ((packet[start + 2] << 8) | packet[start + 3]);
  if (end > length) return -1;
  let at = start + 4;
  while (at < end) {
    const b = packet[at];
    if (b === 0) { // padding
      at++;
      continue;
    }
    const elementId = b >> 4, size = (b & 0x0f) + 1;
    if (elementId === 15) return -1; // RFC 8285 §4.2: stop parsing
    if (elementId === id) return at + 1 + size <= end ? at + 1 : -1;
    at += 1 + size;
  }
  return -1;
}
