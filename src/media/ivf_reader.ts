/**
 * A streaming reader for VP8 in IVF, as ffmpeg writes it to a pipe.
 *
 * ```
 * file header (32 bytes): "DKIF" | version u16 | header size u16 | FourCC
 *                         | width u16 | height u16 | rate u32 | scale u32 | frames u32 | unused
 * frame header (12 bytes): size u32 | pts u64        (all little-endian)
 * ```
 *
 * Timestamps convert from the IVF timebase (scale/rate seconds per tick) to
 * RTP's 90 kHz. Memory is bounded by one frame; garbage is an
 * {@linkcode IvfParseError}.
 *
 * @module
 */

import { IvfParseError } from "../errors.ts";
import { isVp8Keyframe } from "../rtp/vp8_packetizer.ts";
import { joinChunks } from "./chunks.ts";

/** The IVF file header. */
export interface IvfHeader {
  /** FourCC, e.g. "VP80". */
  fourcc: string;
  /** Frame width. */
  width: number;
  /** Frame height. */
  height: number;
  /** Timebase denominator. */
  rate: number;
  /** Timebase numerator. */
  scale: number;
}

/** One VP8 frame. */
export interface Vp8Frame {
  /** The frame. */
  data: Uint8Array;
  /** Presentation time in 90 kHz units. */
  timestamp: number;
  /** Whether it is a keyframe. */
  keyframe: boolean;
}

/** Largest frame accepted: 4 MiB is far beyond any 1080p VP8 keyframe. */
const MAX_FRAME = 4 * 1024 * 1024;

/** Incremental IVF parser. */
export class IvfReader {
  #buffer: Uint8Array = new Uint8Array(0);
  #header: IvfHeader | undefined;

  /** The file header, once read. */
  get header(): IvfHeader | undefined {
    return this.#header;
  }

  /**
   * Consumes a chunk and returns the frames it completed.
   * The chunk must not be modified afterwards (the reader may keep it).
   *
   * @throws {IvfParseError} on malformed input.
   */
  push(chunk: Uint8Array): Vp8Frame[] {
    const buf = joinChunks(this.#buffer, chunk);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const frames: Vp8Frame[] = [];
    let at = 0;
    if (!this.#header) {
      if (buf.length < 32) {
        this.#buffer = buf;
        return frames;
      }
      if (
        buf[0] !== 0x44 || buf[1] !== 0x4b || buf[2] !== 0x49 || buf[3] !== 0x46
      ) {
        throw new IvfParseError('Cannot read IVF: missing "DKIF" signature');
      }
      const headerSize = view.getUint16(6, true);
      const rate = view.getUint32(16, true), scale = view.getUint32(20, true);
      if (headerSize < 32 || rate === 0 || scale === 0) {
        throw new IvfParseError("Cannot read IVF: bad header");
      }
      this.#header = {
        fourcc: String.fromCharCode(buf[8], buf[9], buf[10], buf[11]),
        width: view.getUint16(12, true),
        height: view.getUint16(14, true),
        rate,
        scale,
      };
      if (this.#header.fourcc !== "VP80") {
        throw new IvfParseError(
          `Cannot read IVF: codec ${this.#header.fourcc} is not VP8`,
        );
      }
      if (buf.length < headerSize) {
        this.#buffer = buf;
        this.#header = undefined;
        return frames;
      }
      at = headerSize;
    }
    const { rate, scale } = this.#header;
    while (buf.length - at >= 12) {
      const size = view.getUint32(at, true);
      if (size > MAX_FRAME) {
        throw new IvfParseError(`Cannot read IVF: frame of ${size} bytes`);
      }
      if (buf.length - at < 12 + size) break;
      const pts = view.getUint32(at + 4, true) +
        view.getUint32(at + 8, true) * 2 ** 32;
      const data = buf.slice(at + 12, at + 12 + size);
      frames.push({
        data,
        timestamp: Math.round((pts * 90000 * scale) / rate),
        keyframe: isVp8Keyframe(data),
      });
      at += 12 + size;
    }
    this.#buffer = buf.slice(at);
    return frames;
  }
}
