/**
 * GHASH, the authenticator of AES-GCM (NIST SP 800-38D §6.4).
 *
 * Multiplication by the hash key H uses one 16-entry table per nibble
 * position (32 tables, 8 KiB per key): X·H is the XOR of 32 lookups, with
 * no shifts or reductions per block. That keeps pure-TypeScript GCM within
 * a few microseconds per media packet while staying small enough to hold
 * one per SRTP context for thousands of calls.
 *
 * Elements are four big-endian 32-bit words in GCM's bit order: the most
 * significant bit of byte 0 is the coefficient of x^0.
 *
 * @module
 */

/** A GHASH instance keyed with H; accumulates into its own state. */
export class Ghash {
  /** tables[(pos * 16 + nibble) * 4 + word] */
  readonly #tables = new Uint32Array(32 * 16 * 4);
  /** Running state Y. */
  y0 = 0;
  /** Running state Y. */
  y1 = 0;
  /** Running state Y. */
  y2 = 0;
  /** Running state Y. */
  y3 = 0;

  /** @param h The hash key H = AES_K(0^128) as four words. */
  constructor(h: Uint32Array) {
    // P_k = H · x^k, k = 0..127: multiplying by x shifts right one bit and
    // reduces with R = 0xE1 || 0^120 when a bit falls off the end.
    const p = new Uint32Array(128 * 4);
    let a = h[0], b = h[1], c = h[2], d = h[3];
    for (let k = 0; k < 128; k++) {
      p[4 * k] = a;
      p[4 * k + 1] = b;
      p[4 * k + 2] = c;
      p[4 * k + 3] = d;
      const carry = d & 1;
      d = ((d >>> 1) | (c << 31)) >>> 0;
      c = ((c >>> 1) | (b << 31)) >>> 0;
      b = ((b >>> 1) | (a << 31)) >>> 0;
      a = (a >>> 1) ^ (carry ? 0xe1000000 : 0);
      a >>>= 0;
    }
    const t = this.#tables;
    for (let pos = 0; pos < 32; pos++) {
      for (let n = 0; n < 16; n++) {
        let w0 = 0, w1 = 0, w2 = 0, w3 = 0;
        for (let j = 0; j < 4; j++) {
          // The nibble's high bit is bit 4·pos of the element.
          if (n & (8 >> j)) {
            const k = 4 * (4 * pos + j);
            w0 ^= p[k];
            w1 ^= p[k + 1];
            w2 ^= p[k + 2];
            w3 ^= p[k + 3];
          }
        }
        const at = (pos * 16 + n) * 4;
        t[at] = w0;
        t[at + 1] = w1;
        t[at + 2] = w2;
        t[at + 3] = w3;
      }
    }
  }

  /** Resets Y to zero. */
  reset(): void {
    this.y0 =
      this.y1 =
      this.y2 =
      this.y3 =
        0;
  }

  /**
   * Y = (Y ⊕ X) · H for the block X = (x0, x1, x2, x3).
   *
   * Written out, one line per nibble position p (table p at word 64·p,
   * the nibble's 16-byte entry at 4·nibble): the loop it replaces spent as
   * much on picking the word and shift as on the lookups (per 176-byte
   * packet 1.57 → 0.92 µs on Node, 1.25 → 0.85 on Deno, 1.0 → 0.63 on Bun).
   */
  block(x0: number, x1: number, x2: number, x3: number): void {
    const t = this.#tables;
    const v0 = this.y0 ^ x0, v1 = this.y1 ^ x1;
    const v2 = this.y2 ^ x2, v3 = this.y3 ^ x3;
    let r0 = 0, r1 = 0, r2 = 0, r3 = 0, at = 0;
    at = ((v0 >>> 28) & 15) << 2;
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 64 + (((v0 >>> 24) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 128 + (((v0 >>> 20) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 192 + (((v0 >>> 16) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 256 + (((v0 >>> 12) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 320 + (((v0 >>> 8) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 384 + (((v0 >>> 4) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 448 + ((v0 & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 512 + (((v1 >>> 28) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 576 + (((v1 >>> 24) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 640 + (((v1 >>> 20) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 704 + (((v1 >>> 16) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 768 + (((v1 >>> 12) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 832 + (((v1 >>> 8) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 896 + (((v1 >>> 4) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 960 + ((v1 & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 1024 + (((v2 >>> 28) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 1088 + (((v2 >>> 24) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 1152 + (((v2 >>> 20) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 1216 + (((v2 >>> 16) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 1280 + (((v2 >>> 12) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 1344 + (((v2 >>> 8) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 1408 + (((v2 >>> 4) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 1472 + ((v2 & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 1536 + (((v3 >>> 28) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 1600 + (((v3 >>> 24) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 1664 + (((v3 >>> 20) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 1728 + (((v3 >>> 16) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 1792 + (((v3 >>> 12) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 1856 + (((v3 >>> 8) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 1920 + (((v3 >>> 4) & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    at = 1984 + ((v3 & 15) << 2);
    r0 ^= t[at], r1 ^= t[at + 1], r2 ^= t[at + 2], r3 ^= t[at + 3];
    this.y0 = r0 >>> 0;
    this.y1 = r1 >>> 0;
    this.y2 = r2 >>> 0;
    this.y3 = r3 >>> 0;
  }

  /** Absorbs `data[start..end)`, zero-padding the last partial block. */
  update(data: Uint8Array, start: number, end: number): void {
    let i = start;
    for (; i + 16 <= end; i += 16) {
      this.block(
        (data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) |
          data[i + 3],
        (data[i + 4] << 24) | (data[i + 5] << 16) | (data[i + 6] << 8) |
          data[i + 7],
        (data[i + 8] << 24) | (data[i + 9] << 16) | (data[i + 10] << 8) |
          data[i + 11],
        (data[i + 12] << 24) | (data[i + 13] << 16) | (data[i + 14] << 8) |
          data[i + 15],
      );
    }
    if (i < end) {
      let x0 = 0, x1 = 0, x2 = 0, x3 = 0;
      for (let j = 0; i < end; i++, j++) {
        const shifted = data[i] << (24 - 8 * (j & 3));
        if (j < 4) x0 |= shifted;
        else if (j < 8) x1 |= shifted;
        else if (j < 12) x2 |= shifted;
        else x3 |= shifted;
      }
      this.block(x0, x1, x2, x3);
    }
  }
}
