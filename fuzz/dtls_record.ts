/**
 * Fuzz target: the DTLS record layer on datagrams from the network
 * (RFC 6347 §4.1): splitting a datagram into records, then opening each
 * with epoch-1 keys installed — AES-GCM authentication (RFC 5288) and
 * the replay window (§4.1.2.6). Both are documented never to throw.
 *
 * Seeds hold plaintext epoch-0 records and records sealed with the
 * server's write key, so mutations reach the authenticated path.
 *
 * @module
 */

import { encodeHandshake, HandshakeType } from "../src/dtls/handshake.ts";
import type { GcmKeys } from "../src/dtls/prf.ts";
import {
  ContentType,
  encodeRecord,
  GcmRecordCipher,
  MAX_RECORD_SEQ,
  parseRecords,
} from "../src/dtls/record.ts";
import { RecordLayer } from "../src/dtls/record_layer.ts";
import { helloVerifyRequest, serverHello } from "./dtls_seeds.ts";
import { concatBytes, nextBytes } from "./mutate.ts";
import { atOddOffset, type FuzzTarget, neverThrows } from "./runner.ts";

const KEYS: GcmKeys = {
  clientKey: Uint8Array.from({ length: 16 }, (_, i) => i),
  serverKey: Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i),
  clientIv: Uint8Array.of(0x20, 0x21, 0x22, 0x23),
  serverIv: Uint8Array.of(0x30, 0x31, 0x32, 0x33),
};

function sealed(type: number, seq: number, plaintext: Uint8Array): Uint8Array {
  const cipher = new GcmRecordCipher(KEYS.serverKey, KEYS.serverIv);
  return encodeRecord(type, 1, seq, cipher.seal(type, 1, seq, plaintext));
}

function seeds(): Uint8Array[] {
  const hello = encodeRecord(
    ContentType.Handshake,
    0,
    1,
    encodeHandshake(HandshakeType.ServerHello, 1, serverHello()),
  );
  const verify = encodeRecord(
    ContentType.Handshake,
    0,
    0,
    encodeHandshake(HandshakeType.HelloVerifyRequest, 0, helloVerifyRequest()),
  );
  const finished = sealed(
    ContentType.Handshake,
    0,
    encodeHandshake(HandshakeType.Finished, 5, new Uint8Array(12).fill(0xf1)),
  );
  const alert = sealed(ContentType.Alert, 1, Uint8Array.of(1, 0));
  return [
    hello,
    verify,
    finished,
    alert,
    encodeRecord(ContentType.ChangeCipherSpec, 0, 2, Uint8Array.of(1)),
    concatBytes(
      hello,
      encodeRecord(ContentType.ChangeCipherSpec, 0, 2, Uint8Array.of(1)),
      finished,
    ),
    concatBytes(finished, alert, alert),
    sealed(ContentType.ApplicationData, MAX_RECORD_SEQ, new Uint8Array(40)),
    sealed(ContentType.Alert, 64, Uint8Array.of(2, 40)),
  ];
}

/** The dtls_record target. */
export const dtlsRecordTarget: FuzzTarget<Uint8Array> = {
  name: "dtls_record",
  drives: "parseRecords, RecordLayer.open (GcmRecordCipher.open, ReplayWindow)",
  seeds,
  generate: (rng, seeds) => nextBytes(rng, seeds, 1500),
  run(input) {
    const layer = new RecordLayer();
    layer.setClientKeys(KEYS);
    const records = neverThrows(
      "parseRecords",
      () => parseRecords(atOddOffset(input)),
    );
    for (const record of records) {
      neverThrows("RecordLayer.open", () => layer.open(record));
    }
  },
};
