/**
 * The join payload (`phone.joinGroupCall.params`) against
 * telegram-wire.md §1.1: exactly the keys tgcalls emits, SSRCs as signed
 * int32, `ssrc-groups` only with video (one FID group, no SIM), and ICE
 * credentials and SSRCs of the shape libwebrtc and tgcalls generate.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  buildJoinPayload,
  fromTelegramSsrc,
  randomIceCredentials,
  randomSsrc,
  toTelegramSsrc,
} from "../../src/signaling/join_payload.ts";
import { test } from "../_support/harness.ts";

const FINGERPRINT = "AB:CD:EF:01:23:45:67:89";

test("join payload §1.1: audio only is ssrc, ufrag, pwd and one active sha-256 fingerprint, no ssrc-groups", () => {
  const json = buildJoinPayload({
    ufrag: "Ab3+",
    pwd: "0123456789abcdefghijKLMN",
    fingerprint: FINGERPRINT,
    audioSsrc: 123456789,
  });
  assert.deepEqual(JSON.parse(json), {
    ufrag: "Ab3+",
    pwd: "0123456789abcdefghijKLMN",
    fingerprints: [{
      hash: "sha-256",
      fingerprint: FINGERPRINT,
      setup: "active",
    }],
    ssrc: 123456789,
  });
});

test("join payload §1.1: video adds a single FID group [video, rtx], no SIM group", () => {
  const payload = JSON.parse(buildJoinPayload({
    ufrag: "abcd",
    pwd: "x".repeat(24),
    fingerprint: FINGERPRINT,
    audioSsrc: 1000,
    video: { ssrc: 1001, rtxSsrc: 1002 },
  }));
  assert.deepEqual(payload["ssrc-groups"], [
    { semantics: "FID", sources: [1001, 1002] },
  ]);
  assert.deepEqual(Object.keys(payload).sort(), [
    "fingerprints",
    "pwd",
    "ssrc",
    "ssrc-groups",
    "ufrag",
  ]);
});

test("join payload: every SSRC goes out as a signed int32 and comes back unsigned", () => {
  const payload = JSON.parse(buildJoinPayload({
    ufrag: "abcd",
    pwd: "x".repeat(24),
    fingerprint: FINGERPRINT,
    audioSsrc: 0xffffffff,
    video: { ssrc: 0x80000000, rtxSsrc: 0x7fffffff },
  }));
  assert.equal(payload.ssrc, -1);
  assert.deepEqual(payload["ssrc-groups"][0].sources, [
    -(2 ** 31),
    2 ** 31 - 1,
  ]);
  fc.assert(
    fc.property(fc.nat({ max: 0xffffffff }), (ssrc) => {
      const signed = toTelegramSsrc(ssrc);
      assert.ok(signed >= -(2 ** 31) && signed < 2 ** 31);
      assert.equal(fromTelegramSsrc(signed), ssrc);
      // A signed value given in is emitted unchanged.
      assert.equal(toTelegramSsrc(signed), signed);
    }),
    { numRuns: 2000 },
  );
});

test("join payload: SSRCs are non-zero 31-bit values, as tgcalls generates", () => {
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const ssrc = randomSsrc();
    assert.ok(Number.isInteger(ssrc) && ssrc > 0 && ssrc <= 0x7fffffff);
    seen.add(ssrc);
  }
  assert.ok(seen.size > 1990, `${seen.size} distinct of 2000`);
});

test("join payload: ICE credentials are a 4-char ufrag and 24-char password of ice-chars (RFC 8839 §5.4)", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 500; i++) {
    const { ufrag, pwd } = randomIceCredentials();
    assert.match(ufrag, /^[A-Za-z0-9+/]{4}$/);
    assert.match(pwd, /^[A-Za-z0-9+/]{24}$/);
    seen.add(pwd);
  }
  assert.equal(seen.size, 500, "passwords do not repeat");
});
