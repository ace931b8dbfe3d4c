/**
 * Video-sized SRTP packets — where native fast paths take over on some
 * runtimes (`src/runtime/native_crypto.ts`) — protected by SrtpContext and
 * rebuilt independently with node:crypto's AES-CTR + HMAC-SHA1 (RFC 3711)
 * and AES-GCM (RFC 7714). Sizes straddle every native threshold.
 */
import assert from "node:assert/strict";
import { createCipheriv, createHmac, randomBytes } from "node:crypto";
import { SrtpContext } from "../../src/srtp/context.ts";
import { deriveSessionKey, SrtpLabel } from "../../src/srtp/kdf.ts";
import { SRTP_PROFILES } from "../../src/srtp/profile.ts";
import { test } from "../_support/harness.ts";
import { toHex } from "../_support/hex.ts";

const SIZES = [1, 100, 191, 192, 383, 384, 511, 512, 900, 1188];

function rtp(seq: number, ssrc: number, payload: Uint8Array): Uint8Array {
  const buf = new Uint8Array(12 + payload.length + 16);
  buf[0] = 0x80;
  buf[1] = 100;
  new DataView(buf.buffer).setUint16(2, seq);
  new DataView(buf.buffer).setUint32(4, 0x01020304);
  new DataView(buf.buffer).setUint32(8, ssrc);
  buf.set(payload, 12);
  return buf;
}

test("srtp: AES_CM_128_HMAC_SHA1_80 at video sizes equals AES-CTR + HMAC-SHA1 from node:crypto", () => {
  const key = randomBytes(16), salt = randomBytes(14);
  const ctx = new SrtpContext(SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80, key, salt);
  const ke = deriveSessionKey(key, salt, SrtpLabel.RtpEncryption, 16);
  const ka = deriveSessionKey(key, salt, SrtpLabel.RtpAuthentication, 20);
  const ks = deriveSessionKey(key, salt, SrtpLabel.RtpSalt, 14);
  const ssrc = 0xcafebabe;
  let seq = 65000;
  // The context sees 65000 first, so the next packet (164) rolls ROC to 1.
  ctx.protectRtp(rtp(seq, ssrc, new Uint8Array(10)), 22);
  for (const size of SIZES) {
    seq = (seq + 700) & 0xffff; // crosses a rollover: ROC becomes 1
    const payload = randomBytes(size);
    const buf = rtp(seq, ssrc, payload);
    const n = ctx.protectRtp(buf, 12 + size);
    const roc = seq < 65000 ? 1 : 0;
    const iv = new Uint8Array(16);
    iv.set(ks, 0);
    const v = new DataView(iv.buffer);
    v.setUint32(4, v.getUint32(4) ^ ssrc);
    v.setUint32(8, v.getUint32(8) ^ roc);
    v.setUint16(12, v.getUint16(12) ^ seq);
    const ct = createCipheriv("aes-128-ctr", ke, iv).update(payload);
    const header = buf.subarray(0, 12);
    const rocBytes = new Uint8Array(4);
    new DataView(rocBytes.buffer).setUint32(0, roc);
    const tag = createHmac("sha1", ka).update(header).update(ct).update(
      rocBytes,
    ).digest().subarray(0, 10);
    assert.equal(n, 12 + size + 10);
    assert.equal(
      toHex(buf.subarray(12, 12 + size)),
      toHex(ct),
      `ciphertext, ${size} B`,
    );
    assert.equal(
      toHex(buf.subarray(12 + size, n)),
      toHex(tag),
      `tag, ${size} B`,
    );
  }
});

test("srtp: AEAD_AES_128_GCM at video sizes equals aes-128-gcm from node:crypto", () => {
  const key = randomBytes(16), salt = randomBytes(12);
  const ctx = new SrtpContext(SRTP_PROFILES.AEAD_AES_128_GCM, key, salt);
  const ke = deriveSessionKey(key, salt, SrtpLabel.RtpEncryption, 16);
  const ks = deriveSessionKey(key, salt, SrtpLabel.RtpSalt, 12);
  const ssrc = 0x11223344;
  let seq = 100;
  for (const size of SIZES) {
    seq += 1;
    const payload = randomBytes(size);
    const buf = rtp(seq, ssrc, payload);
    const n = ctx.protectRtp(buf, 12 + size);
    // RFC 7714 §8.1: IV = salt XOR (00 00 ‖ SSRC ‖ ROC ‖ SEQ).
    const iv = new Uint8Array(ks);
    const v = new DataView(iv.buffer);
    v.setUint32(2, v.getUint32(2) ^ ssrc);
    v.setUint32(6, v.getUint32(6) ^ 0);
    v.setUint16(10, v.getUint16(10) ^ seq);
    const c = createCipheriv("aes-128-gcm", ke, iv);
    c.setAAD(buf.subarray(0, 12));
    const ct = c.update(payload);
    c.final();
    assert.equal(n, 12 + size + 16);
    assert.equal(
      toHex(buf.subarray(12, 12 + size)),
      toHex(ct),
      `ciphertext, ${size} B`,
    );
    assert.equal(
      toHex(buf.subarray(12 + size, n)),
      toHex(c.getAuthTag()),
      `tag, ${size} B`,
    );
  }
});

test("srtp: video-sized packets round-trip through protect and unprotect (both profiles)", () => {
  for (
    const profile of [
      SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80,
      SRTP_PROFILES.AEAD_AES_128_GCM,
    ]
  ) {
    const key = randomBytes(16),
      salt = randomBytes(profile.name === "AEAD_AES_128_GCM" ? 12 : 14);
    const tx = new SrtpContext(profile, key, salt),
      rx = new SrtpContext(profile, key, salt);
    for (const [i, size] of SIZES.entries()) {
      const payload = randomBytes(size);
      const buf = rtp(i + 1, 7, payload);
      const n = tx.protectRtp(buf, 12 + size);
      assert.equal(
        rx.unprotectRtp(buf, n),
        12 + size,
        `${profile.name} ${size} B`,
      );
      assert.equal(toHex(buf.subarray(12, 12 + size)), toHex(payload));
    }
  }
});
