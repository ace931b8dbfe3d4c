/**
 * A streaming reader for Opus in Ogg (RFC 3533 pages, RFC 7845 mapping), as
 * ffmpeg writes it to a pipe with `-page_duration 20000 -flush_packets 1`.
 *
 * Feed it chunks as they arrive, split anywhere; it returns the Opus packets
 * completed so far with their 48 kHz timestamps. Memory is bounded (one
 * page plus one partial packet); bad capture patterns, CRCs or headers are
 * {@linkcode OggParseError}s.
 *
 * ```
 * capture "OggS" | version | type | granule (i64 LE) | serial | seq | CRC | nseg | lacing[nseg] | data
 * ```
 *
 * @module
 */

import { OggParseError } from "../errors.ts";
import { joinChunks } from "./chunks.ts";

/** The Opus identification header (RFC 7845 §5.1). */
export interface OpusHead {
  /** Channel count. */
  channels: number;
  /** Samples (48 kHz) to discard at the start. */
  preSkip: number;
  /** Original input sample rate (informational). */
  inputSampleRate: number;
}

/** One Opus packet with its timing. */
export interface OpusFrame {
  /** The Opus packet. */
  data: Uint8Array;
  /** Timestamp of its first sample at 48 kHz, in the granule domain (pre-skip included). */
  timestamp: number;
  /** Duration in 48 kHz samples, from its TOC byte. */
  duration: number;
}

const MAX_PAGE = 27 + 255 + 255 * 255;
/** Upper bound on one Opus packet (RFC 6716: 120 ms at 510 kbps is ~7.6 KB). */
const MAX_PACKET = 64 * 1024;

const CRC_TABLE = /* @__PURE__ */ (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) {
      r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    }
    t[i] = r >>> 0;
  }
  return t;
})();

function crcUpdate(
  crc: number,
  data: Uint8Array,
  start: number,
  end: number,
): number {
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ data[i]) & 0xff]) >>> 0;
  }
  return crc;
}

/** Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected, zero initial value). */
export function oggCrc(data: Uint8Array): number {
  return crcUpdate(0, data, 0, data.length);
}

/**
 * The CRC of the page `buf[start .. end)` computed with its own CRC field
 * (bytes 22–25) as zeros, as a signed 32-bit number (the same bits). One
 * loop, no calls: V8 boxes a 32-bit number above 2^30 that a call
 * returns, which would allocate per page.
 */
function pageCrc(buf: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    const byte = i - start >= 22 && i - start < 26 ? 0 : buf[i];
    crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff];
  }
  return crc | 0;
}

/** A little-endian 32-bit field as a signed number (see `pageCrc`). */
function i32le(buf: Uint8Array, at: number): number {
  return buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) |
    (buf[at + 3] << 24);
}

/** SILK frame sizes: 10/20/40/60 ms (a constant: a literal allocates per call). */
const SILK_SAMPLES = [480, 960, 1920, 2880];
/** CELT frame sizes: 2.5/5/10/20 ms. */
const CELT_SAMPLES = [120, 240, 480, 960];

/**
 * Duration in 48 kHz samples of an Opus packet, from its TOC byte and
 * frame-count code (RFC 6716 §3.1). 0 for an empty or malformed packet.
 */
export function opusPacketDuration(packet: Uint8Array): number {
  if (packet.length === 0) return 0;
  const toc = packet[0];
  const config = toc >> 3;
  let frameSamples: number;
  if (config < 12) frameSamples = SILK_SAMPLES[config & 3];
  else if (config < 16) frameSamples = (config & 1) ? 960 : 480; // Hybrid: 10/20 ms
  else frameSamples = CELT_SAMPLES[config & 3];
  const code = toc & 3;
  const frames = code === 0
    ? 1
    : code === 1 || code === 2
    ? 2
    : packet.length > 1
    ? packet[1] & 0x3f
    : 0;
  return frames * frameSamples;
}

const EMPTY = new Uint8Array(0);

/**
 * Incremental Ogg/Opus parser. A packet that sits in one lacing segment
 * (every 20 ms Opus packet under 255 bytes) is a view into the pushed
 * chunk, not a copy; only packets spanning segments or pages are joined.
 */
export class OggOpusReader {
  #buffer: Uint8Array = EMPTY;
  #partial: Uint8Array[] = [];
  #partialLength = 0;
  #packetIndex = 0;
  #next = NaN;
  #head: OpusHead | undefined;
  #serial: number | undefined;

  /** The identification header, once read. */
  get head(): OpusHead | undefined {
    return this.#head;
  }

  /**
   * Consumes a chunk and returns the audio frames it completed.
   * The chunk must not be modified afterwards (frames may be views into it).
   *
   * @throws {OggParseError} on malformed input.
   */
  push(chunk: Uint8Array): OpusFrame[] {
    const buf = joinChunks(this.#buffer, chunk);
    const frames: OpusFrame[] = [];
    let at = 0;
    for (;;) {
      if (buf.length - at < 27) break;
      if (
        buf[at] !== 0x4f || buf[at + 1] !== 0x67 || buf[at + 2] !== 0x67 ||
        buf[at + 3] !== 0x53
      ) {
        throw new OggParseError(
          'Cannot read Ogg: missing "OggS" capture pattern',
        );
      }
      if (buf[at + 4] !== 0) {
        throw new OggParseError(
          `Cannot read Ogg: unsupported version ${buf[at + 4]}`,
        );
      }
      const segments = buf[at + 26];
      if (buf.length - at < 27 + segments) break;
      let bodyLength = 0;
      for (let i = 0; i < segments; i++) bodyLength += buf[at + 27 + i];
      const pageLength = 27 + segments + bodyLength;
      if (buf.length - at < pageLength) break;
      this.#page(buf, at, pageLength, segments, frames);
      at += pageLength;
    }
    // The rest is a view too (the chunk is not modified, see above).
    this.#buffer = at === buf.length ? EMPTY : buf.subarray(at);
    if (this.#buffer.length > MAX_PAGE) {
      throw new OggParseError(
        "Cannot read Ogg: page larger than the format allows",
      );
    }
    return frames;
  }

  /** Parses the page at `buf[at .. at + length)`, appending its audio to `frames`. */
  #page(
    buf: Uint8Array,
    at: number,
    length: number,
    segments: number,
    frames: OpusFrame[],
  ): void {
    if (pageCrc(buf, at, at + length) !== i32le(buf, at + 22)) {
      throw new OggParseError("Cannot read Ogg: page CRC mismatch");
    }
    const serial = i32le(buf, at + 14);
    // ffmpeg writes one logical stream; pages of any other are skipped.
    if (this.#serial === undefined) this.#serial = serial;
    else if (serial !== this.#serial) return;
    const granuleLow = i32le(buf, at + 6), granuleHigh = i32le(buf, at + 10);
    const granule = granuleHigh === -1 && granuleLow === -1
      ? -1
      : granuleHigh * 2 ** 32 + (granuleLow >>> 0);
    // Audio packets completed on this page go straight into `frames`; their
    // timestamps are filled in below, once the page's total is known.
    const first = frames.length;
    let total = 0;
    let offset = at + 27 + segments;
    for (let i = 0; i < segments; i++) {
      const lace = buf[at + 27 + i];
      const part = buf.subarray(offset, offset + lace);
      offset += lace;
      let packet: Uint8Array;
      if (lace < 255 && this.#partialLength === 0) {
        packet = part; // the whole packet in one segment: a view
      } else {
        this.#partial.push(part);
        this.#partialLength += lace;
        if (this.#partialLength > MAX_PACKET) {
          throw new OggParseError("Cannot read Ogg: packet over 64 KiB");
        }
        if (lace === 255) continue;
        packet = new Uint8Array(this.#partialLength);
        let p = 0;
        for (const piece of this.#partial) {
          packet.set(piece, p);
          p += piece.length;
        }
        this.#partial = [];
        this.#partialLength = 0;
      }
      const index = this.#packetIndex++;
      if (index === 0) this.#readHead(packet);
      else if (index === 1) {
        if (!startsWith(packet, "OpusTags")) {
          throw new OggParseError(
            "Cannot read Ogg: second packet is not OpusTags",
          );
        }
      } else {
        const duration = opusPacketDuration(packet);
        frames.push({ data: packet, timestamp: 0, duration });
        total += duration;
      }
    }
    if (frames.length === first) return;
    // A page's granule position is the end time of its last completed
    // packet (RFC 7845 §4), so a page can be timed back from it.
    // Time the stream from its first audio page's granule, then by packet
    // durations: later granules may be end-trimmed (RFC 7845 §4.5) and
    // would pull the last packet back in time. The start may be negative
    // when the encoder primed or the stream was cut (§4).
    if (Number.isNaN(this.#next)) {
      this.#next = granule >= 0 ? granule - total : 0;
    }
    for (let i = first; i < frames.length; i++) {
      frames[i].timestamp = this.#next;
      this.#next += frames[i].duration;
    }
  }

  #readHead(packet: Uint8Array): void {
    if (!startsWith(packet, "OpusHead") || packet.length < 19) {
      throw new OggParseError(
        "Cannot read Ogg: first packet is not OpusHead (is the stream Opus?)",
      );
    }
    const view = new DataView(
      packet.buffer,
      packet.byteOffset,
      packet.byteLength,
    );
    this.#head = {
      channels: packet[9],
      preSkip: view.getUint16(10, true),
      inputSampleRate: view.getUint32(12, true),
    };
  }
}

function startsWith(packet: Uint8Array, magic: string): boolean {
  if (packet.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) {
    if (packet[i] !== magic.charCodeAt(i)) return false;
  }
  return true;
}
