/**
 * HMAC-SHA1 (RFC 2104, FIPS 180-4) specialised for SRTP's authentication
 * tag: the key's inner and outer pad blocks are compressed once per context,
 * so a tag costs one pass over the packet plus two finishing blocks, and
 * every buffer is preallocated.
 *
 * @module
 */

import {
  NATIVE_HMAC_MIN_BYTES,
  type NativeHmacSha1,
  nativeHmacSha1,
} from "../runtime/native_crypto.ts";

const W = new Int32Array(80);

/** SHA-1 compression of the 64-byte block at `data[offset..]` into `h`. */
function compress(h: Int32Array, data: Uint8Array, offset: number): void {
  const w = W;
  for (let i = 0; i < 16; i++, offset += 4) {
    w[i] = (data[offset] << 24) | (data[offset + 1] << 16) |
      (data[offset + 2] << 8) | data[offset + 3];
  }
  compressWords(h, w);
}

function compressWords(h: Int32Array, w: Int32Array): void {
  for (let i = 16; i < 80; i++) {
    const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
    w[i] = (x << 1) | (x >>> 31);
  }
  let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (let i = 0; i < 80; i++) {
    let f: number, k: number;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6;
    }
    const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  h[0] = (h[0] + a) | 0;
  h[1] = (h[1] + b) | 0;
  h[2] = (h[2] + c) | 0;
  h[3] = (h[3] + d) | 0;
  h[4] = (h[4] + e) | 0;
}

const IV = Int32Array.from([
  0x67452301,
  0xefcdab89,
  0x98badcfe,
  0x10325476,
  0xc3d2e1f0,
]);

/** A keyed HMAC-SHA1 with precomputed pad states. */
export class HmacSha1 {
  readonly #inner = new Int32Array(5);
  readonly #outer = new Int32Array(5);
  readonly #h = new Int32Array(5);
  // 128 bytes: a 63-byte tail plus the 4-byte suffix can spill past 64.
  readonly #block = new Uint8Array(128);
  readonly #native: NativeHmacSha1 | undefined;

  /**
   * @param key The authentication key (SRTP uses 20 bytes).
   * @param withNative Use the runtime's native HMAC for messages of at
   *   least `NATIVE_HMAC_MIN_BYTES` where that measured faster.
   */
  constructor(key: Uint8Array, withNative = false) {
    this.#native = withNative ? nativeHmacSha1(key) : undefined;
    if (key.length > 64) {
      throw new RangeError("Cannot key HMAC-SHA1 with more than 64 bytes");
    }
    const pad = new Uint8Array(64);
    for (
      const [state, byte] of [[this.#inner, 0x36], [this.#outer, 0x5c]] as const
    ) {
      pad.fill(byte);
      for (let i = 0; i < key.length; i++) pad[i] ^= key[i];
      state.set(IV);
      compress(state, pad, 0);
    }
  }

  /**
   * Writes the first `tagLength` bytes of HMAC(data[start..end) ‖ suffix)
   * to `out[outOffset..]`. `suffix` is an optional 32-bit big-endian word
   * appended to the message — SRTP's ROC (RFC 3711 §4.2) — or `-1` for none.
   */
  tag(
    data: Uint8Array,
    start: number,
    end: number,
    suffix: number,
    out: Uint8Array,
    outOffset: number,
    tagLength: number,
  ): void {
    if (this.#native && end - start >= NATIVE_HMAC_MIN_BYTES) {
      this.#native.tag(data, start, end, suffix, out, outOffset, tagLength);
      return;
    }
    const h = this.#h;
    const block = this.#block;
    h.set(this.#inner);
    let i = start;
    for (; i + 64 <= end; i += 64) compress(h, data, i);
    // Tail: remaining bytes, optional suffix, 0x80, zeros, bit length.
    let n = end - i;
    for (let j = 0; j < n; j++) block[j] = data[i + j];
    if (suffix !== -1) {
      block[n] = suffix >>> 24;
      block[n + 1] = suffix >>> 16;
      block[n + 2] = suffix >>> 8;
      block[n + 3] = suffix;
      n += 4;
    }
    const messageBits = (64 + end - start + (suffix !== -1 ? 4 : 0)) * 8;
    this.#finish(h, block, n, messageBits);
    // Outer hash over the 20-byte inner digest.
    for (let j = 0; j < 5; j++) {
      const v = h[j];
      block[4 * j] = v >>> 24;
      block[4 * j + 1] = v >>> 16;
      block[4 * j + 2] = v >>> 8;
      block[4 * j + 3] = v;
    }
    h.set(this.#outer);
    this.#finish(h, block, 20, (64 + 20) * 8);
    for (let j = 0; j < tagLength; j++) {
      out[outOffset + j] = h[j >> 2] >>> (24 - 8 * (j & 3));
    }
  }

  /** Pads `block[0..n)` (n < 64 + 4) and compresses the final block(s). */
  #finish(h: Int32Array, block: Uint8Array, n: number, bits: number): void {
    if (n >= 64) {
      // The suffix spilled over a full block.
      compress(h, block, 0);
      block.copyWithin(0, 64, n);
      n -= 64;
    }
    block[n++] = 0x80;
    if (n > 56) {
      block.fill(0, n, 64);
      compress(h, block, 0);
      n = 0;
    }
    block.fill(0, n, 56);
    // Message lengths here are far below 2^32 bits.
    block[56] =
      block[57] =
      block[58] =
      block[59] =
        0;
    block[60] = bits >>> 24;
    block[61] = bits >>> 16;
    block[62] = bits >>> 8;
    block[63] = bits;
    compress(h, block, 0);
  }
}
