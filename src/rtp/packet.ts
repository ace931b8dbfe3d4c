/**
 * Writing RTP packets (RFC 3550 §5.1) into caller-provided buffers.
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |      0xBE     |      0xDE     |           length              |  one-byte
 * |  ID   |  len  |     data...   |  ID   |  len  |  data...  pad |  extensions
 * ```
 *
 * One-byte extension elements (RFC 8285 §4.2): 4-bit id, 4-bit length − 1,
 * then the data; the block is zero-padded to 32 bits.
 *
 * @module
 */

/** Extension element to write: id 1–14 and 1–16 data bytes as a number (big-endian). */
export interface ExtensionElement {
  /** Extension id. */
  id: number;
  /** Data length in bytes (1–4 here). */
  length: number;
  /** The data as an unsigned big-endian integer. */
  value: number;
}

/** RTP header fields. */
export interface RtpHeaderFields {
  /** Payload type (7 bits). */
  payloadType: number;
  /** Marker bit. */
  marker: boolean;
  /** 16-bit sequence number. */
  sequenceNumber: number;
  /** 32-bit timestamp. */
  timestamp: number;
  /** SSRC. */
  ssrc: number;
}

/**
 * Writes the fixed header and, when `extensions` has elements, a one-byte
 * extension block, at `buf[0..]`. Returns the header length; the payload
 * goes after it. `count` limits how many elements of `extensions` are used,
 * so callers can keep one preallocated array.
 */
export function writeRtpHeader(
  buf: Uint8Array,
  header: RtpHeaderFields,
  extensions: readonly ExtensionElement[] = [],
  count = extensions.length,
): number {
  return writeRtpHeaderWith(
    buf,
    header.payloadType,
    header.marker,
    header.sequenceNumber,
    header.timestamp,
    header.ssrc,
    extensions,
    count,
  );
}

/**
 * {@linkcode writeRtpHeader} with the header fields as arguments: the
 * packetizers' per-packet form, which builds no header object.
 */
export function writeRtpHeaderWith(
  buf: Uint8Array,
  payloadType: number,
  marker: boolean,
  sequenceNumber: number,
  timestamp: number,
  ssrc: number,
  extensions: readonly ExtensionElement[],
  count: number,
): number {
  buf[0] = count > 0 ? 0x90 : 0x80;
  buf[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  buf[2] = (sequenceNumber >> 8) & 0xff;
  buf[3] = sequenceNumber & 0xff;
  const ts = timestamp >>> 0;
  buf[4] = ts >>> 24;
  buf[5] = (ts >>> 16) & 0xff;
  buf[6] = (ts >>> 8) & 0xff;
  buf[7] = ts & 0xff;
  const s = ssrc >>> 0;
  buf[8] = s >>> 24;
  buf[9] = (s >>> 16) & 0xff;
  buf[10] = (s >>> 8) & 0xff;
  buf[11] = s & 0xff;
  if (count === 0) return 12;
  buf[12] = 0xbe;
  buf[13] = 0xde;
  let at = 16;
  for (let i = 0; i < count; i++) {
    const e = extensions[i];
    buf[at++] = (e.id << 4) | (e.length - 1);
    for (let b = e.length - 1; b >= 0; b--) {
      buf[at++] = (e.value / 2 ** (8 * b)) & 0xff;
    }
  }
  while ((at - 16) % 4 !== 0) buf[at++] = 0;
  const words = (at - 16) / 4;
  buf[14] = words >> 8;
  buf[15] = words & 0xff;
  return at;
}

/** Parsed view of an RTP packet (tests, depacketizers, RTX). */
export interface RtpPacketView extends RtpHeaderFields {
  /** Offset of the payload. */
  payloadOffset: number;
  /** One-byte extensions by id. */
  extensions: Map<number, Uint8Array>;
}

/** Parses an RTP packet; undefined when malformed. */
export function readRtpPacket(p: Uint8Array): RtpPacketView | undefined {
  if (p.length < 12 || p[0] >> 6 !== 2) return undefined;
  let at = 12 + 4 * (p[0] & 0x0f);
  const extensions = new Map<number, Uint8Array>();
  if (p[0] & 0x10) {
    if (at + 4 > p.length) return undefined;
    const profile = (p[at] << 8) | p[at + 1];
    const end = at + 4 + 4 * ((p[at + 2] << 8) | p[at + 3]);
    if (end > p.length) return undefined;
    if (profile === 0xbede) {
      for (let i = at + 4; i < end;) {
        const id = p[i] >> 4;
        if (id === 0) {
          i++;
          continue;
        }
        if (id === 15) break;
        const len = (p[i] & 0x0f) + 1;
        extensions.set(id, p.subarray(i + 1, i + 1 + len));
        i += 1 + len;
      }
    }
    at = end;
  }
  if (at > p.length) return undefined;
  return {
    payloadType: p[1] & 0x7f,
    marker: (p[1] & 0x80) !== 0,
    sequenceNumber: (p[2] << 8) | p[3],
    timestamp: ((p[4] << 24) | (p[5] << 16) | (p[6] << 8) | p[7]) >>> 0,
    ssrc: ((p[8] << 24) | (p[9] << 16) | (p[10] << 8) | p[11]) >>> 0,
    payloadOffset: at,
    extensions,
  };
}
