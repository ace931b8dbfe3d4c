/**
 * AES_CM_128_HMAC_SHA1_80 (RFC 3711 §4.1.1, §4.2; RFC 4568 naming).
 *
 * RTP:  IV = (k_s · 2^16) XOR (SSRC · 2^64) XOR (index · 2^16),
 *       index = ROC · 2^16 + SEQ; the tag is HMAC-SHA1(k_a, packet ‖ ROC)
 *       truncated to 80 bits.
 * RTCP: same IV with the 31-bit SRTCP index; E‖index follows the payload
 *       and is covered by the tag (RFC 3711 §3.4).
 *
 * @module
 */

import { type AesKey, ctrXorInPlace, expandAesKey } from "./aes.ts";
import { deriveSessionKey, SrtpLabel } from "./kdf.ts";
import { HmacSha1 } from "./sha1.ts";
import type { SrtpTransform } from "./transform.ts";

const TAG = 10;

interface Session {
  key: AesKey;
  s0: number;
  s1: number;
  s2: number;
  s3: number;
  auth: HmacSha1;
}

function session(
  masterKey: Uint8Array,
  masterSalt: Uint8Array,
  rtcp: boolean,
): Session {
  const base = rtcp ? 3 : 0;
  const salt = new Uint8Array(16);
  salt.set(
    deriveSessionKey(masterKey, masterSalt, base + SrtpLabel.RtpSalt, 14),
  );
  const v = new DataView(salt.buffer);
  return {
    key: expandAesKey(
      deriveSessionKey(
        masterKey,
        masterSalt,
        base + SrtpLabel.RtpEncryption,
        16,
      ),
      true,
    ),
    // Salt words as signed 32-bit numbers (the same bits): V8 would box a
    // number above 2^31 read from a field and passed to a call.
    s0: v.getInt32(0),
    s1: v.getInt32(4),
    s2: v.getInt32(8),
    s3: v.getInt32(12),
    auth: new HmacSha1(
      deriveSessionKey(
        masterKey,
        masterSalt,
        base + SrtpLabel.RtpAuthentication,
        20,
      ),
      true,
    ),
  };
}

/**
 * RTP keystream: IV = k_s·2^16 ⊕ SSRC·2^64 ⊕ index·2^16, where index·2^16
 * puts ROC in IV bytes 8..11 and SEQ in 12..13. Counter mode encrypts and
 * decrypts alike.
 */
function xorRtp(
  s: Session,
  buf: Uint8Array,
  start: number,
  end: number,
  ssrc: number,
  roc: number,
  seq: number,
): void {
  ctrXorInPlace(
    s.key,
    s.s0,
    s.s1 ^ ssrc,
    s.s2 ^ roc,
    s.s3 ^ (seq << 16),
    buf,
    start,
    end,
  );
}

/** RTCP keystream: the same IV with the 31-bit SRTCP index (bytes 10..13). */
function xorRtcp(
  s: Session,
  buf: Uint8Array,
  end: number,
  ssrc: number,
  index: number,
): void {
  ctrXorInPlace(
    s.key,
    s.s0,
    s.s1 ^ ssrc,
    s.s2 ^ (index >>> 16),
    s.s3 ^ (index << 16),
    buf,
    8,
    end,
  );
}

/** @internal */
export class AesCmHmacSha1Transform implements SrtpTransform {
  readonly rtpOverhead = TAG;
  readonly rtcpOverhead = TAG + 4;
  /** E‖index precedes the tag (RFC 3711 §3.4). */
  readonly rtcpIndexFromEnd = TAG + 4;
  readonly #rtp: Session;
  readonly #rtcp: Session;
  readonly #tag = new Uint8Array(TAG);

  constructor(masterKey: Uint8Array, masterSalt: Uint8Array) {
    this.#rtp = session(masterKey, masterSalt, false);
    this.#rtcp = session(masterKey, masterSalt, true);
  }

  encryptRtp(
    buf: Uint8Array,
    headerLength: number,
    length: number,
    ssrc: number,
    roc: number,
    seq: number,
  ): number {
    const s = this.#rtp;
    xorRtp(s, buf, headerLength, length, ssrc, roc, seq);
    s.auth.tag(buf, 0, length, roc, buf, length, TAG);
    return length + TAG;
  }

  decryptRtp(
    buf: Uint8Array,
    headerLength: number,
    length: number,
    ssrc: number,
    roc: number,
    seq: number,
  ): number {
    const end = length - TAG;
    if (end < headerLength) return -1;
    const s = this.#rtp;
    s.auth.tag(buf, 0, end, roc, this.#tag, 0, TAG);
    if (!equalAt(this.#tag, buf, end, TAG)) return -1;
    xorRtp(s, buf, headerLength, end, ssrc, roc, seq);
    return end;
  }

  encryptRtcp(
    buf: Uint8Array,
    length: number,
    ssrc: number,
    index: number,
  ): number {
    const s = this.#rtcp;
    xorRtcp(s, buf, length, ssrc, index);
    const e = (index | 0x80000000) >>> 0;
    buf[length] = e >>> 24;
    buf[length + 1] = e >>> 16;
    buf[length + 2] = e >>> 8;
    buf[length + 3] = e;
    s.auth.tag(buf, 0, length + 4, -1, buf, length + 4, TAG);
    return length + 4 + TAG;
  }

  decryptRtcp(
    buf: Uint8Array,
    length: number,
    ssrc: number,
  ): { length: number; index: number } | undefined {
    const end = length - TAG - 4;
    if (end < 8) return undefined;
    const s = this.#rtcp;
    s.auth.tag(buf, 0, length - TAG, -1, this.#tag, 0, TAG);
    if (!equalAt(this.#tag, buf, length - TAG, TAG)) return undefined;
    const e = ((buf[end] << 24) | (buf[end + 1] << 16) | (buf[end + 2] << 8) |
      buf[end + 3]) >>> 0;
    const index = e & 0x7fffffff;
    if (e & 0x80000000) {
      xorRtcp(s, buf, end, ssrc, index);
    }
    return { length: end, index };
  }
}

/** Constant-time comparison of `expected` with `buf[at .. at+n)`. */
export function equalAt(
  expected: Uint8Array,
  buf: Uint8Array,
  at: number,
  n: number,
): boolean {
  let diff = 0;
  for (let i = 0; i < n; i++) diff |= expected[i] ^ buf[at + i];
  return diff === 0;
}
