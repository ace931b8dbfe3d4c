/**
 * The TLS 1.2 PRF (IETF TLS WG P_SHA256 vector) and the DTLS key schedule
 * (pion/werift X25519 → master secret → keys vector).
 */
import assert from "node:assert/strict";
import { x25519 } from "@noble/curves/ed25519.js";
import {
  exportKeyingMaterial,
  gcmKeyBlock,
  masterSecret,
  pSha256,
} from "../../src/dtls/prf.ts";
import { test } from "../_support/harness.ts";
import { hex, toHex } from "../_support/hex.ts";

const seq = (from: number, n: number) =>
  Uint8Array.from({ length: n }, (_, i) => from + i);

test('prf: P_SHA256 test vector (100 bytes, label "test label")', () => {
  const out = pSha256(
    hex("9bbe436ba940f017b17652849a71db35"),
    new Uint8Array([
      ...new TextEncoder().encode("test label"),
      ...hex("a0ba9f936cda311827a6f796ffd5198c"),
    ]),
    100,
  );
  assert.equal(
    toHex(out),
    "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66",
  );
});

test("prf: X25519 pre-master → master secret → AES-128-GCM keys → SRTP exporter", () => {
  const preMaster = x25519.getSharedSecret(
    seq(0x20, 32),
    hex("9fd7ad6dcff4298dd3f96d5b1b2af910a0535b1488d7f8fabb349a982880b615"),
  );
  assert.equal(
    toHex(preMaster),
    "df4a291baa1eb7cfa6934b29b474baad2697e29f1f920dcc77c8a0a088447624",
  );
  const clientRandom = seq(0, 32), serverRandom = seq(0x70, 32);
  const master = masterSecret(preMaster, clientRandom, serverRandom);
  assert.equal(
    toHex(master),
    "916abf9da55973e13614ae0a3f5d3f37b023ba129aee02cc9134338127cd7049781c8e19fc1eb2a7387ac06ae237344c",
  );
  const keys = gcmKeyBlock(master, clientRandom, serverRandom);
  assert.equal(toHex(keys.clientKey), "1b7d117c7d5f690bc263cae8ef60af0f");
  assert.equal(toHex(keys.serverKey), "1878acc22ad8bdd8c601a617126f6354");
  assert.equal(toHex(keys.clientIv), "0eb20906");
  assert.equal(toHex(keys.serverIv), "f781fad2");
  assert.equal(
    toHex(
      exportKeyingMaterial(
        master,
        "EXTRACTOR-dtls_srtp",
        clientRandom,
        serverRandom,
        60,
      ),
    ),
    "05ac5a731ad359d5186dee7f9b46fbd534f0af013b341b9f5c2dcad39186656e288e38b7551f9f181f7c7bcafcab035688fddcb8fbd3fb32a099c06b",
  );
});
