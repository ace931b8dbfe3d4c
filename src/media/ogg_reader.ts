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

const ZERO_CRC_FIELD = new Uint8Array(4);

/** A page's CRC computed with its own CRC field (bytes 22–25) as zeros. */
function pageCrc(page: Uint8Array): number {
  let crc = crcUpdate(0, page, 0, 22);
  crc = crcUpdate(crc, ZERO_CRC_FIELD, 0, 4);
  return crcUpdate(crc, page, 26, page.length);
}

/**
 * Duration in 48 kHz samples of an Opus packet, from its TOC byte and
 * frame-count code (RFC 6716 §3.1). 0 for an empty or malformed packet.
 */
export function opusPacketDuration(packet: Uint8Array): number {
  if (packet.length === 0) return 0;
  const toc = packet[0];
  const config = toc >> 3;
  let frameSamples: number;
  if (config < 12) frameSamples = [480, 960, 1920, 2880][config & 3]; // SILK: 10/20/40/60 ms
  else if (config < 16) frameSamples = (config & 1) ? 960 : 480; // Hybrid: 10/20 ms
  else frameSamples = [120, 240, 480, 960][config & 3]; // CELT: 2.5/5/10/20 ms
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

/** Incremental Ogg/Opus parser. */
export class OggOpusReader {
  #buffer: Uint8Array = new Uint8Array(0);
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
      this.#page(buf.subarray(at, at + pageLength), segments, frames);
      at += pageLength;
    }
    this.#buffer = buf.slice(at);
    if (this.#buffer.length > MAX_PAGE) {
      throw new OggParseError(
        "Cannot read Ogg: page larger than the format allows",
      );
    }
    return frames;
  }

  #page(page: Uint8Array, segments: number, frames: OpusFrame[]): void {
    const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
    const storedCrc = view.getUint32(22, true);
    if (pageCrc(page) !== storedCrc) {
      throw new OggParseError("Cannot read Ogg: page CRC mismatch");
    }
    const serial = view.getUint32(14, true);
    // ffmpeg writes one logical stream; pages of any other are skipped.
    if (this.#serial === undefined) this.#serial = serial;
    else if (serial !== this.#serial) return;
    const granuleLow = view.getUint32(6, true),
      granuleHigh = view.getInt32(10, true);
    const granule = granuleHigh === -1 && granuleLow === 0xffffffff
      ? -1
      : granuleHigh * 2 ** 32 + granuleLow;
    const completed: Uint8Array[] = [];
    let offset = 27 + segments;
    for (let i = 0; i < segments; i++) {
      const lace = page[27 + i];
      this.#partial.push(page.subarray(offset, offset + lace));
      this.#partialLength += lace;
      offset += lace;
      if (this.#partialLength > MAX_PACKET) {
        throw new OggParseError("Cannot read Ogg: packet over 64 KiB");
      }
      if (lace < 255) {
        const packet = new Uint8Array(this.#partialLength);
        let p = 0;
        for (const part of this.#partial) {
          packet.set(part, p);
          p += part.length;
        }
        this.#partial = [];
        this.#partialLength = 0;
        completed.push(packet);
      }
    }
    // A page's granule position is the end time of its last completed
    // packet (RFC 7845 §4), so a page can be timed back from it.
    let total = 0;
    const audio: Uint8Array[] = [];
    for (const packet of completed) {
      const index = this.#packetIndex++;
      if (index === 0) this.#readHead(packet);
      else if (index === 1) {
        if (!startsWith(packet, "OpusTags")) {
          throw new OggParseError(
            "Cannot read Ogg: second packet is not OpusTags",
          );
        }
      } else {
        audio.push(packet);
        total += opusPacketDuration(packet);
      }
    }
    if (audio.length === 0) return;
    // Time the stream from its first audio page's granule, then by packet
    // durations: later granules may be end-trimmed (RFC 7845 §4.5) and
    // would pull the last packet back in time. The start may be negative
    // when the encoder primed or the stream was cut (§4).
    if (Number.isNaN(this.#next)) {
      this.#next = granule >= 0 ? granule - total : 0;
    }
    for (const data of audio) {
      const duration = opusPacketDuration(data);
      frames.push({ data, timestamp: this.#next, duration });
      this.#next += duration;
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
