/**
 * VP8 RTP packetization (RFC 7741).
 *
 * Every packet carries the payload descriptor with a 15-bit PictureID, as
 * libwebrtc writes it (`rtp_format_vp8.cc`):
 *
 * ```
 *       0 1 2 3 4 5 6 7
 *      +-+-+-+-+-+-+-+-+
 *      |X|R|N|S|R| PID | (REQUIRED)  X=1, S=1 on a frame's first packet, PID=0
 *      +-+-+-+-+-+-+-+-+
 *   X: |I|L|T|K| RSV   |             I=1: PictureID present
 *      +-+-+-+-+-+-+-+-+
 *   I: |M| PictureID   |             M=1: 15-bit PictureID
 *      +-+-+-+-+-+-+-+-+
 *      |   PictureID   |
 *      +-+-+-+-+-+-+-+-+
 * ```
 *
 * A frame is split into packets of about equal size (libwebrtc's
 * `SplitAboutEqually`) rather than MTU-filled ones followed by a runt; the
 * marker bit is set on the last packet of the frame (§4.1), and all packets
 * of a frame share its 90 kHz timestamp.
 *
 * @module
 */

import { type ExtensionElement, writeRtpHeaderWith } from "./packet.ts";

const NO_EXTENSIONS: readonly ExtensionElement[] = [];

/** Payload descriptor bytes written before each chunk. */
export const VP8_DESCRIPTOR_BYTES = 4;

/** Options for {@linkcode Vp8Packetizer}. */
export interface Vp8PacketizerOptions {
  /** Video SSRC. */
  ssrc: number;
  /** Payload type; default 100, Telegram's VP8. */
  payloadType?: number;
  /**
   * Largest RTP packet before SRTP; default 1200 − 16 so that the SRTP
   * datagram (tag up to 16 bytes) stays within a 1200-byte MTU.
   */
  maxPacketBytes?: number;
  /** First sequence number; default random. */
  initialSequence?: number;
  /** First PictureID; default random (15 bits). */
  initialPictureId?: number;
}

/** Splits `total` bytes into `n` parts whose sizes differ by at most one. */
export function splitAboutEqually(
  total: number,
  maxPart: number,
): { count: number; base: number; extra: number } {
  const count = Math.max(1, Math.ceil(total / maxPart));
  return { count, base: Math.floor(total / count), extra: total % count };
}

/** Packetizes VP8 frames into caller-provided buffers. */
export class Vp8Packetizer {
  /** The SSRC. */
  readonly ssrc: number;
  readonly #pt: number;
  readonly #maxPacket: number;
  #seq: number;
  #pictureId: number;

  /** @param options See {@linkcode Vp8PacketizerOptions}. */
  constructor(options: Vp8PacketizerOptions) {
    this.ssrc = options.ssrc >>> 0;
    this.#pt = options.payloadType ?? 100;
    this.#maxPacket = options.maxPacketBytes ?? 1200 - 16;
    const random = crypto.getRandomValues(new Uint16Array(2));
    this.#seq = (options.initialSequence ?? random[0]) & 0xffff;
    this.#pictureId = (options.initialPictureId ?? random[1]) & 0x7fff;
  }

  /** The sequence number the next packet will get. */
  get nextSequence(): number {
    return this.#seq;
  }

  /** The PictureID the next frame will get. */
  get nextPictureId(): number {
    return this.#pictureId;
  }

  /**
   * How many packets `frameLength` bytes need with `extensionBytes` of
   * header extensions per packet (see {@linkcode extensionBlockBytes}).
   */
  packetCount(frameLength: number, extensionBytes = 0): number {
    return splitAboutEqually(frameLength, this.#maxChunk(extensionBytes)).count;
  }

  #maxChunk(extensionBytes: number): number {
    const room = this.#maxPacket - 12 - extensionBytes - VP8_DESCRIPTOR_BYTES;
    if (room < 1) {
      throw new RangeError(
        "Cannot packetize VP8: no room for payload within the MTU",
      );
    }
    return room;
  }

  /**
   * Writes the packets of one frame: packet `i` goes to `out[i]` (each at
   * least `maxPacketBytes` + SRTP overhead long) and its length to
   * `lengths[i]`. Returns the packet count. Sequence numbers and the
   * PictureID advance.
   */
  packetize(
    frame: Uint8Array,
    timestamp: number,
    out: readonly Uint8Array[],
    lengths: Int32Array | number[],
    extensions: readonly ExtensionElement[] = NO_EXTENSIONS,
    extensionCount = extensions.length,
  ): number {
    const extBytes = extensionBlockBytes(extensions, extensionCount);
    const { count, base, extra } = splitAboutEqually(
      frame.length,
      this.#maxChunk(extBytes),
    );
    if (out.length < count) {
      throw new RangeError(
        `Cannot packetize VP8: frame needs ${count} buffers, got ${out.length}`,
      );
    }
    const pid = this.#pictureId;
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const size = base + (i < extra ? 1 : 0);
      const buf = out[i];
      let at = writeRtpHeaderWith(
        buf,
        this.#pt,
        i === count - 1,
        this.#seq,
        timestamp,
        this.ssrc,
        extensions,
        extensionCount,
      );
      this.#seq = (this.#seq + 1) & 0xffff;
      buf[at++] = i === 0 ? 0x90 : 0x80; // X, and S on the first packet
      buf[at++] = 0x80; // I
      buf[at++] = 0x80 | (pid >> 8);
      buf[at++] = pid & 0xff;
      buf.set(frame.subarray(offset, offset + size), at);
      offset += size;
      lengths[i] = at + size;
    }
    this.#pictureId = (pid + 1) & 0x7fff;
    return count;
  }
}

/** Bytes a one-byte extension block with these elements takes (0 when none). */
export function extensionBlockBytes(
  extensions: readonly ExtensionElement[],
  count = extensions.length,
): number {
  if (count === 0) return 0;
  let n = 0;
  for (let i = 0; i < count; i++) n += 1 + extensions[i].length;
  return 4 + ((n + 3) & ~3);
}

/** Keyframe flag of a VP8 frame (RFC 6386 §9.1: P bit 0 in the frame tag). */
export function isVp8Keyframe(frame: Uint8Array): boolean {
  return frame.length > 0 && (frame[0] & 0x01) === 0;
}
