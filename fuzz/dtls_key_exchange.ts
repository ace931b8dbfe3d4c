/**
 * Fuzz target: the key-exchange messages of the server's flight 4
 * (RFC 5246 §7.4.2–§7.4.4, RFC 8422 §5.4): Certificate, ServerKeyExchange
 * and CertificateRequest. A ServerKeyExchange that parses also goes, one
 * input in 64 (ECDH costs a millisecond), through `ecdhe` with the
 * server's public key, which is the next thing to read those bytes.
 *
 * An input is one selector byte (mod 3: ServerKeyExchange, Certificate,
 * CertificateRequest) and then the message body.
 *
 * @module
 */

import { x25519 } from "@noble/curves/ed25519.js";
import { ecdhe } from "../src/dtls/key_exchange.ts";
import {
  encodeCertificate,
  NamedGroup,
  parseCertificateRequest,
  parseCertificates,
  parseServerKeyExchange,
  SignatureScheme,
} from "../src/dtls/key_exchange_messages.ts";
import { Writer } from "../src/dtls/codec.ts";
import {
  certificateRequest,
  certificates,
  p256Point,
  serverKeyExchange,
} from "./dtls_seeds.ts";
import { concatBytes, fnv1a, nextBytes } from "./mutate.ts";
import type { FuzzTarget } from "./runner.ts";

function seeds(): Uint8Array[] {
  const der = certificates();
  const chain = new Writer();
  for (const d of der) chain.vector(d, 3);
  const exchanges = [
    serverKeyExchange(
      NamedGroup.X25519,
      x25519.getPublicKey(new Uint8Array(32).fill(9)),
    ),
    serverKeyExchange(NamedGroup.Secp256r1, p256Point()),
    serverKeyExchange(NamedGroup.X25519, new Uint8Array(32)), // low order
    serverKeyExchange(
      NamedGroup.Secp256r1,
      new Uint8Array(65).fill(4),
      SignatureScheme.RsaPssRsaeSha256,
    ),
  ];
  return [
    ...exchanges.map((b) => concatBytes(Uint8Array.of(0), b)),
    concatBytes(Uint8Array.of(1), encodeCertificate(der[0])),
    concatBytes(
      Uint8Array.of(1),
      new Writer().vector(chain.finish(), 3).finish(),
    ),
    concatBytes(Uint8Array.of(1), Uint8Array.of(0, 0, 0)),
    concatBytes(Uint8Array.of(2), certificateRequest()),
    concatBytes(Uint8Array.of(2), certificateRequest([0x0401, 0x0503, 0x0201])),
  ];
}

/** The dtls_key_exchange target. */
export const dtlsKeyExchangeTarget: FuzzTarget<Uint8Array> = {
  name: "dtls_key_exchange",
  drives:
    "parseServerKeyExchange (+ ecdhe), parseCertificates, parseCertificateRequest",
  seeds,
  generate: (rng, seeds) => nextBytes(rng, seeds, 4096),
  run(input) {
    if (input.length === 0) return;
    const body = input.subarray(1);
    switch (input[0] % 3) {
      case 0: {
        const ske = parseServerKeyExchange(body);
        if (fnv1a(input) % 64 === 0) ecdhe(ske.group, ske.publicKey);
        break;
      }
      case 1:
        parseCertificates(body);
        break;
      default:
        parseCertificateRequest(body);
    }
  },
};
