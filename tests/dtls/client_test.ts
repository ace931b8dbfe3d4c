/**
 * The DTLS client's timers and robustness on a fake clock: RFC 6347
 * §4.2.4.1 retransmission (doubling, capped), the overall deadline,
 * HelloVerifyRequest cookie echo, and garbage input that never throws.
 * (The full handshake is proven against OpenSSL in openssl_interop_test.ts.)
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { DtlsClient } from "../../src/dtls/client.ts";
import { MAX_HELLO_VERIFY_REQUESTS } from "../../src/dtls/client_handshake.ts";
import { generateCertificate } from "../../src/dtls/certificate.ts";
import { Reader } from "../../src/dtls/codec.ts";
import { Alert, DtlsError } from "../../src/dtls/errors.ts";
import { encodeHandshake, HandshakeType } from "../../src/dtls/handshake.ts";
import { encodeRecord, parseRecords } from "../../src/dtls/record.ts";
import { fakeScheduler } from "../_support/fake_time.ts";
import { test } from "../_support/harness.ts";
import { hex } from "../_support/hex.ts";

function setUp(
  options: {
    initialTimeoutMs?: number;
    maxTimeoutMs?: number;
    handshakeTimeoutMs?: number;
  } = {},
) {
  const time = fakeScheduler();
  const sent: { at: number; data: Uint8Array }[] = [];
  const client = new DtlsClient({
    certificate: generateCertificate(),
    remoteFingerprints: [{
      hash: "sha-256",
      fingerprint: generateCertificate().fingerprint,
    }],
    scheduler: time.scheduler,
    send: (data) => sent.push({ at: time.now(), data }),
    ...options,
  });
  return { time, sent, client };
}

/** The ClientHello body fields we check: random and cookie. */
function clientHello(
  datagram: Uint8Array,
): { random: Uint8Array; cookie: Uint8Array; messageSeq: number } {
  const [record] = parseRecords(datagram);
  const fragment = record.fragment;
  assert.equal(fragment[0], HandshakeType.ClientHello);
  const r = new Reader(fragment.subarray(12));
  r.u16();
  const random = r.bytes(32).slice();
  r.vector(1);
  return {
    random,
    cookie: r.vector(1).slice(),
    messageSeq: (fragment[4] << 8) | fragment[5],
  };
}

test("dtls/client: flight 1 is retransmitted with a doubling timer capped at the maximum", () => {
  const { time, sent, client } = setUp({
    initialTimeoutMs: 1000,
    maxTimeoutMs: 4000,
    handshakeTimeoutMs: 60_000,
  });
  client.start();
  time.advance(20_000);
  const gaps = sent.slice(1).map((s, i) => s.at - sent[i].at);
  assert.deepEqual(gaps.slice(0, 6), [1000, 2000, 4000, 4000, 4000, 4000]);
  // Every retransmission is the same ClientHello (same random), in a fresh record.
  const first = clientHello(sent[0].data);
  for (const s of sent) {
    assert.deepEqual(clientHello(s.data).random, first.random);
  }
  const seqs = sent.map((s) => parseRecords(s.data)[0].seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  assert.equal(new Set(seqs).size, seqs.length);
  client.close();
});

test("dtls/client: the default timer starts at 1 s and doubles towards 60 s (RFC 6347)", () => {
  const { time, sent, client } = setUp({ handshakeTimeoutMs: 200_000 });
  client.start();
  time.advance(190_000);
  const gaps = sent.slice(1).map((s, i) => s.at - sent[i].at);
  assert.deepEqual(gaps.slice(0, 7), [
    1000,
    2000,
    4000,
    8000,
    16_000,
    32_000,
    60_000,
  ]);
  client.close();
});

test("dtls/client: the handshake gives up at its deadline with a DtlsError and stops sending", async () => {
  const { time, sent, client } = setUp({
    initialTimeoutMs: 100,
    handshakeTimeoutMs: 3000,
  });
  client.start();
  time.advance(5000);
  await assert.rejects(
    client.connected,
    (e: unknown) => e instanceof DtlsError && /timed out/.test(e.message),
  );
  assert.equal(client.state, "failed");
  const count = sent.length;
  time.advance(10_000);
  assert.equal(sent.length, count);
});

test("dtls/client: a HelloVerifyRequest cookie is echoed in a second ClientHello with the same random", () => {
  const { time, sent, client } = setUp();
  client.start();
  time.advance(0);
  const cookie = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
  const hvrBody = new Uint8Array([0xfe, 0xff, cookie.length, ...cookie]);
  client.handleDatagram(
    encodeRecord(
      22,
      0,
      0,
      encodeHandshake(HandshakeType.HelloVerifyRequest, 0, hvrBody),
    ),
  );
  assert.equal(sent.length, 2, "the second ClientHello goes out at once");
  const first = clientHello(sent[0].data), second = clientHello(sent[1].data);
  assert.deepEqual(second.random, first.random);
  assert.deepEqual(second.cookie, cookie);
  assert.equal(first.cookie.length, 0);
  assert.equal(second.messageSeq, 1);
  client.close();
});

test("dtls/client: a server answering every ClientHello with a HelloVerifyRequest is refused", async () => {
  const { time, sent, client } = setUp();
  client.start();
  time.advance(0);
  for (let seq = 0; seq <= MAX_HELLO_VERIFY_REQUESTS; seq++) {
    const hvr = Uint8Array.of(0xfe, 0xff, 1, seq);
    client.handleDatagram(
      handshakeRecord(HandshakeType.HelloVerifyRequest, seq, hvr),
    );
  }
  await assert.rejects(
    client.connected,
    (e: unknown) =>
      e instanceof DtlsError && e.alert === Alert.HandshakeFailure,
  );
  // ClientHello, one more per accepted cookie, then the fatal alert.
  assert.equal(sent.length, MAX_HELLO_VERIFY_REQUESTS + 2);
  assert.equal(time.scheduler.pending, 0);
});

test("dtls/client: a server resending a flight every 50 ms cannot postpone the deadline", async () => {
  const { time, client } = setUp({ handshakeTimeoutMs: 3000 });
  client.start();
  time.advance(0);
  const hvr = handshakeRecord(
    HandshakeType.HelloVerifyRequest,
    0,
    Uint8Array.of(0xfe, 0xff, 1, 9),
  );
  // Each old HelloVerifyRequest triggers an early resend, which re-arms the
  // retransmission timer before it can fire.
  while (client.state === "handshaking" && time.now() < 10_000) {
    client.handleDatagram(hvr);
    time.advance(50);
  }
  assert.equal(client.state, "failed");
  await assert.rejects(client.connected, /timed out after 3000 ms/);
  assert.ok(time.now() <= 3050, `gave up at ${time.now()} ms`);
});

test("dtls/client: garbage datagrams never throw", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }),
      (datagrams) => {
        const { time, client } = setUp();
        client.start();
        time.advance(0);
        for (const d of datagrams) client.handleDatagram(d);
        // Well-framed records carrying garbage handshake bytes reach the parsers.
        for (const d of datagrams) {
          client.handleDatagram(
            encodeRecord(22, 0, 0, d),
          );
        }
        client.close();
      },
    ),
    { numRuns: 300 },
  );
});

test("dtls/client: close before the handshake rejects `connected` and is idempotent", async () => {
  const { client } = setUp();
  client.start();
  client.close();
  client.close();
  await assert.rejects(client.connected, DtlsError);
  assert.equal(client.state, "closed");
});

/** One handshake message as a plaintext epoch-0 record. */
function handshakeRecord(type: number, seq: number, body: Uint8Array) {
  return encodeRecord(22, 0, seq, encodeHandshake(type, seq, body));
}

/** A ServerHello choosing ECDHE-ECDSA-AES128-GCM and use_srtp profile 1. */
const SERVER_HELLO = hex(
  `fefd ${"00".repeat(32)} 00 c02b 00 0009 000e 0005 0002 0001 00`,
);

for (
  const [name, messages] of [
    [
      "a Certificate before ServerHello",
      [[HandshakeType.Certificate, Uint8Array.of(0, 0, 0)]],
    ],
    [
      "a HelloVerifyRequest after ServerHello",
      [
        [HandshakeType.ServerHello, SERVER_HELLO],
        [HandshakeType.HelloVerifyRequest, Uint8Array.of(0xfe, 0xff, 0)],
      ],
    ],
    [
      "a Finished before the key exchange",
      [[HandshakeType.Finished, new Uint8Array(12)]],
    ],
    [
      "a HelloRequest",
      [[HandshakeType.HelloRequest, new Uint8Array(0)]],
    ],
  ] as [string, [number, Uint8Array][]][]
) {
  test(`dtls/client: ${name} is an unexpected_message, sent as a fatal alert`, async () => {
    const { time, sent, client } = setUp();
    client.start();
    time.advance(0);
    messages.forEach(([type, body], seq) =>
      client.handleDatagram(handshakeRecord(type, seq, body))
    );
    await assert.rejects(
      client.connected,
      (e: unknown) =>
        e instanceof DtlsError && e.alert === Alert.UnexpectedMessage,
    );
    assert.equal(client.state, "failed");
    const [alert] = parseRecords(sent[sent.length - 1].data);
    assert.equal(alert.type, 21);
    assert.deepEqual(alert.fragment, Uint8Array.of(2, Alert.UnexpectedMessage));
    client.close();
  });
}

test("dtls/client: a ServerHello without a use_srtp profile we offered fails the handshake", async () => {
  const { time, client } = setUp();
  client.start();
  time.advance(0);
  const unoffered = SERVER_HELLO.slice();
  unoffered[unoffered.length - 2] = 2; // AES_CM_128_HMAC_SHA1_32: never offered
  client.handleDatagram(
    handshakeRecord(HandshakeType.ServerHello, 0, unoffered),
  );
  await assert.rejects(
    client.connected,
    (e: unknown) =>
      e instanceof DtlsError && e.alert === Alert.HandshakeFailure,
  );
});
