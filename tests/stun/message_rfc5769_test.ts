/**
 * RFC 5769 "Test Vectors for STUN", §2.1–2.3 (short-term credentials),
 * plus round trips and fuzzing of the decoder.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidParamsError } from "../../src/errors.ts";
import {
  decodeStunMessage,
  encodeStunMessage,
} from "../../src/stun/message.ts";
import { StunParseError } from "../../src/stun/errors.ts";
import { isStunMessage, StunClass, StunMethod } from "../../src/stun/header.ts";
import {
  verifyFingerprint,
  verifyMessageIntegrity,
} from "../../src/stun/integrity.ts";
import { formatIp, parseIp } from "../../src/stun/ip.ts";
import { test } from "../_support/harness.ts";
import { hex, toHex } from "../_support/hex.ts";

const PASSWORD = new TextEncoder().encode("VOkJxbRl1RmTxUk/WvJxBt");

// RFC 5769 §2.1: note USERNAME and SOFTWARE are padded with 0x20, not 0x00.
const REQUEST = hex(
  "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf",
);
const RESPONSE_V4 = hex(
  "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96",
);
const RESPONSE_V6 = hex(
  "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c8292c275bfe3ed4180280004c8fb0b4c",
);

test("stun/rfc5769 §2.1: the sample request decodes and its integrity and fingerprint verify", () => {
  const m = decodeStunMessage(REQUEST);
  assert.equal(m.method, StunMethod.Binding);
  assert.equal(m.class, StunClass.Request);
  assert.equal(m.software, "STUN test client");
  assert.equal(m.priority, 0x6e0001ff);
  assert.equal(m.iceControlled, 0x932ff9b151263b36n);
  assert.equal(m.username, "evtj:h6vY");
  assert.equal(verifyMessageIntegrity(m, PASSWORD), true);
  assert.equal(verifyFingerprint(m), true);
  assert.equal(
    verifyMessageIntegrity(m, new TextEncoder().encode("wrong")),
    false,
  );
});

test("stun/rfc5769 §2.1: encoding the same attributes reproduces the vector byte for byte", () => {
  const out = encodeStunMessage({
    method: StunMethod.Binding,
    class: StunClass.Request,
    transactionId: hex("b7e7a701bc34d686fa87dfae"),
    software: "STUN test client",
    priority: 0x6e0001ff,
    iceControlled: 0x932ff9b151263b36n,
    username: "evtj:h6vY",
  }, { integrityKey: PASSWORD, fingerprint: true, padding: 0x20 });
  assert.equal(toHex(out), toHex(REQUEST));
});

test("stun/rfc5769 §2.2: the IPv4 response decodes to 192.0.2.1:32853 and verifies", () => {
  const m = decodeStunMessage(RESPONSE_V4);
  assert.equal(m.class, StunClass.SuccessResponse);
  assert.deepEqual(m.xorMappedAddress, { address: "192.0.2.1", port: 32853 });
  assert.equal(m.software, "test vector"); // length 11; the 12th byte is padding
  assert.equal(verifyMessageIntegrity(m, PASSWORD), true);
  assert.equal(verifyFingerprint(m), true);
});

test("stun/rfc5769 §2.3: the IPv6 response decodes and verifies", () => {
  const m = decodeStunMessage(RESPONSE_V6);
  assert.deepEqual(m.xorMappedAddress, {
    address: "2001:db8:1234:5678:11:2233:4455:6677",
    port: 32853,
  });
  assert.equal(verifyMessageIntegrity(m, PASSWORD), true);
  assert.equal(verifyFingerprint(m), true);
});

test("stun: any flipped bit breaks decoding, MESSAGE-INTEGRITY or FINGERPRINT", () => {
  assert.ok(verifyMessageIntegrity(decodeStunMessage(REQUEST), PASSWORD));
  for (let i = 0; i < REQUEST.length * 8; i++) {
    const bad = REQUEST.slice();
    bad[i >> 3] ^= 1 << (i & 7);
    let m;
    try {
      m = decodeStunMessage(bad);
    } catch (error) {
      assert.ok(error instanceof StunParseError);
      continue;
    }
    assert.ok(
      !verifyMessageIntegrity(m, PASSWORD) || !verifyFingerprint(m),
      `bit flip at ${i} went unnoticed`,
    );
  }
});

test("stun: an ICE check round-trips through encode and decode", () => {
  const transactionId = crypto.getRandomValues(new Uint8Array(12));
  const key = new TextEncoder().encode("remote-password-24-chars");
  const bytes = encodeStunMessage({
    method: StunMethod.Binding,
    class: StunClass.Request,
    transactionId,
    username: "abcd:efgh",
    priority: 1853824767,
    iceControlling: 0xfedcba9876543210n,
    useCandidate: true,
  }, { integrityKey: key, fingerprint: true });
  assert.equal(isStunMessage(bytes), true);
  const m = decodeStunMessage(bytes);
  assert.deepEqual(m.transactionId, transactionId);
  assert.equal(m.username, "abcd:efgh");
  assert.equal(m.useCandidate, true);
  assert.equal(m.iceControlling, 0xfedcba9876543210n);
  assert.equal(verifyMessageIntegrity(m, key), true);
  assert.equal(verifyFingerprint(m), true);
});

test("stun: XOR-MAPPED-ADDRESS round-trips for IPv4 and IPv6", () => {
  for (const address of ["127.0.0.1", "::1", "2001:db8::1", "fe80::1:2:3"]) {
    const bytes = encodeStunMessage({
      method: StunMethod.Binding,
      class: StunClass.SuccessResponse,
      transactionId: new Uint8Array(12).fill(7),
      xorMappedAddress: { address, port: 54321 },
    });
    assert.deepEqual(decodeStunMessage(bytes).xorMappedAddress, {
      address,
      port: 54321,
    });
  }
});

test("stun: IP text parsing and RFC 5952 formatting agree", () => {
  assert.deepEqual(parseIp("10.0.0.255"), Uint8Array.from([10, 0, 0, 255]));
  assert.equal(parseIp("256.0.0.1"), undefined);
  assert.equal(parseIp("1::2::3"), undefined);
  assert.equal(parseIp("hello"), undefined);
  assert.equal(
    formatIp(parseIp("2001:0db8:0000:0000:0000:0000:0000:0001")!),
    "2001:db8::1",
  );
  assert.equal(formatIp(parseIp("::ffff:1.2.3.4")!), "::ffff:102:304");
  assert.equal(formatIp(parseIp("::")!), "::");
});

test("stun: truncated or garbled datagrams raise StunParseError and nothing else", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        decodeStunMessage(bytes);
      } catch (error) {
        assert.ok(error instanceof StunParseError, String(error));
      }
    }),
    { numRuns: 2000 },
  );
  // Mutations of a valid message reach deeper into the attribute parser.
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.nat(REQUEST.length - 1), fc.integer({ min: 0, max: 255 })),
        {
          maxLength: 6,
        },
      ),
      fc.nat(REQUEST.length),
      (edits, cut) => {
        const bytes = REQUEST.slice(0, Math.max(20, cut));
        for (const [i, v] of edits) if (i < bytes.length) bytes[i] = v;
        try {
          const m = decodeStunMessage(bytes);
          verifyMessageIntegrity(m, PASSWORD);
          verifyFingerprint(m);
        } catch (error) {
          assert.ok(error instanceof StunParseError, String(error));
        }
      },
    ),
    { numRuns: 3000 },
  );
});

test("stun: encoding bad input raises InvalidParamsError", () => {
  const base = { method: StunMethod.Binding, class: StunClass.Request };
  assert.throws(
    () => encodeStunMessage({ ...base, transactionId: new Uint8Array(11) }),
    InvalidParamsError,
  );
  assert.throws(
    () =>
      encodeStunMessage({
        ...base,
        transactionId: new Uint8Array(12),
        xorMappedAddress: { address: "not-an-ip", port: 1 },
      }),
    InvalidParamsError,
  );
});
