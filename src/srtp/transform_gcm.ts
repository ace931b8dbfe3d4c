/**
 * AEAD_AES_128_GCM for SRTP and SRTCP (RFC 7714).
 *
 * RTP  (§8.1):  IV = k_s XOR (0x0000 ‖ SSRC ‖ ROC ‖ SEQ); AAD = the RTP
 *               header; output header ‖ ciphertext ‖ 16-byte tag.
 * RTCP (§9.1):  IV = k_s XOR (0x0000 ‖ SSRC ‖ 0x0000 ‖ 0 ‖ index);
 *               AAD = first 8 header bytes ‖ E‖index; output
 *               header ‖ ciphertext ‖ tag ‖ E‖index.
 *
 * @module
 */

import {
  type AesKey,
  ctrXorInPlace,
  encryptBlockWords,
  expandAesKey,
} from "./aes.ts";
import { Ghash } from "./ghash.ts";
import {
  NATIVE_GCM_MIN_BYTES,
  type NativeGcm,
  nativeGcm,
} from "../runtime/native_crypto.ts";
import { deriveSessionKey, SrtpLabel } from "./kdf.ts";
import { equalAt } from "./transform_cm.ts";
import type { SrtpTransform } from "./transform.ts";

const TAG = 16;

interface Session {
  key: AesKey;
  native: NativeGcm | undefined;
  /** The hash key H, until {@linkcode Session.ghash} is made from it. */
  h: Uint32Array;
  /**
   * Made on the session's first packet: its tables are 8 KiB, and a
   * call's receiving context never protects or checks SRTP at all.
   */
  ghash: Ghash | undefined;
  s0: number;
  s1: number;
  s2: number;
}

function makeSession(key: Uint8Array, salt: Uint8Array): Session {
  const aes = expandAesKey(key, true);
  const h = new Uint32Array(4);
  encryptBlockWords(aes, 0, 0, 0, 0, h);
  const v = new DataView(salt.buffer, salt.byteOffset, 12);
  return {
    key: aes,
    native: nativeGcm(key),
    h,
    ghash: undefined,
    // Salt words as signed 32-bit numbers (the same bits): V8 would box a
    // number above 2^31 read from a field and passed to a call.
    s0: v.getInt32(0),
    s1: v.getInt32(4),
    s2: v.getInt32(8),
  };
}

/** @internal */
export class AesGcmTransform implements SrtpTransform {
  readonly rtpOverhead = TAG;
  readonly rtcpOverhead = TAG + 4;
  /** E‖index follows the tag (RFC 7714 §9.1). */
  readonly rtcpIndexFromEnd = 4;
  readonly #rtp: Session;
  readonly #rtcp: Session;
  readonly #out = new Uint32Array(4);
  readonly #tag = new Uint8Array(TAG);

  /** From master key and salt (DTLS-SRTP). */
  static fromMaster(
    masterKey: Uint8Array,
    masterSalt: Uint8Array,
  ): AesGcmTransform {
    const k = (label: number, n: number) =>
      deriveSessionKey(masterKey, masterSalt, label, n);
    return new AesGcmTransform(
      k(SrtpLabel.RtpEncryption, masterKey.length),
      k(SrtpLabel.RtpSalt, 12),
      k(SrtpLabel.RtcpEncryption, masterKey.length),
      k(SrtpLabel.RtcpSalt, 12),
    );
  }

  constructor(
    rtpKey: Uint8Array,
    rtpSalt: Uint8Array,
    rtcpKey: Uint8Array,
    rtcpSalt: Uint8Array,
  ) {
    this.#rtp = makeSession(rtpKey, rtpSalt);
    this.#rtcp = makeSession(rtcpKey, rtcpSalt);
  }

  /** Computes the tag over AAD `buf[0..aadEnd)` (+ extra AAD word) and ciphertext. */
  #tagInto(
    s: Session,
    i0: number,
    i1: number,
    i2: number,
    buf: Uint8Array,
    aadEnd: number,
    extraAad: number,
    cStart: number,
    cEnd: number,
    out: Uint8Array,
    outAt: number,
  ): void {
    const g = s.ghash ??= new Ghash(s.h);
    g.reset();
    let aadBytes = aadEnd;
    if (extraAad === -1) {
      g.update(buf, 0, aadEnd);
    } else {
      // SRTCP: the 8-byte header and E‖index form one 12-byte AAD block.
      g.block(
        (buf[0] << 24) | (buf[1] << 16) | (buf[2] << 8) | buf[3],
        (buf[4] << 24) | (buf[5] << 16) | (buf[6] << 8) | buf[7],
        extraAad,
        0,
      );
      aadBytes = 12;
    }
    g.update(buf, cStart, cEnd);
    g.block(0, aadBytes * 8, 0, (cEnd - cStart) * 8);
    const ek = this.#out;
    encryptBlockWords(s.key, i0, i1, i2, 1, ek);
    const t0 = g.y0 ^ ek[0],
      t1 = g.y1 ^ ek[1],
      t2 = g.y2 ^ ek[2],
      t3 = g.y3 ^ ek[3];
    for (let j = 0; j < 4; j++) {
      const w = j === 0 ? t0 : j === 1 ? t1 : j === 2 ? t2 : t3;
      out[outAt + 4 * j] = w >>> 24;
      out[outAt + 4 * j + 1] = w >>> 16;
      out[outAt + 4 * j + 2] = w >>> 8;
      out[outAt + 4 * j + 3] = w;
    }
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
    const i0 = s.s0 ^ (ssrc >>> 16),
      i1 = s.s1 ^ ((ssrc << 16) | (roc >>> 16)),
      i2 = s.s2 ^ ((roc << 16) | seq);
    if (s.native && length - headerLength >= NATIVE_GCM_MIN_BYTES) {
      s.native.seal(i0, i1, i2, buf, headerLength, length);
      return length + TAG;
    }
    ctrXorInPlace(s.key, i0, i1, i2, 2, buf, headerLength, length);
    this.#tagInto(
      s,
      i0,
      i1,
      i2,
      buf,
      headerLength,
      -1,
      headerLength,
      length,
      buf,
      length,
    );
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
    const i0 = s.s0 ^ (ssrc >>> 16),
      i1 = s.s1 ^ ((ssrc << 16) | (roc >>> 16)),
      i2 = s.s2 ^ ((roc << 16) | seq);
    this.#tagInto(
      s,
      i0,
      i1,
      i2,
      buf,
      headerLength,
      -1,
      headerLength,
      end,
      this.#tag,
      0,
    );
    if (!equalAt(this.#tag, buf, end, TAG)) return -1;
    ctrXorInPlace(s.key, i0, i1, i2, 2, buf, headerLength, end);
    return end;
  }

  encryptRtcp(
    buf: Uint8Array,
    length: number,
    ssrc: number,
    index: number,
  ): number {
    const s = this.#rtcp;
    const e = (index | 0x80000000) >>> 0;
    const i0 = s.s0 ^ (ssrc >>> 16),
      i1 = s.s1 ^ (ssrc << 16),
      i2 = s.s2 ^ index;
    ctrXorInPlace(s.key, i0, i1, i2, 2, buf, 8, length);
    this.#tagInto(s, i0, i1, i2, buf, 8, e, 8, length, buf, length);
    const at = length + TAG;
    buf[at] = e >>> 24;
    buf[at + 1] = e >>> 16;
    buf[at + 2] = e >>> 8;
    buf[at + 3] = e;
    return at + 4;
  }

  decryptRtcp(
    buf: Uint8Array,
    length: number,
    ssrc: number,
  ): { length: number; index: number } | undefined {
    const end = length - 4 - TAG;
    if (end < 8) return undefined;
    const ePos = length - 4;
    const e =
      ((buf[ePos] << 24) | (buf[ePos + 1] << 16) | (buf[ePos + 2] << 8) |
        buf[ePos + 3]) >>> 0;
    const index = e & 0x7fffffff;
    // Unencrypted SRTCP (E = 0) would need GMAC-only handling; WebRTC peers
    // always encrypt, so such packets are rejected.
    if (!(e & 0x80000000)) return undefined;
    const s = this.#rtcp;
    const i0 = s.s0 ^ (ssrc >>> 16),
      i1 = s.s1 ^ (ssrc << 16),
      i2 = s.s2 ^ index;
    this.#tagInto(s, i0, i1, i2, buf, 8, e, 8, end, this.#tag, 0);
    if (!equalAt(this.#tag, buf, end, TAG)) return undefined;
    ctrXorInPlace(s.key, i0, i1, i2, 2, buf, 8, end);
    return { length: end, index };
  }
}
