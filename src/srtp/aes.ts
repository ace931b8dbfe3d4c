/**
 * AES block encryption (FIPS 197), encrypt direction only: SRTP's AES-CM and
 * AES-GCM both run AES as a keystream generator and never decrypt a block.
 *
 * Table-driven ("T-tables"): each round is 16 table lookups and XORs on
 * 32-bit words, with the key expanded once per context. Pure TypeScript, so
 * small packets (Opus) never pay a native call. Counter mode over large
 * payloads (video) switches to one native AES-ECB call per packet where
 * that measured faster (`src/runtime/native_crypto.ts`).
 *
 * @module
 */

import {
  NATIVE_CTR_MIN_BYTES,
  type NativeCtr,
  nativeCtr,
} from "../runtime/native_crypto.ts";

const SBOX = new Uint8Array(256);
const TE0 = new Uint32Array(256);
const TE1 = new Uint32Array(256);
const TE2 = new Uint32Array(256);
const TE3 = new Uint32Array(256);

// Build the S-box from GF(2^8) inverses and the affine map, then the round
// tables that fold SubBytes, ShiftRows and MixColumns into lookups.
(() => {
  const exp = new Uint8Array(256);
  const log = new Uint8Array(256);
  for (let i = 0, x = 1; i < 255; i++) {
    exp[i] = x;
    log[x] = i;
    x ^= (x << 1) ^ (x & 0x80 ? 0x11b : 0); // multiply by 3
    x &= 0xff;
  }
  for (let i = 0; i < 256; i++) {
    const inv = i === 0 ? 0 : exp[(255 - log[i]) % 255];
    let s = inv;
    for (let r = 1; r < 5; r++) s ^= ((inv << r) | (inv >> (8 - r))) & 0xff;
    SBOX[i] = s ^ 0x63;
  }
  for (let i = 0; i < 256; i++) {
    const s = SBOX[i];
    const s2 = ((s << 1) ^ (s & 0x80 ? 0x11b : 0)) & 0xff;
    const s3 = s2 ^ s;
    const t = ((s2 << 24) | (s << 16) | (s << 8) | s3) >>> 0;
    TE0[i] = t;
    TE1[i] = ((t >>> 8) | (t << 24)) >>> 0;
    TE2[i] = ((t >>> 16) | (t << 16)) >>> 0;
    TE3[i] = ((t >>> 24) | (t << 8)) >>> 0;
  }
})();

/** An expanded AES key: round keys as big-endian words, and the round count. */
export interface AesKey {
  /** 4 × (rounds + 1) round-key words. */
  readonly roundKeys: Uint32Array;
  /** 10 for AES-128, 14 for AES-256. */
  readonly rounds: number;
  /** A native counter-mode keystream for large payloads (AES-128 only). */
  readonly native?: NativeCtr;
}

/**
 * Expands a 16- or 32-byte key (FIPS 197 §5.2). With `withNative`, a
 * 16-byte key also gets a native keystream that {@linkcode ctrXorInPlace}
 * uses for payloads of at least `NATIVE_CTR_MIN_BYTES`.
 */
export function expandAesKey(key: Uint8Array, withNative = false): AesKey {
  const nk = key.length / 4;
  if (key.length !== 16 && key.length !== 32) {
    throw new RangeError(
      `Cannot expand AES key: need 16 or 32 bytes, got ${key.length}`,
    );
  }
  const rounds = nk + 6;
  const w = new Uint32Array(4 * (rounds + 1));
  for (let i = 0; i < nk; i++) {
    w[i] =
      ((key[4 * i] << 24) | (key[4 * i + 1] << 16) | (key[4 * i + 2] << 8) |
        key[4 * i + 3]) >>> 0;
  }
  let rcon = 1;
  for (let i = nk; i < w.length; i++) {
    let t = w[i - 1];
    if (i % nk === 0) {
      t = ((SBOX[(t >>> 16) & 0xff] << 24) | (SBOX[(t >>> 8) & 0xff] << 16) |
        (SBOX[t & 0xff] << 8) | SBOX[t >>> 24]) ^ (rcon << 24);
      rcon = (rcon << 1) ^ (rcon & 0x80 ? 0x11b : 0);
    } else if (nk > 6 && i % nk === 4) {
      t = (SBOX[t >>> 24] << 24) | (SBOX[(t >>> 16) & 0xff] << 16) |
        (SBOX[(t >>> 8) & 0xff] << 8) | SBOX[t & 0xff];
    }
    w[i] = (w[i - nk] ^ t) >>> 0;
  }
  const native = withNative && key.length === 16 ? nativeCtr(key) : undefined;
  return native ? { roundKeys: w, rounds, native } : { roundKeys: w, rounds };
}

/**
 * Encrypts the block (s0, s1, s2, s3) — big-endian words — into `out[0..4)`.
 * Taking words avoids packing bytes for counter-mode callers.
 */
export function encryptBlockWords(
  key: AesKey,
  s0: number,
  s1: number,
  s2: number,
  s3: number,
  out: Uint32Array,
): void {
  const rk = key.roundKeys;
  s0 ^= rk[0];
  s1 ^= rk[1];
  s2 ^= rk[2];
  s3 ^= rk[3];
  let k = 4;
  for (let r = 1; r < key.rounds; r++) {
    const t0 = TE0[s0 >>> 24] ^ TE1[(s1 >>> 16) & 0xff] ^
      TE2[(s2 >>> 8) & 0xff] ^ TE3[s3 & 0xff] ^ rk[k];
    const t1 = TE0[s1 >>> 24] ^ TE1[(s2 >>> 16) & 0xff] ^
      TE2[(s3 >>> 8) & 0xff] ^ TE3[s0 & 0xff] ^ rk[k + 1];
    const t2 = TE0[s2 >>> 24] ^ TE1[(s3 >>> 16) & 0xff] ^
      TE2[(s0 >>> 8) & 0xff] ^ TE3[s1 & 0xff] ^ rk[k + 2];
    const t3 = TE0[s3 >>> 24] ^ TE1[(s0 >>> 16) & 0xff] ^
      TE2[(s1 >>> 8) & 0xff] ^ TE3[s2 & 0xff] ^ rk[k + 3];
    s0 = t0;
    s1 = t1;
    s2 = t2;
    s3 = t3;
    k += 4;
  }
  out[0] = ((SBOX[s0 >>> 24] << 24) | (SBOX[(s1 >>> 16) & 0xff] << 16) |
    (SBOX[(s2 >>> 8) & 0xff] << 8) | SBOX[s3 & 0xff]) ^ rk[k];
  out[1] = ((SBOX[s1 >>> 24] << 24) | (SBOX[(s2 >>> 16) & 0xff] << 16) |
    (SBOX[(s3 >>> 8) & 0xff] << 8) | SBOX[s0 & 0xff]) ^ rk[k + 1];
  out[2] = ((SBOX[s2 >>> 24] << 24) | (SBOX[(s3 >>> 16) & 0xff] << 16) |
    (SBOX[(s0 >>> 8) & 0xff] << 8) | SBOX[s1 & 0xff]) ^ rk[k + 2];
  out[3] = ((SBOX[s3 >>> 24] << 24) | (SBOX[(s0 >>> 16) & 0xff] << 16) |
    (SBOX[(s1 >>> 8) & 0xff] << 8) | SBOX[s2 & 0xff]) ^ rk[k + 3];
}

/** Encrypts one 16-byte block (convenience for key derivation and tests). */
export function encryptBlock(key: AesKey, block: Uint8Array): Uint8Array {
  const out = new Uint32Array(4);
  const w = (i: number) =>
    ((block[i] << 24) | (block[i + 1] << 16) | (block[i + 2] << 8) |
      block[i + 3]) >>> 0;
  encryptBlockWords(key, w(0), w(4), w(8), w(12), out);
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    bytes[4 * i] = out[i] >>> 24;
    bytes[4 * i + 1] = out[i] >>> 16;
    bytes[4 * i + 2] = out[i] >>> 8;
    bytes[4 * i + 3] = out[i];
  }
  return bytes;
}

const scratch = new Uint32Array(4);

/**
 * Counter mode as SRTP uses it (RFC 3711 §4.1.1): XORs `data[start..end)`
 * in place with AES(iv + i), where the counter is the IV's last 32 bits
 * (SRTP's 16-bit block counter never carries further for packets under
 * 1 MiB, and GCM's inc32 is exactly this).
 */
export function ctrXorInPlace(
  key: AesKey,
  iv0: number,
  iv1: number,
  iv2: number,
  iv3: number,
  data: Uint8Array,
  start: number,
  end: number,
): void {
  if (
    key.native !== undefined && end - start >= NATIVE_CTR_MIN_BYTES &&
    key.native.xor(iv0, iv1, iv2, iv3, data, start, end)
  ) return;
  const ks = scratch;
  // The counter stays a signed 32-bit value (the same bits): a number
  // above 2^31 passed to a function V8 does not inline is boxed, which
  // would allocate once per block.
  let counter = iv3 | 0;
  let i = start;
  for (; i + 16 <= end; i += 16) {
    encryptBlockWords(key, iv0 | 0, iv1 | 0, iv2 | 0, counter, ks);
    counter = (counter + 1) | 0;
    const a = ks[0], b = ks[1], c = ks[2], d = ks[3];
    data[i] ^= a >>> 24;
    data[i + 1] ^= a >>> 16;
    data[i + 2] ^= a >>> 8;
    data[i + 3] ^= a;
    data[i + 4] ^= b >>> 24;
    data[i + 5] ^= b >>> 16;
    data[i + 6] ^= b >>> 8;
    data[i + 7] ^= b;
    data[i + 8] ^= c >>> 24;
    data[i + 9] ^= c >>> 16;
    data[i + 10] ^= c >>> 8;
    data[i + 11] ^= c;
    data[i + 12] ^= d >>> 24;
    data[i + 13] ^= d >>> 16;
    data[i + 14] ^= d >>> 8;
    data[i + 15] ^= d;
  }
  if (i < end) {
    encryptBlockWords(key, iv0 | 0, iv1 | 0, iv2 | 0, counter, ks);
    for (let j = 0; i < end; i++, j++) {
      data[i] ^= ks[j >> 2] >>> (24 - 8 * (j & 3));
    }
  }
}
