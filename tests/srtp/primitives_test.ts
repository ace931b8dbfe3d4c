/**
 * The SRTP building blocks against published vectors (FIPS 197, RFC 3711
 * B.2/B.3) and against node:crypto as an independent implementation.
 */
import assert from "node:assert/strict";
import { createCipheriv, createHmac, randomBytes } from "node:crypto";
import {
  ctrXorInPlace,
  encryptBlock,
  encryptBlockWords,
  expandAesKey,
} from "../../src/srtp/aes.ts";
import { Ghash } from "../../src/srtp/ghash.ts";
import { deriveSessionKey, SrtpLabel } from "../../src/srtp/kdf.ts";
import { HmacSha1 } from "../../src/srtp/sha1.ts";
import { test } from "../_support/harness.ts";
import { hex, toHex } from "../_support/hex.ts";

test("aes: FIPS 197 Appendix C.1 (AES-128) and C.3 (AES-256) example vectors", () => {
  const plain = hex("00112233445566778899aabbccddeeff");
  assert.equal(
    toHex(
      encryptBlock(
        expandAesKey(hex("000102030405060708090a0b0c0d0e0f")),
        plain,
      ),
    ),
    "69c4e0d86a7b0430d8cdb78070b4c55a",
  );
  assert.equal(
    toHex(
      encryptBlock(
        expandAesKey(
          hex(
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
          ),
        ),
        plain,
      ),
    ),
    "8ea2b7ca516745bfeafc49904b496089",
  );
});

test("aes: RFC 3711 B.2 AES-CM keystream", () => {
  const key = expandAesKey(hex("2b7e151628aed2a6abf7158809cf4f3c"));
  const out = new Uint8Array(48);
  // IV f0f1f2f3f4f5f6f7f8f9fafbfcfd0000
  ctrXorInPlace(
    key,
    0xf0f1f2f3,
    0xf4f5f6f7,
    0xf8f9fafb,
    0xfcfd0000,
    out,
    0,
    48,
  );
  assert.equal(
    toHex(out),
    "e03ead0935c95e80e166b16dd92b4eb4d23513162b02d0f72a43a2fe4a5f97ab41e95b3bb0a2e8dd477901e4fca894c0",
  );
});

test("aes: counter-mode output matches node:crypto aes-128-ctr for every length up to 100", () => {
  for (let len = 0; len <= 100; len++) {
    const k = randomBytes(16), iv = randomBytes(16), data = randomBytes(len);
    iv[12] = iv[13] = 0; // keep the 32-bit counter from wrapping in this test
    const expected = createCipheriv("aes-128-ctr", k, iv).update(data);
    const ours = new Uint8Array(data);
    const v = new DataView(iv.buffer, iv.byteOffset, 16);
    ctrXorInPlace(
      expandAesKey(k),
      v.getUint32(0),
      v.getUint32(4),
      v.getUint32(8),
      v.getUint32(12),
      ours,
      0,
      len,
    );
    assert.equal(toHex(ours), toHex(expected), `length ${len}`);
  }
});

test("aes: the native keystream (large payloads) equals the pure-TS one, counter wrap included", () => {
  const k = randomBytes(16);
  const pure = expandAesKey(k), native = expandAesKey(k, true);
  assert.ok(native.native, "a native keystream exists on this runtime");
  for (const len of [16, 100, 191, 192, 383, 384, 1000, 1200, 2048, 2100]) {
    for (const iv3 of [0, 0xfffffff0]) {
      const data = randomBytes(len + 13);
      const a = new Uint8Array(data), b = new Uint8Array(data);
      ctrXorInPlace(pure, 1, 0x02030405, 0xdeadbeef, iv3, a, 13, len + 13);
      ctrXorInPlace(native, 1, 0x02030405, 0xdeadbeef, iv3, b, 13, len + 13);
      assert.equal(toHex(b), toHex(a), `length ${len}, counter ${iv3}`);
      assert.equal(
        toHex(a.subarray(0, 13)),
        toHex(data.subarray(0, 13)),
        "header untouched",
      );
    }
  }
  // And both agree with OpenSSL/BoringSSL's own CTR at video sizes.
  const iv = randomBytes(16);
  iv[12] = iv[13] = 0;
  const v = new DataView(iv.buffer, iv.byteOffset, 16);
  const data = randomBytes(1200);
  const ours = new Uint8Array(data);
  ctrXorInPlace(
    native,
    v.getUint32(0),
    v.getUint32(4),
    v.getUint32(8),
    v.getUint32(12),
    ours,
    0,
    1200,
  );
  assert.equal(
    toHex(ours),
    toHex(createCipheriv("aes-128-ctr", k, iv).update(data)),
  );
});

test("kdf: RFC 3711 B.3 session keys from the sample master key and salt", () => {
  const mk = hex("e1f97a0d3e018be0d64fa32c06de4139");
  const ms = hex("0ec675ad498afeebb6960b3aabe6");
  assert.equal(
    toHex(deriveSessionKey(mk, ms, SrtpLabel.RtpEncryption, 16)),
    "c61e7a93744f39ee10734afe3ff7a087",
  );
  assert.equal(
    toHex(deriveSessionKey(mk, ms, SrtpLabel.RtpSalt, 14)),
    "30cbbc08863d8c85d49db34a9ae1",
  );
  assert.equal(
    toHex(deriveSessionKey(mk, ms, SrtpLabel.RtpAuthentication, 20)),
    "cebe321f6ff7716b6fd4ab49af256a156d38baa4",
  );
});

test("sha1: HMAC tags match node:crypto for lengths across block boundaries, with and without a suffix", () => {
  const key = randomBytes(20);
  const mac = new HmacSha1(key);
  const out = new Uint8Array(20);
  for (let len = 0; len <= 200; len++) {
    const data = randomBytes(len);
    mac.tag(data, 0, len, -1, out, 0, 20);
    assert.equal(
      toHex(out),
      createHmac("sha1", key).update(data).digest("hex"),
      `length ${len}`,
    );
    const roc = 0x01020304 + len;
    mac.tag(data, 0, len, roc, out, 0, 20);
    const suffix = Buffer.alloc(4);
    suffix.writeUInt32BE(roc);
    assert.equal(
      toHex(out),
      createHmac("sha1", key).update(data).update(suffix).digest("hex"),
      `length ${len} + ROC`,
    );
  }
});

test("ghash: AES-GCM tags built from our GHASH match node:crypto aes-128-gcm", () => {
  for (
    const [aadLen, len] of [[12, 0], [12, 1], [12, 16], [20, 160], [13, 1200], [
      0,
      33,
    ]]
  ) {
    const k = randomBytes(16),
      iv = randomBytes(12),
      aad = randomBytes(aadLen),
      data = randomBytes(len);
    const c = createCipheriv("aes-128-gcm", k, iv);
    c.setAAD(aad);
    const ct = Buffer.concat([c.update(data), c.final()]);
    const expectedTag = c.getAuthTag();
    const aes = expandAesKey(k);
    const h = new Uint32Array(4);
    encryptBlockWords(aes, 0, 0, 0, 0, h);
    const g = new Ghash(h);
    g.update(aad, 0, aad.length);
    g.update(ct, 0, ct.length);
    g.block(0, aadLen * 8, 0, len * 8);
    const v = new DataView(iv.buffer, iv.byteOffset, 12);
    const ek = new Uint32Array(4);
    encryptBlockWords(
      aes,
      v.getUint32(0),
      v.getUint32(4),
      v.getUint32(8),
      1,
      ek,
    );
    const tag = [g.y0 ^ ek[0], g.y1 ^ ek[1], g.y2 ^ ek[2], g.y3 ^ ek[3]]
      .map((w) => (w >>> 0).toString(16).padStart(8, "0")).join("");
    assert.equal(tag, expectedTag.toString("hex"), `aad ${aadLen} data ${len}`);
  }
});
