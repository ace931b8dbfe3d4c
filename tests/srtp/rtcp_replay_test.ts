/**
 * Issue #13: the SRTCP replay window (RFC 3711 §3.3.2: at least 64
 * indices) is 128 indices wide, as libsrtp's `srtp_rdb_t`. The reference
 * semantics are libsrtp's `srtp_rdb_check`/`srtp_rdb_add_index`: an index
 * above the highest is new, one in the 128 indices ending at the highest is
 * accepted once, anything older is refused. libsrtp ships no replay
 * vectors (its rdb_driver.c draws random indices), so the property test
 * below compares against that model directly.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { SrtpContext, srtpTransform } from "../../src/srtp/context.ts";
import { SRTP_PROFILES, type SrtpProfile } from "../../src/srtp/profile.ts";
import { test } from "../_support/harness.ts";
import { hex } from "../_support/hex.ts";

const WINDOW = 128;
const KEY = hex("e1f97a0d3e018be0d64fa32c06de4139");
const RTCP = hex("81c8000bcafebabeabababababababababababababababab");
const PROFILES: readonly [string, SrtpProfile, Uint8Array][] = [
  [
    "AES_CM_128_HMAC_SHA1_80",
    SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80,
    hex("0ec675ad498afeebb6960b3aabe6"),
  ],
  [
    "AEAD_AES_128_GCM",
    SRTP_PROFILES.AEAD_AES_128_GCM,
    hex("0ec675ad498afeebb6960b3a"),
  ],
];

/** A receiver, and `accepts(i)`: whether it takes an SRTCP packet of index i. */
function receiver(profile: SrtpProfile, salt: Uint8Array) {
  const sender = srtpTransform(profile, KEY, salt);
  const ctx = new SrtpContext(profile, KEY, salt);
  const buf = new Uint8Array(RTCP.length + 64);
  return (index: number): boolean => {
    buf.fill(0).set(RTCP);
    const n = sender.encryptRtcp(buf, RTCP.length, 0xcafebabe, index);
    return ctx.unprotectRtcp(buf, n) === RTCP.length;
  };
}

for (const [name, profile, salt] of PROFILES) {
  test(`srtp/rtcp replay ${name}: 63 and 127 behind accepted once, 128 behind refused`, () => {
    const accepts = receiver(profile, salt);
    assert.equal(accepts(1000), true);
    assert.equal(accepts(1000), false, "the highest itself, replayed");
    for (const behind of [63, 64, WINDOW - 1]) {
      assert.equal(accepts(1000 - behind), true, `${behind} behind, first`);
      assert.equal(accepts(1000 - behind), false, `${behind} behind, replay`);
    }
    assert.equal(accepts(1000 - WINDOW), false, "just beyond the window");
    assert.equal(accepts(1000 - WINDOW - 1), false);
    assert.equal(accepts(1), false);
    // The window did not move: a newer index is still accepted once.
    assert.equal(accepts(1001), true);
    assert.equal(accepts(1001), false);
  });

  test(`srtp/rtcp replay ${name}: slots reused as the window slides are cleared`, () => {
    const accepts = receiver(profile, salt);
    for (let i = 1; i <= WINDOW; i++) assert.equal(accepts(i), true);
    // 129 and 140 take the slots of 1 and 12, which were seen.
    assert.equal(accepts(WINDOW + 1), true);
    assert.equal(accepts(1), false, "now outside the window");
    assert.equal(accepts(WINDOW + 12), true);
    for (let i = WINDOW + 2; i < WINDOW + 12; i++) {
      assert.equal(accepts(i), true, `index ${i}, skipped by the jump`);
      assert.equal(accepts(i), false, `index ${i}, replayed`);
    }
    // A jump wider than the window forgets everything before it.
    assert.equal(accepts(10_000), true);
    assert.equal(accepts(WINDOW + 12), false);
    assert.equal(accepts(10_000 - WINDOW + 1), true);
    assert.equal(accepts(10_000 - WINDOW + 1), false);
  });
}

test("srtp/rtcp replay: agrees with libsrtp's replay database on random index streams", () => {
  const [, profile, salt] = PROFILES[0];
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 31 - 400 }),
      fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 60 }),
      (base, offsets) => {
        const accepts = receiver(profile, salt);
        const seen = new Set<number>();
        let highest = -1;
        for (const offset of offsets) {
          const index = base + offset;
          const expected = highest < 0 || index > highest ||
            (highest - index < WINDOW && !seen.has(index));
          assert.equal(accepts(index), expected, `index ${index}`);
          if (expected) {
            seen.add(index);
            highest = Math.max(highest, index);
          }
        }
      },
    ),
    { numRuns: 150 },
  );
});
