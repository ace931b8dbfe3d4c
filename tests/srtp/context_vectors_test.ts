/**
 * SRTP/SRTCP packets against libsrtp's srtp_validate() / srtp_validate_gcm()
 * (test/srtp_driver.c), pion's srtp_cipher_test.go and RFC 7714 §16–17.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { rtpHeaderLength, SrtpContext } from "../../src/srtp/context.ts";
import { SRTP_PROFILES } from "../../src/srtp/profile.ts";
import { AesGcmTransform } from "../../src/srtp/transform_gcm.ts";
import { test } from "../_support/harness.ts";
import { hex, toHex } from "../_support/hex.ts";

const CM = SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80;
const GCM = SRTP_PROFILES.AEAD_AES_128_GCM;
const RTP = "800f1234decafbadcafebabeabababababababababababababababab";
const RTCP = "81c8000bcafebabeabababababababababababababababab";

function room(h: string): { buf: Uint8Array; length: number } {
  const bytes = hex(h);
  const buf = new Uint8Array(bytes.length + 64);
  buf.set(bytes);
  return { buf, length: bytes.length };
}

function protectRtp(ctx: SrtpContext, h: string): string {
  const { buf, length } = room(h);
  return toHex(buf.subarray(0, ctx.protectRtp(buf, length)));
}

function protectRtcp(ctx: SrtpContext, h: string): string {
  const { buf, length } = room(h);
  return toHex(buf.subarray(0, ctx.protectRtcp(buf, length)));
}

function unprotect(
  kind: "rtp" | "rtcp",
  ctx: SrtpContext,
  h: string,
): string | undefined {
  const { buf, length } = room(h);
  const n = kind === "rtp"
    ? ctx.unprotectRtp(buf, length)
    : ctx.unprotectRtcp(buf, length);
  return n < 0 ? undefined : toHex(buf.subarray(0, n));
}

const libsrtpCm = () =>
  new SrtpContext(
    CM,
    hex("e1f97a0d3e018be0d64fa32c06de4139"),
    hex("0ec675ad498afeebb6960b3aabe6"),
  );
const LIBSRTP_CM_SRTP =
  "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb";
const LIBSRTP_CM_SRTCP =
  "81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798";

test("srtp/libsrtp srtp_validate: AES_CM_128_HMAC_SHA1_80 RTP and RTCP protect", () => {
  const ctx = libsrtpCm();
  assert.equal(protectRtp(ctx, RTP), LIBSRTP_CM_SRTP);
  // The first SRTCP index is 1, as in libsrtp.
  assert.equal(protectRtcp(ctx, RTCP), LIBSRTP_CM_SRTCP);
});

test("srtp/libsrtp srtp_validate: AES_CM_128_HMAC_SHA1_80 RTP and RTCP unprotect", () => {
  const ctx = libsrtpCm();
  assert.equal(unprotect("rtp", ctx, LIBSRTP_CM_SRTP), RTP);
  assert.equal(unprotect("rtcp", ctx, LIBSRTP_CM_SRTCP), RTCP);
  // The same SRTCP packet again is a replay.
  assert.equal(unprotect("rtcp", ctx, LIBSRTP_CM_SRTCP), undefined);
});

test("srtp/pion srtp_cipher_test: AES_CM_128_HMAC_SHA1_80 with key 00..0f", () => {
  const ctx = new SrtpContext(
    CM,
    hex("000102030405060708090a0b0c0d0e0f"),
    hex("a0a1a2a3a4a5a6a7a8a9aaabacad"),
  );
  assert.equal(
    protectRtp(ctx, RTP),
    "800f1234decafbadcafebabee2d8df8f7a75d688c3502eeec2a98066cd7c0d09ca4432a56e3d",
  );
  assert.equal(
    protectRtcp(ctx, RTCP),
    "81c8000bcafebabe5674bf01813dc062ac1df6f75f77c688800000013db7a19837ff64e5cbd2",
  );
});

const libsrtpGcm = () =>
  new SrtpContext(
    GCM,
    hex("000102030405060708090a0b0c0d0e0f"),
    hex("a0a1a2a3a4a5a6a7a8a9aaab"),
  );
const LIBSRTP_GCM_SRTP =
  "800f1234decafbadcafebabec5002ede04cfdd2eb91159e0880aa06ed2976826f796b201df3131a127e8a392";
const LIBSRTP_GCM_SRTCP =
  "81c8000bcafebabec98b8b5df0392a55852b6c21ac8e7025c52c6fbea2b3b446ea31123ba88ce61e80000001";

test("srtp/libsrtp srtp_validate_gcm: AEAD_AES_128_GCM RTP and RTCP protect", () => {
  const ctx = libsrtpGcm();
  assert.equal(protectRtp(ctx, RTP), LIBSRTP_GCM_SRTP);
  assert.equal(protectRtcp(ctx, RTCP), LIBSRTP_GCM_SRTCP);
});

test("srtp/libsrtp srtp_validate_gcm: AEAD_AES_128_GCM RTP and RTCP unprotect", () => {
  const ctx = libsrtpGcm();
  assert.equal(unprotect("rtp", ctx, LIBSRTP_GCM_SRTP), RTP);
  assert.equal(unprotect("rtcp", ctx, LIBSRTP_GCM_SRTCP), RTCP);
});

// RFC 7714's vectors give session keys, which no master key derives, so
// they drive the GCM transform itself, with the ROC (0) and SRTCP index
// (0x5d4) the vectors use; the context's ROC and index bookkeeping is
// pinned by the libsrtp vectors above.
test("srtp/rfc7714 §16.1.1 and §17.1: AEAD_AES_128_GCM with session keys", () => {
  const k = hex("000102030405060708090a0b0c0d0e0f");
  const s = hex("517569642070726f2071756f");
  const gcm = new AesGcmTransform(k, s, k, s);
  const protectRtp = (h: string) => {
    const { buf, length } = room(h);
    const seq = (buf[2] << 8) | buf[3];
    const ssrc = new DataView(buf.buffer).getUint32(8);
    const header = rtpHeaderLength(buf, length);
    return toHex(
      buf.subarray(0, gcm.encryptRtp(buf, header, length, ssrc, 0, seq)),
    );
  };
  const protectRtcp = (h: string, index: number) => {
    const { buf, length } = room(h);
    const ssrc = new DataView(buf.buffer).getUint32(4);
    return toHex(buf.subarray(0, gcm.encryptRtcp(buf, length, ssrc, index)));
  };
  assert.equal(
    protectRtp(
      "8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573",
    ),
    "8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce",
  );
  assert.equal(
    protectRtcp(
      "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef",
      0x5d4,
    ),
    "81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4",
  );
});

for (const profile of [CM, GCM]) {
  test(`srtp/${profile.name}: protect then unprotect restores packets across a sequence wrap`, () => {
    const key = crypto.getRandomValues(new Uint8Array(profile.keyLength));
    const salt = crypto.getRandomValues(new Uint8Array(profile.saltLength));
    const tx = new SrtpContext(profile, key, salt);
    const rx = new SrtpContext(profile, key, salt);
    const buf = new Uint8Array(1500);
    for (let i = 0; i < 20; i++) {
      const seq = (0xfff6 + i) & 0xffff; // wraps to 0 half way: ROC becomes 1
      const len = 12 + 4 + 4 + 1 + i * 37; // header, one-word extension, payload
      const plain = new Uint8Array(len);
      crypto.getRandomValues(plain);
      plain.set([
        0x90,
        111,
        seq >> 8,
        seq & 0xff,
        0,
        0,
        0,
        i,
        0x11,
        0x22,
        0x33,
        0x44,
        0xbe,
        0xde,
        0,
        1,
      ]);
      buf.set(plain);
      const n = tx.protectRtp(buf, len);
      assert.equal(n, len + profile.rtpOverhead);
      // A 1-byte ciphertext equals its plaintext 1 time in 256; compare only
      // payloads long enough for that not to happen by chance.
      if (len - 20 >= 8) {
        assert.notDeepEqual(
          buf.subarray(20, len),
          plain.subarray(20),
          "payload is encrypted",
        );
      }
      assert.deepEqual(
        buf.subarray(0, 20),
        plain.subarray(0, 20),
        "header stays clear",
      );
      assert.equal(rx.unprotectRtp(buf, n), len);
      assert.deepEqual(buf.subarray(0, len), plain);
    }
  });

  test(`srtp/${profile.name}: any single bit flip of SRTP or SRTCP is rejected, and garbage never throws`, () => {
    const key = new Uint8Array(profile.keyLength).fill(1);
    const salt = new Uint8Array(profile.saltLength).fill(2);
    const tx = new SrtpContext(profile, key, salt);
    for (const kind of ["rtp", "rtcp"] as const) {
      const { buf, length } = room(kind === "rtp" ? RTP : RTCP);
      const n = kind === "rtp"
        ? tx.protectRtp(buf, length)
        : tx.protectRtcp(buf, length);
      const good = buf.slice(0, n);
      const unprotect = (packet: Uint8Array) => {
        const rx = new SrtpContext(profile, key, salt);
        const copy = new Uint8Array(n + 16);
        copy.set(packet);
        return kind === "rtp"
          ? rx.unprotectRtp(copy, n)
          : rx.unprotectRtcp(copy, n);
      };
      assert.equal(unprotect(good), length, `${kind} unflipped`);
      for (let i = 0; i < n * 8; i++) {
        const bad = good.slice();
        bad[i >> 3] ^= 1 << (i & 7);
        assert.equal(unprotect(bad), -1, `${kind} bit ${i}`);
      }
    }
    const rx = new SrtpContext(profile, key, salt);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b = new Uint8Array(bytes.length + 32);
        b.set(bytes);
        assert.equal(rx.unprotectRtp(b, bytes.length) <= bytes.length, true);
        assert.equal(rx.unprotectRtcp(b, bytes.length) <= bytes.length, true);
      }),
      { numRuns: 1000 },
    );
  });
}

test("srtp: protecting without room for the tag, or a non-RTP buffer, is a RangeError", () => {
  const ctx = libsrtpCm();
  const exact = hex(RTP);
  assert.throws(() => ctx.protectRtp(exact, exact.length), RangeError);
  assert.throws(() => ctx.protectRtp(new Uint8Array(64), 5), RangeError);
  assert.throws(
    () => new SrtpContext(CM, new Uint8Array(16), new Uint8Array(12)),
    RangeError,
  );
});
