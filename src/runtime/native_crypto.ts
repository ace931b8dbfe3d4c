/**
 * Native (`node:crypto`) fast paths for SRTP, each used only where it
 * measured faster than tgcall's pure TypeScript on the running runtime.
 * Small packets (Opus) stay in TypeScript everywhere but on Bun, whose
 * BoringSSL calls are cheap.
 *
 * **Counter mode** — a native AES-ECB keystream generator per key, for
 * counter mode on large packets: the counter blocks of a whole packet go through one persistent
 * `aes-128-ecb` cipher in a single `update` call, and the XOR stays in
 * JavaScript. Measured here against tgcall's pure-TS AES (µs per payload,
 * `ctrXorInPlace`, pure / native):
 *
 * | bytes | Deno 2.9.6 | Bun 1.4.5 | Node 20 |
 * |---|---|---|---|
 * | 64   | 0.37 / 0.91 | 0.29 / 0.15 | 0.39 / 0.64 |
 * | 192  | 1.09 / 1.59 | 0.86 / 0.27 | 1.15 / 1.00 |
 * | 256  | 1.45 / 1.56 | 1.15 / 0.31 | 1.59 / 1.06 |
 * | 512  | 2.91 / 1.79 | 2.12 / 0.49 | 3.06 / 1.59 |
 * | 1200 | 6.73 / 3.72 | 4.97 / 1.07 | 7.15 / 3.70 |
 *
 * So the native path is used from {@linkcode NATIVE_CTR_MIN_BYTES} up:
 * always on Bun (BoringSSL calls are cheap), from 192 bytes on Node, from
 * 384 bytes on Deno (each `node:crypto` call there costs about a
 * microsecond). The cost is one Buffer allocated per packet by `update`.
 *
 * @module
 */

import { createCipheriv, createHmac } from "node:crypto";
import { runtimeName } from "./detect.ts";

/** Payload size from which the native keystream beats pure TypeScript here. */
export const NATIVE_CTR_MIN_BYTES: number = runtimeName === "bun"
  ? 16
  : runtimeName === "node"
  ? 192
  : 384;

/** Largest payload handled natively (bigger ones fall back to TS). */
const MAX_BLOCKS = 128;

/** XORs an AES-CTR keystream into data, one native call per packet. */
export interface NativeCtr {
  /**
   * XORs `data[start..end)` with the keystream of counter blocks
   * `iv0 ‖ iv1 ‖ iv2 ‖ (iv3 + i)` (32-bit big-endian words, the last one
   * incremented mod 2^32). Returns false when it cannot (too large).
   */
  xor(
    iv0: number,
    iv1: number,
    iv2: number,
    iv3: number,
    data: Uint8Array,
    start: number,
    end: number,
  ): boolean;
}

/** Whether `node:crypto` has AES-128-ECB here; probed once. */
let ecbAvailable: boolean | undefined;

function hasNativeEcb(): boolean {
  if (ecbAvailable === undefined) {
    try {
      createCipheriv("aes-128-ecb", new Uint8Array(16), null);
      ecbAvailable = true;
    } catch {
      ecbAvailable = false;
    }
  }
  return ecbAvailable;
}

/**
 * A native keystream for a 16-byte key, or `undefined` when the runtime
 * has no usable `node:crypto` AES-ECB. The cipher and its 2 KiB of
 * counter blocks are made on the first payload large enough to use them:
 * many keys (SRTCP, Opus-only SRTP) never see one.
 */
export function nativeCtr(key: Uint8Array): NativeCtr | undefined {
  if (key.length !== 16 || !hasNativeEcb()) return undefined;
  const k = key.slice();
  let ecb: ReturnType<typeof createCipheriv> | undefined;
  let blocks: Uint8Array | undefined;
  let view: DataView | undefined;
  return {
    xor(iv0, iv1, iv2, iv3, data, start, end) {
      const n = (end - start + 15) >> 4;
      if (n > MAX_BLOCKS) return false;
      if (!ecb || !blocks || !view) {
        ecb = createCipheriv("aes-128-ecb", k, null);
        ecb.setAutoPadding(false);
        blocks = new Uint8Array(MAX_BLOCKS * 16);
        view = new DataView(blocks.buffer);
      }
      for (let b = 0, o = 0; b < n; b++, o += 16) {
        view.setUint32(o, iv0);
        view.setUint32(o + 4, iv1);
        view.setUint32(o + 8, iv2);
        view.setUint32(o + 12, (iv3 + b) >>> 0);
      }
      const ks = ecb.update(blocks.subarray(0, n << 4));
      for (let i = start, j = 0; i < end; i++, j++) data[i] ^= ks[j];
      return true;
    },
  };
}

/**
 * **HMAC-SHA1** — `createHmac` per packet against the pure-TS HMAC with
 * precomputed pads (µs, pure / native): Bun 1.11 / 0.51 at 160 bytes and
 * 5.21 / 1.09 at 1200; Node 1.08 / 2.61 and 4.99 / 2.82; Deno 0.96 / 4.80
 * and 4.20 / 5.53. Native from this many authenticated bytes up.
 */
export const NATIVE_HMAC_MIN_BYTES: number = runtimeName === "bun"
  ? 0
  : runtimeName === "node"
  ? 512
  : Infinity;

/** HMAC-SHA1 over `data[start..end)` ‖ optional 32-bit suffix, truncated. */
export interface NativeHmacSha1 {
  /** Writes the first `tagLength` bytes of the tag to `out[outOffset..]`. */
  tag(
    data: Uint8Array,
    start: number,
    end: number,
    suffix: number,
    out: Uint8Array,
    outOffset: number,
    tagLength: number,
  ): void;
}

/** A native HMAC-SHA1 for `key`, or `undefined` when unavailable or slower. */
export function nativeHmacSha1(key: Uint8Array): NativeHmacSha1 | undefined {
  if (NATIVE_HMAC_MIN_BYTES === Infinity) return undefined;
  const k = key.slice();
  const suffixBytes = new Uint8Array(4);
  try {
    createHmac("sha1", k).update(suffixBytes).digest();
  } catch {
    return undefined;
  }
  return {
    tag(data, start, end, suffix, out, outOffset, tagLength) {
      const h = createHmac("sha1", k);
      h.update(data.subarray(start, end));
      if (suffix !== -1) {
        suffixBytes[0] = suffix >>> 24;
        suffixBytes[1] = suffix >>> 16;
        suffixBytes[2] = suffix >>> 8;
        suffixBytes[3] = suffix;
        h.update(suffixBytes);
      }
      const d = h.digest();
      for (let i = 0; i < tagLength; i++) out[outOffset + i] = d[i];
    },
  };
}

/**
 * **AES-GCM** — a new `aes-128-gcm` cipher per packet (IV, AAD, update,
 * final, tag), µs at 160 / 600 / 1200 bytes: Bun 0.86 at 1200; Node 3.54 /
 * 3.74 / 4.46 (pure TS: 2.35 at 160, 11.5 at 1200); Deno 3.98 / 6.28 /
 * 9.90 in isolation, but 19 µs inside the SRTP benchmark against 13 µs for
 * pure TS, so not on Deno. Native from this many payload bytes up.
 */
export const NATIVE_GCM_MIN_BYTES: number = runtimeName === "bun"
  ? 0
  : runtimeName === "node"
  ? 320
  : Infinity;

/** Seals RTP payloads with AES-128-GCM natively. */
export interface NativeGcm {
  /**
   * Encrypts `buf[aadEnd..end)` in place with IV `iv0 ‖ iv1 ‖ iv2` and AAD
   * `buf[0..aadEnd)`, and writes the 16-byte tag at `buf[end..]`.
   */
  seal(
    iv0: number,
    iv1: number,
    iv2: number,
    buf: Uint8Array,
    aadEnd: number,
    end: number,
  ): void;
}

/**
 * A native AES-128-GCM sealer for `key`, or `undefined` when unavailable or
 * never faster here (then a call holds no closure and key copy per key).
 */
export function nativeGcm(key: Uint8Array): NativeGcm | undefined {
  if (key.length !== 16 || NATIVE_GCM_MIN_BYTES === Infinity) return undefined;
  try {
    createCipheriv("aes-128-gcm", key, new Uint8Array(12)).final();
  } catch {
    return undefined;
  }
  const k = key.slice();
  const iv = new Uint8Array(12);
  const ivView = new DataView(iv.buffer);
  return {
    seal(iv0, iv1, iv2, buf, aadEnd, end) {
      ivView.setUint32(0, iv0);
      ivView.setUint32(4, iv1);
      ivView.setUint32(8, iv2);
      const c = createCipheriv("aes-128-gcm", k, iv);
      c.setAAD(buf.subarray(0, aadEnd));
      const ct = c.update(buf.subarray(aadEnd, end));
      c.final();
      buf.set(ct, aadEnd);
      buf.set(c.getAuthTag(), end);
    },
  };
}
