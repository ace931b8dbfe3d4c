/**
 * The DTLS record layer on untrusted input (RFC 6347 §4.1): header parse
 * and its round trip, truncated and garbage datagrams (never a throw; an
 * overrunning record ends the parse, §4.1.2.7), the 64-record replay
 * window against a reference model (§4.1.2.6), epochs, and AES-GCM
 * record protection (RFC 5288).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { DtlsError } from "../../src/dtls/errors.ts";
import { TgCallError } from "../../src/errors.ts";
import {
  ContentType,
  DTLS_1_2,
  encodeRecord,
  GcmRecordCipher,
  MAX_RECORD_SEQ,
  parseRecords,
  RECORD_HEADER_LENGTH,
  ReplayWindow,
} from "../../src/dtls/record.ts";
import { RecordLayer } from "../../src/dtls/record_layer.ts";
import type { GcmKeys } from "../../src/dtls/prf.ts";
import { test } from "../_support/harness.ts";
import { hex, toHex } from "../_support/hex.ts";

const arbRecord = fc.record({
  type: fc.integer({ min: 0, max: 255 }),
  epoch: fc.integer({ min: 0, max: 0xffff }),
  seq: fc.integer({ min: 0, max: MAX_RECORD_SEQ }),
  fragment: fc.uint8Array({ maxLength: 200 }),
});

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

test("dtls/record: the header is type, version, epoch, 48-bit seq, length (RFC 6347 §4.1)", () => {
  const record = encodeRecord(
    ContentType.Handshake,
    1,
    0x0102_0304_0506,
    Uint8Array.of(0xaa, 0xbb),
  );
  assert.equal(toHex(record), "16fefd00010102030405060002aabb");
  const [parsed] = parseRecords(record);
  assert.equal(parsed.type, ContentType.Handshake);
  assert.equal(parsed.version, DTLS_1_2);
  assert.equal(parsed.epoch, 1);
  assert.equal(parsed.seq, 0x0102_0304_0506);
  assert.equal(toHex(parsed.fragment), "aabb");
});

test("dtls/record: any sequence of records survives encode → parse unchanged", () => {
  fc.assert(
    fc.property(fc.array(arbRecord, { maxLength: 6 }), (records) => {
      const datagram = concat(
        records.map((r) => encodeRecord(r.type, r.epoch, r.seq, r.fragment)),
      );
      const parsed = parseRecords(datagram);
      assert.equal(parsed.length, records.length);
      parsed.forEach((p, i) => {
        assert.equal(p.type, records[i].type);
        assert.equal(p.version, DTLS_1_2);
        assert.equal(p.epoch, records[i].epoch);
        assert.equal(p.seq, records[i].seq);
        assert.deepEqual(p.fragment, records[i].fragment);
      });
    }),
    { numRuns: 1000 },
  );
});

test("dtls/record: a truncated datagram yields exactly the records before the cut", () => {
  fc.assert(
    fc.property(
      fc.array(arbRecord, { minLength: 1, maxLength: 4 }),
      fc.nat(),
      (records, cutSeed) => {
        const encoded = records.map((r) =>
          encodeRecord(r.type, r.epoch, r.seq, r.fragment)
        );
        const datagram = concat(encoded);
        const cut = cutSeed % datagram.length;
        let whole = 0;
        for (let end = 0, i = 0; i < encoded.length; i++) {
          end += encoded[i].length;
          if (end <= cut) whole++;
        }
        const parsed = parseRecords(datagram.subarray(0, cut));
        assert.equal(parsed.length, whole);
      },
    ),
    { numRuns: 1000 },
  );
});

test("dtls/record: garbage datagrams never throw and every record lies inside the datagram", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (datagram) => {
      const parsed = parseRecords(datagram);
      let offset = 0;
      for (const record of parsed) {
        const length = record.fragment.length;
        assert.equal(datagram[offset], record.type);
        assert.equal(
          (datagram[offset + 11] << 8) | datagram[offset + 12],
          length,
        );
        assert.deepEqual(
          record.fragment,
          datagram.subarray(
            offset + RECORD_HEADER_LENGTH,
            offset + RECORD_HEADER_LENGTH + length,
          ),
        );
        offset += RECORD_HEADER_LENGTH + length;
      }
      assert.ok(offset <= datagram.length);
      // What is left over is too short for a header, or overruns.
      const rest = datagram.length - offset;
      assert.ok(
        rest < RECORD_HEADER_LENGTH ||
          RECORD_HEADER_LENGTH +
                ((datagram[offset + 11] << 8) | datagram[offset + 12]) > rest,
      );
    }),
    { numRuns: 3000 },
  );
});

test("dtls/record: a length field that lies past the datagram drops that record, not the ones before", () => {
  const good = encodeRecord(ContentType.Alert, 0, 0, Uint8Array.of(1, 0));
  const liar = encodeRecord(ContentType.Handshake, 0, 1, new Uint8Array(10));
  liar[12] = 11; // claims one byte more than is there
  const parsed = parseRecords(concat([good, liar]));
  assert.equal(parsed.length, 1);
  assert.equal(parsed[0].type, ContentType.Alert);
});

test("dtls/record: fields too wide for the header are a typed error, not a wrapped value", () => {
  const cases: [number, number, Uint8Array][] = [
    [0, 0, new Uint8Array(0x10000)],
    [0x10000, 0, new Uint8Array(1)],
    [-1, 0, new Uint8Array(1)],
    [0, MAX_RECORD_SEQ + 1, new Uint8Array(1)],
    [0, -1, new Uint8Array(1)],
    [0, 0.5, new Uint8Array(1)],
  ];
  for (const [epoch, seq, fragment] of cases) {
    assert.throws(
      () => encodeRecord(ContentType.Handshake, epoch, seq, fragment),
      (e: unknown) => e instanceof DtlsError && e instanceof TgCallError,
    );
  }
  assert.equal(
    encodeRecord(22, 0, 0, new Uint8Array(0xffff)).length,
    RECORD_HEADER_LENGTH + 0xffff,
  );
});

test("dtls/record: the replay window matches a reference model (64 wide, RFC 6347 §4.1.2.6)", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.integer({ min: 0, max: 300 }),
          fc.integer({ min: 0, max: 2 ** 40 }),
        ),
        { maxLength: 200 },
      ),
      (seqs) => {
        const window = new ReplayWindow();
        const seen = new Set<number>();
        let highest = -1;
        for (const seq of seqs) {
          const expected = !seen.has(seq) && highest - seq < 64;
          assert.equal(window.check(seq), expected, `seq ${seq}`);
          if (expected) {
            window.accept(seq);
            seen.add(seq);
            highest = Math.max(highest, seq);
          }
        }
      },
    ),
    { numRuns: 2000 },
  );
});

test("dtls/record: the replay window edges: 63 behind is new, 64 behind is too old", () => {
  const window = new ReplayWindow();
  window.accept(100);
  assert.equal(window.check(100), false);
  assert.equal(window.check(37), true);
  assert.equal(window.check(36), false);
  window.accept(37);
  assert.equal(window.check(37), false);
  window.accept(200); // shifts everything out
  assert.equal(window.check(199), true);
  assert.equal(window.check(100), false);
});

const keys: GcmKeys = {
  clientKey: hex("000102030405060708090a0b0c0d0e0f"),
  serverKey: hex("101112131415161718191a1b1c1d1e1f"),
  clientIv: hex("20212223"),
  serverIv: hex("30313233"),
};

function fromServer(seq: number, plaintext: Uint8Array, epoch = 1) {
  const cipher = new GcmRecordCipher(keys.serverKey, keys.serverIv);
  const fragment = cipher.seal(ContentType.Alert, epoch, seq, plaintext);
  return parseRecords(encodeRecord(ContentType.Alert, epoch, seq, fragment))[0];
}

test("dtls/record: epoch 0 is plaintext; epoch 1 needs keys; there is no epoch 2", () => {
  const layer = new RecordLayer();
  const plain = parseRecords(encodeRecord(21, 0, 5, Uint8Array.of(1, 0)))[0];
  assert.deepEqual(layer.open(plain), Uint8Array.of(1, 0));
  assert.equal(layer.open(fromServer(0, Uint8Array.of(2, 40))), undefined);
  assert.equal(layer.hasKeys, false);
  assert.throws(() => layer.seal(21, 1, Uint8Array.of(1, 0)), DtlsError);
  layer.setClientKeys(keys);
  assert.equal(layer.hasKeys, true);
  assert.deepEqual(
    layer.open(fromServer(1, Uint8Array.of(2, 40))),
    Uint8Array.of(2, 40),
  );
  assert.equal(layer.open(fromServer(2, Uint8Array.of(2, 40), 2)), undefined);
});

test("dtls/record: epoch-1 records are dropped when replayed, tampered or truncated", () => {
  const layer = new RecordLayer();
  layer.setClientKeys(keys);
  const record = fromServer(9, Uint8Array.of(1, 0));
  assert.deepEqual(layer.open(record), Uint8Array.of(1, 0));
  assert.equal(layer.open(record), undefined, "replay");
  const tampered = fromServer(10, Uint8Array.of(1, 0));
  tampered.fragment[tampered.fragment.length - 1] ^= 1;
  assert.equal(layer.open(tampered), undefined, "tampered");
  // The tampered record did not burn its sequence number.
  assert.deepEqual(
    layer.open(fromServer(10, Uint8Array.of(1, 0))),
    Uint8Array.of(1, 0),
  );
  const short = { ...fromServer(11, Uint8Array.of(1, 0)) };
  short.fragment = short.fragment.subarray(0, 23);
  assert.equal(layer.open(short), undefined, "shorter than nonce + tag");
});

test("dtls/record: each epoch has its own write sequence; epoch-1 records open with the peer's keys", () => {
  const layer = new RecordLayer();
  layer.setClientKeys(keys);
  const sent = [
    layer.seal(22, 0, Uint8Array.of(1)),
    layer.seal(20, 0, Uint8Array.of(1)),
    layer.seal(22, 1, Uint8Array.of(7, 7, 7)),
    layer.seal(21, 1, Uint8Array.of(1, 0)),
  ].map((r) => parseRecords(r)[0]);
  assert.deepEqual(sent.map((r) => [r.epoch, r.seq]), [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  const peer = new GcmRecordCipher(keys.clientKey, keys.clientIv);
  assert.deepEqual(peer.open(sent[2]), Uint8Array.of(7, 7, 7));
  assert.deepEqual(peer.open(sent[3]), Uint8Array.of(1, 0));
});

test("dtls/record: garbage epoch-1 records never throw and never open", () => {
  const layer = new RecordLayer();
  layer.setClientKeys(keys);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: MAX_RECORD_SEQ }),
      fc.uint8Array({ maxLength: 120 }),
      (type, seq, fragment) => {
        const record = { type, version: DTLS_1_2, epoch: 1, seq, fragment };
        assert.equal(layer.open(record), undefined);
      },
    ),
    { numRuns: 2000 },
  );
});
