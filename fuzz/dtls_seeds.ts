/**
 * Valid DTLS server messages for the DTLS fuzz targets to start from: the
 * bodies of flight 2 and flight 4 (RFC 6347 §4.2.4), built with our own
 * codecs, and certificates with each key type a peer may present.
 *
 * @module
 */

import { x25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { Writer } from "../src/dtls/codec.ts";
import { integer, oid, Tag, tlv } from "../src/dtls/der.ts";
import {
  CipherSuite,
  ExtensionType,
  UseSrtpProfileId,
} from "../src/dtls/hello_messages.ts";
import {
  encodeCertificate,
  NamedGroup,
  SignatureScheme,
} from "../src/dtls/key_exchange_messages.ts";
import { HandshakeType } from "../src/dtls/handshake.ts";

const RANDOM = Uint8Array.from({ length: 32 }, (_, i) => i);

function extension(type: number, data: Uint8Array): Uint8Array {
  return new Writer().int(type, 2).vector(data, 2).finish();
}

/** A ServerHello body; `extensions` undefined leaves the block out. */
export function serverHello(
  extensions: Uint8Array[] | undefined = [
    extension(
      ExtensionType.UseSrtp,
      new Writer().vector([0, UseSrtpProfileId.AeadAes128Gcm], 2).int(0, 1)
        .finish(),
    ),
    extension(ExtensionType.ExtendedMasterSecret, new Uint8Array(0)),
    extension(ExtensionType.RenegotiationInfo, Uint8Array.of(0)),
  ],
  suite: number = CipherSuite.EcdheEcdsaAes128GcmSha256,
): Uint8Array {
  const w = new Writer().int(0xfefd, 2).put(RANDOM).vector([1, 2, 3, 4], 1)
    .int(suite, 2).int(0, 1);
  if (extensions) {
    const all = new Writer();
    for (const e of extensions) all.put(e);
    w.vector(all.finish(), 2);
  }
  return w.finish();
}

/** A HelloVerifyRequest body. */
export function helloVerifyRequest(
  version = 0xfeff,
  cookie = Uint8Array.from({ length: 20 }, (_, i) => 0xc0 ^ i),
): Uint8Array {
  return new Writer().int(version, 2).vector(cookie, 1).finish();
}

/** An ECDHE ServerKeyExchange body (RFC 8422 §5.4). */
export function serverKeyExchange(
  group: number,
  publicKey: Uint8Array,
  scheme: number = SignatureScheme.EcdsaSecp256r1Sha256,
  signature: Uint8Array = new Uint8Array(71).fill(0x5a),
): Uint8Array {
  return new Writer().int(3, 1).int(group, 2).vector(publicKey, 1)
    .int(scheme, 2).vector(signature, 2).finish();
}

/** A CertificateRequest body: certificate types, schemes, no CAs. */
export function certificateRequest(
  schemes: number[] = [SignatureScheme.EcdsaSecp256r1Sha256, 0x0804],
): Uint8Array {
  const list = new Writer();
  for (const s of schemes) list.int(s, 2);
  return new Writer().vector([0x40, 0x01], 1).vector(list.finish(), 2)
    .vector([], 2).finish();
}

function name(text: string): Uint8Array {
  return tlv(
    Tag.Sequence,
    tlv(
      Tag.Set,
      tlv(
        Tag.Sequence,
        oid("2.5.4.3"),
        tlv(Tag.Utf8String, new TextEncoder().encode(text)),
      ),
    ),
  );
}

/** A certificate around `spki`, unsigned (the key reader does not verify). */
function certificateWith(spki: Uint8Array, version = true): Uint8Array {
  const algorithm = tlv(Tag.Sequence, oid("1.2.840.10045.4.3.2"));
  const validity = tlv(
    Tag.Sequence,
    tlv(Tag.UtcTime, new TextEncoder().encode("250101000000Z")),
    tlv(Tag.UtcTime, new TextEncoder().encode("350101000000Z")),
  );
  const fields = [
    integer(Uint8Array.of(0x01, 0x23)),
    algorithm,
    name("sfu"),
    validity,
    name("sfu"),
    spki,
  ];
  if (version) fields.unshift(tlv(Tag.Context0, integer(Uint8Array.of(2))));
  return tlv(
    Tag.Sequence,
    tlv(Tag.Sequence, ...fields),
    algorithm,
    tlv(Tag.BitString, Uint8Array.of(0), new Uint8Array(70).fill(0x33)),
  );
}

/**
 * Certificates with every key type the reader accepts, and a refused one;
 * the same bytes in every run (no random keys), so a seed replays.
 */
export function certificates(): Uint8Array[] {
  const ecKey = (curve: string, point: Uint8Array) =>
    tlv(
      Tag.Sequence,
      tlv(Tag.Sequence, oid("1.2.840.10045.2.1"), oid(curve)),
      tlv(Tag.BitString, Uint8Array.of(0), point),
    );
  const modulus = new Uint8Array(256).fill(0xc5);
  const rsa = tlv(
    Tag.Sequence,
    tlv(Tag.Sequence, oid("1.2.840.113549.1.1.1"), tlv(Tag.Null)),
    tlv(
      Tag.BitString,
      Uint8Array.of(0),
      tlv(Tag.Sequence, integer(modulus), integer(Uint8Array.of(1, 0, 1))),
    ),
  );
  const ed25519 = tlv(
    Tag.Sequence,
    tlv(Tag.Sequence, oid("1.3.101.112")),
    tlv(Tag.BitString, Uint8Array.of(0), new Uint8Array(32).fill(7)),
  );
  const p384Point = new Uint8Array(97).fill(0x42);
  p384Point[0] = 4;
  return [
    certificateWith(ecKey("1.2.840.10045.3.1.7", p256Point())),
    certificateWith(rsa),
    certificateWith(ecKey("1.3.132.0.34", p384Point), false),
    certificateWith(ed25519),
  ];
}

/** Server flight bodies by handshake type, for the reassembly target. */
export function serverFlight(): { type: number; body: Uint8Array }[] {
  const der = certificates();
  return [
    { type: HandshakeType.ServerHello, body: serverHello() },
    { type: HandshakeType.Certificate, body: encodeCertificate(der[0]) },
    {
      type: HandshakeType.ServerKeyExchange,
      body: serverKeyExchange(
        NamedGroup.X25519,
        x25519.getPublicKey(new Uint8Array(32).fill(9)),
      ),
    },
    { type: HandshakeType.CertificateRequest, body: certificateRequest() },
    { type: HandshakeType.ServerHelloDone, body: new Uint8Array(0) },
  ];
}

/** A P-256 public point, for a ServerKeyExchange in that group. */
export function p256Point(): Uint8Array {
  return p256.getPublicKey(new Uint8Array(32).fill(3), false);
}
