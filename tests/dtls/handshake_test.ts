/**
 * The handshake message codecs on untrusted input (RFC 6347 §4.2, RFC 5246
 * §7.4, RFC 8422 §5.4): each parser round-trips a valid vector, every
 * truncation and every lying length field is a DtlsParseError, generated
 * garbage only ever raises DtlsError, and fragments reassemble in any
 * order (RFC 6347 §4.2.3). The ClientHello bytes are pinned.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { Writer } from "../../src/dtls/codec.ts";
import { Alert, DtlsError, DtlsParseError } from "../../src/dtls/errors.ts";
import {
  encodeFragment,
  encodeHandshake,
  fragmentHandshake,
  type HandshakeMessage,
  HandshakeReassembler,
  HandshakeType,
} from "../../src/dtls/handshake.ts";
import {
  encodeClientHello,
  parseHelloVerifyRequest,
  parseServerHello,
} from "../../src/dtls/hello_messages.ts";
import {
  encodeCertificate,
  parseCertificateRequest,
  parseCertificates,
  parseServerKeyExchange,
} from "../../src/dtls/key_exchange_messages.ts";
import { TgCallError } from "../../src/errors.ts";
import { test } from "../_support/harness.ts";
import { hex, toHex } from "../_support/hex.ts";

const RANDOM =
  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/** ServerHello: DTLS 1.2, session id 01020304, ECDHE-ECDSA-AES128-GCM, use_srtp GCM, EMS, renegotiation_info. */
const SERVER_HELLO = hex(
  `fefd ${RANDOM} 04 01020304 c02b 00 0012
   000e 0005 0002 0007 00   0017 0000   ff01 0001 00`,
);
/** Where a ServerHello without extensions ends. */
const SERVER_HELLO_NO_EXTENSIONS = 2 + 32 + 1 + 4 + 2 + 1;

const COOKIE = "c0ffee0000000000000000000000000000000001";
const HELLO_VERIFY_REQUEST = hex(`feff 14 ${COOKIE}`);

const X25519_PUBLIC = "ab".repeat(32);
const SIGNATURE = "5a".repeat(70);
const SERVER_KEY_EXCHANGE = hex(
  `03 001d 20 ${X25519_PUBLIC} 0403 0046 ${SIGNATURE}`,
);

/** CertificateRequest: ecdsa_sign; ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256; no CAs. */
const CERTIFICATE_REQUEST = hex("01 40 0004 0403 0804 0000");

const DER_A = hex("3003020101"), DER_B = hex("30060201020201ff");
const CERTIFICATES = hex(`000013 000005 3003020101 000008 30060201020201ff`);

/** Every strict prefix of `body` throws DtlsParseError, except the lengths in `valid`. */
function assertPrefixesFail(
  parse: (body: Uint8Array) => unknown,
  body: Uint8Array,
  valid: (length: number) => boolean = () => false,
): void {
  for (let n = 0; n < body.length; n++) {
    if (valid(n)) {
      parse(body.subarray(0, n));
      continue;
    }
    assert.throws(
      () => parse(body.subarray(0, n)),
      (e: unknown) =>
        e instanceof DtlsParseError && e instanceof TgCallError &&
        e.code === "DTLS_PARSE" && e.alert === Alert.DecodeError,
      `prefix of ${n} bytes`,
    );
  }
}

/** Throws unless `error` is a DtlsError (and so a TgCallError). */
function assertTyped(error: unknown): void {
  assert.ok(
    error instanceof DtlsError && error instanceof TgCallError,
    String(error),
  );
}

test("dtls/handshake: ServerHello parses suite, use_srtp profile and extended_master_secret", () => {
  const hello = parseServerHello(SERVER_HELLO);
  assert.equal(toHex(hello.random), RANDOM);
  assert.equal(hello.cipherSuite, 0xc02b);
  assert.equal(hello.srtpProfile, 7);
  assert.equal(hello.extendedMasterSecret, true);
  const bare = parseServerHello(
    SERVER_HELLO.subarray(0, SERVER_HELLO_NO_EXTENSIONS),
  );
  assert.equal(bare.srtpProfile, undefined);
  assert.equal(bare.extendedMasterSecret, false);
});

test("dtls/handshake: ServerHello truncations and lying lengths are DtlsParseError", () => {
  assertPrefixesFail(
    parseServerHello,
    SERVER_HELLO,
    (n) => n === SERVER_HELLO_NO_EXTENSIONS,
  );
  const lie = SERVER_HELLO.slice();
  lie[SERVER_HELLO_NO_EXTENSIONS + 1] += 1; // extensions length one too long
  assert.throws(() => parseServerHello(lie), DtlsParseError);
  const sessionLie = SERVER_HELLO.slice();
  sessionLie[34] = 0xff; // session id longer than the message
  assert.throws(() => parseServerHello(sessionLie), DtlsParseError);
});

test("dtls/handshake: ServerHello values we refuse are DtlsError with the right alert", () => {
  const cases: [number, number, number][] = [
    [1, 0xfc, Alert.HandshakeFailure], // DTLS 1.3's 0xfefc
    [1, 0xff, Alert.HandshakeFailure], // DTLS 1.0
    [41, 1, Alert.IllegalParameter], // compression
  ];
  for (const [at, value, alert] of cases) {
    const body = SERVER_HELLO.slice();
    body[at] = value;
    assert.throws(
      () => parseServerHello(body),
      (e: unknown) =>
        e instanceof DtlsError && !(e instanceof DtlsParseError) &&
        e.alert === alert,
    );
  }
  const twoProfiles = hex(
    `fefd ${RANDOM} 00 c02b 00 000b 000e 0007 0004 0001 0007 00`,
  );
  assert.throws(
    () => parseServerHello(twoProfiles),
    (e: unknown) =>
      e instanceof DtlsError && e.alert === Alert.IllegalParameter &&
      /one profile/.test(e.message),
  );
  // RFC 5746 §3.4: a non-empty renegotiated_connection on an initial handshake.
  const renegotiation = hex(`fefd ${RANDOM} 00 c02b 00 0006 ff01 0002 01 07`);
  assert.throws(
    () => parseServerHello(renegotiation),
    (e: unknown) =>
      e instanceof DtlsError && e.alert === Alert.HandshakeFailure &&
      /renegotiation/.test(e.message),
  );
});

test("dtls/handshake: HelloVerifyRequest yields its cookie; truncations are DtlsParseError", () => {
  assert.equal(toHex(parseHelloVerifyRequest(HELLO_VERIFY_REQUEST)), COOKIE);
  assertPrefixesFail(parseHelloVerifyRequest, HELLO_VERIFY_REQUEST);
  const lie = HELLO_VERIFY_REQUEST.slice();
  lie[2] = 21;
  assert.throws(() => parseHelloVerifyRequest(lie), DtlsParseError);
});

test("dtls/handshake: ServerKeyExchange splits params, scheme and signature (RFC 8422 §5.4)", () => {
  const ske = parseServerKeyExchange(SERVER_KEY_EXCHANGE);
  assert.equal(ske.group, 29);
  assert.equal(toHex(ske.publicKey), X25519_PUBLIC);
  assert.equal(toHex(ske.params), toHex(SERVER_KEY_EXCHANGE.subarray(0, 36)));
  assert.equal(ske.scheme, 0x0403);
  assert.equal(toHex(ske.signature), SIGNATURE);
  assertPrefixesFail(parseServerKeyExchange, SERVER_KEY_EXCHANGE);
  const explicit = SERVER_KEY_EXCHANGE.slice();
  explicit[0] = 1;
  assert.throws(
    () => parseServerKeyExchange(explicit),
    (e: unknown) =>
      e instanceof DtlsError && e.alert === Alert.IllegalParameter,
  );
  const lie = SERVER_KEY_EXCHANGE.slice();
  lie[3] = 0xff; // point longer than the message
  assert.throws(() => parseServerKeyExchange(lie), DtlsParseError);
});

test("dtls/handshake: Certificate round-trips and its nested lengths cannot lie", () => {
  assert.deepEqual(parseCertificates(CERTIFICATES), [DER_A, DER_B]);
  assert.deepEqual(parseCertificates(encodeCertificate(DER_B)), [DER_B]);
  assert.deepEqual(parseCertificates(hex("000000")), []);
  assertPrefixesFail(parseCertificates, CERTIFICATES);
  const innerLie = CERTIFICATES.slice();
  innerLie[5] = 6; // first certificate claims one byte more
  assert.throws(() => parseCertificates(innerLie), DtlsParseError);
  const outerLie = CERTIFICATES.slice();
  outerLie[2] = 0x14;
  assert.throws(() => parseCertificates(outerLie), DtlsParseError);
});

test("dtls/handshake: CertificateRequest yields its signature schemes", () => {
  assert.deepEqual(parseCertificateRequest(CERTIFICATE_REQUEST).schemes, [
    0x0403,
    0x0804,
  ]);
  // The CA list is not read, so a request cut inside it still parses.
  assertPrefixesFail(
    parseCertificateRequest,
    CERTIFICATE_REQUEST,
    (n) => n >= 8,
  );
  const lie = CERTIFICATE_REQUEST.slice();
  lie[3] = 8; // schemes claim 8 bytes, 6 are left
  assert.throws(() => parseCertificateRequest(lie), DtlsParseError);
});

test("dtls/handshake: generated garbage only ever raises DtlsError from every parser", () => {
  const parsers: ((body: Uint8Array) => unknown)[] = [
    parseServerHello,
    parseHelloVerifyRequest,
    parseServerKeyExchange,
    parseCertificates,
    parseCertificateRequest,
    (body) => new HandshakeReassembler().push(body),
  ];
  // Valid vectors with random bytes overwritten reach deeper than pure noise.
  const mutated = fc.constantFrom(
    SERVER_HELLO,
    HELLO_VERIFY_REQUEST,
    SERVER_KEY_EXCHANGE,
    CERTIFICATES,
    CERTIFICATE_REQUEST,
  ).chain((base) =>
    fc.array(fc.tuple(fc.nat(base.length - 1), fc.nat(255)), {
      maxLength: 4,
    }).map((edits) => {
      const body = base.slice();
      for (const [at, value] of edits) body[at] = value;
      return body;
    })
  );
  fc.assert(
    fc.property(
      fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated),
      (body) => {
        for (const parse of parsers) {
          try {
            parse(body);
          } catch (error) {
            assertTyped(error);
          }
        }
      },
    ),
    { numRuns: 3000 },
  );
});

test("dtls/handshake: the ClientHello bytes are pinned (use_srtp, EMS, groups, schemes)", () => {
  const body = encodeClientHello({
    random: hex(RANDOM),
    cookie: hex("c00c1e"),
    cipherSuites: [0xc02b, 0xc02f],
    srtpProfiles: [1, 7],
    groups: [29, 23],
    signatureSchemes: [0x0403, 0x0503, 0x0804, 0x0401],
  });
  assert.equal(
    toHex(body),
    `fefd${RANDOM}0003c00c1e0004c02bc02f01000032` +
      "000a00060004001d0017" + // supported_groups
      "000b00020100" + // ec_point_formats: uncompressed
      "000d000a00080403050308040401" + // signature_algorithms
      "000e000700040001000700" + // use_srtp, no MKI
      "00170000" + // extended_master_secret
      "ff01000100", // renegotiation_info
  );
});

test("dtls/handshake: fragments reassemble in any order, duplicated, across records", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 600 }),
      fc.integer({ min: 1, max: 200 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      fc.integer({ min: 1, max: 4 }),
      (body, max, order, perRecord) => {
        const fragments = fragmentHandshake(
          HandshakeType.Certificate,
          0,
          body,
          max,
        );
        // Shuffle by the generated keys, then duplicate a few.
        const shuffled = fragments
          .map((f, i) => ({ f, key: order[i] ?? i }))
          .sort((a, b) => a.key - b.key)
          .map((x) => x.f);
        const stream = [...shuffled, ...shuffled.slice(0, order.length % 3)];
        const reassembler = new HandshakeReassembler();
        const done: HandshakeMessage[] = [];
        for (let i = 0; i < stream.length; i += perRecord) {
          const record = stream.slice(i, i + perRecord);
          const joined = new Uint8Array(
            record.reduce((n, f) => n + f.length, 0),
          );
          let offset = 0;
          for (const f of record) {
            joined.set(f, offset);
            offset += f.length;
          }
          done.push(...reassembler.push(joined).messages);
        }
        assert.equal(done.length, 1);
        assert.equal(done[0].type, HandshakeType.Certificate);
        assert.deepEqual(done[0].body, body);
        assert.equal(reassembler.next, 1);
      },
    ),
    { numRuns: 500 },
  );
});

test("dtls/handshake: the reassembler refuses lies, notes old messages and bounds what it keeps", () => {
  const r = new HandshakeReassembler(100);
  const first = r.push(
    encodeHandshake(HandshakeType.ServerHello, 0, hex("01")),
  );
  assert.equal(first.messages.length, 1);
  assert.equal(r.push(encodeHandshake(2, 0, hex("01"))).sawOld, true);
  // Fragment past its message's length, message over maxLength, seq too far ahead.
  const ignored = [
    encodeFragment(11, 1, 4, 2, hex("010203")),
    encodeHandshake(11, 1, new Uint8Array(101)),
    encodeHandshake(11, 10, hex("01")),
  ];
  for (const f of ignored) assert.deepEqual(r.push(f).messages, []);
  assert.equal(r.next, 1);
  // A fragment_length that runs past the record is a parse error.
  const truncated = encodeHandshake(11, 1, hex("01020304")).subarray(0, 14);
  assert.throws(() => r.push(truncated), DtlsParseError);
  // Fewer than 12 bytes left are padding, not a message.
  assert.deepEqual(r.push(hex("0b0000")).messages, []);
});

test("dtls/handshake: overlapping fragments must agree: a conflict is illegal_parameter, not first-wins", () => {
  const r = new HandshakeReassembler();
  const body = hex("0102030405060708");
  assert.deepEqual(
    r.push(encodeFragment(11, 0, 8, 0, body.subarray(0, 5))).messages,
    [],
  );
  // An agreeing overlap is a retransmission split differently.
  assert.deepEqual(
    r.push(encodeFragment(11, 0, 8, 3, body.subarray(3, 6))).messages,
    [],
  );
  assert.throws(
    () => r.push(encodeFragment(11, 0, 8, 4, hex("ff060708"))),
    (e: unknown) =>
      e instanceof DtlsError && e.alert === Alert.IllegalParameter,
  );
});

test("dtls/handshake: a vector too long for its length prefix is a typed error, not a wrapped length", () => {
  assert.throws(
    () => new Writer().vector(new Uint8Array(256), 1),
    (e: unknown) => e instanceof DtlsError && e instanceof TgCallError,
  );
  assert.equal(
    new Writer().vector(new Uint8Array(255), 1).finish().length,
    256,
  );
});
