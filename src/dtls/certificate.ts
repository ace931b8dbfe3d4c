/**
 * The DTLS identity: a self-signed ECDSA P-256 certificate whose SHA-256
 * fingerprint goes into the join JSON (RFC 8122 §5 format: upper-case hex,
 * colon-separated), and the parsing of the peer's certificate public key.
 *
 * Generating a certificate costs a key pair and one signature (~ms), so the
 * Client keeps a pool of them off the hot path.
 *
 * @module
 */

import { p256 } from "@noble/curves/nist.js";
import { sha1 } from "@noble/hashes/legacy.js";
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import {
  children,
  DerError,
  integer,
  oid,
  oidText,
  readTlv,
  Tag,
  tlv,
} from "./der.ts";

const OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";
const OID_P256 = "1.2.840.10045.3.1.7";
const OID_P384 = "1.3.132.0.34";
const OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2";
const OID_RSA = "1.2.840.113549.1.1.1";
const OID_COMMON_NAME = "2.5.4.3";

/** A local certificate and its private key. */
export interface DtlsCertificate {
  /** DER-encoded X.509 certificate. */
  readonly der: Uint8Array;
  /** P-256 private scalar (32 bytes). */
  readonly privateKey: Uint8Array;
  /** Uncompressed public point (65 bytes). */
  readonly publicKey: Uint8Array;
  /** `sha-256` fingerprint, e.g. `"AB:CD:…"`. */
  readonly fingerprint: string;
}

/** Options for {@linkcode generateCertificate}. */
export interface CertificateOptions {
  /** Subject and issuer common name; default `"tgcall"`. */
  commonName?: string;
  /** Validity start; default one day ago (tolerates peers with skewed clocks). */
  notBefore?: Date;
  /** Validity length in days; default 30, as pion's WebRTC certificates. */
  days?: number;
}

function utcTime(date: Date): Uint8Array {
  const p = (n: number) => String(n).padStart(2, "0");
  const text =
    `${p(date.getUTCFullYear() % 100)}${p(date.getUTCMonth() + 1)}${
      p(date.getUTCDate())
    }` +
    `${p(date.getUTCHours())}${p(date.getUTCMinutes())}${
      p(date.getUTCSeconds())
    }Z`;
  return tlv(Tag.UtcTime, new TextEncoder().encode(text));
}

/** Generates a fresh self-signed ECDSA P-256 certificate. */
export function generateCertificate(
  options: CertificateOptions = {},
): DtlsCertificate {
  const privateKey = p256.utils.randomSecretKey();
  const publicKey = p256.getPublicKey(privateKey, false);
  const name = tlv(
    Tag.Sequence,
    tlv(
      Tag.Set,
      tlv(
        Tag.Sequence,
        oid(OID_COMMON_NAME),
        tlv(
          Tag.Utf8String,
          new TextEncoder().encode(options.commonName ?? "tgcall"),
        ),
      ),
    ),
  );
  const notBefore = options.notBefore ?? new Date(Date.now() - 86_400_000);
  const notAfter = new Date(
    notBefore.getTime() + (options.days ?? 30) * 86_400_000,
  );
  const signatureAlgorithm = tlv(Tag.Sequence, oid(OID_ECDSA_SHA256));
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] &= 0x7f; // positive
  const tbs = tlv(
    Tag.Sequence,
    tlv(Tag.Context0, integer(Uint8Array.of(2))), // v3
    integer(serial),
    signatureAlgorithm,
    name,
    tlv(Tag.Sequence, utcTime(notBefore), utcTime(notAfter)),
    name,
    tlv(
      Tag.Sequence,
      tlv(Tag.Sequence, oid(OID_EC_PUBLIC_KEY), oid(OID_P256)),
      tlv(Tag.BitString, Uint8Array.of(0), publicKey),
    ),
  );
  const signature = p256.sign(tbs, privateKey, {
    prehash: true,
    format: "der",
  });
  const der = tlv(
    Tag.Sequence,
    tbs,
    signatureAlgorithm,
    tlv(Tag.BitString, Uint8Array.of(0), signature),
  );
  return {
    der,
    privateKey,
    publicKey,
    fingerprint: fingerprintOf(der, "sha-256"),
  };
}

/** Fingerprint hash names accepted in the remote JSON (RFC 8122 §5). */
export type FingerprintHash = "sha-1" | "sha-256" | "sha-384" | "sha-512";

/** Computes a certificate fingerprint in RFC 8122 form. */
export function fingerprintOf(der: Uint8Array, hash: FingerprintHash): string {
  const digest = hash === "sha-1"
    ? sha1(der)
    : hash === "sha-384"
    ? sha384(der)
    : hash === "sha-512"
    ? sha512(der)
    : sha256(der);
  return Array.from(
    digest,
    (b) => b.toString(16).padStart(2, "0").toUpperCase(),
  ).join(":");
}

/** Normalises a fingerprint for comparison: upper case, colon-separated. */
export function normalizeFingerprint(text: string): string {
  const hex = text.replace(/[^0-9a-fA-F]/g, "").toUpperCase();
  return hex.match(/.{1,2}/g)?.join(":") ?? "";
}

/** The public key found in a peer certificate. */
export type PeerPublicKey =
  | { kind: "ec"; curve: "P-256" | "P-384"; point: Uint8Array }
  | { kind: "rsa"; spki: Uint8Array };

/**
 * Extracts the subject public key from a DER certificate.
 *
 * @throws {DerError} when the certificate is malformed or its key type is
 * not one DTLS-SRTP peers use (EC P-256/P-384, RSA).
 */
export function peerPublicKey(der: Uint8Array): PeerPublicKey {
  const cert = readTlv(der);
  if (cert.tag !== Tag.Sequence) {
    throw new DerError("Cannot read certificate: not a SEQUENCE");
  }
  const tbs = children(cert)[0];
  if (!tbs || tbs.tag !== Tag.Sequence) {
    throw new DerError("Cannot read certificate: no tbsCertificate");
  }
  const fields = children(tbs);
  // version [0] is optional; subjectPublicKeyInfo is the 6th field after it.
  const base = fields[0]?.tag === Tag.Context0 ? 1 : 0;
  const spki = fields[base + 5];
  if (!spki || spki.tag !== Tag.Sequence) {
    throw new DerError("Cannot read certificate: no subjectPublicKeyInfo");
  }
  const [algorithm, key] = children(spki);
  if (!algorithm || !key || key.tag !== Tag.BitString) {
    throw new DerError("Cannot read certificate: malformed key");
  }
  const [algOid, params] = children(algorithm);
  if (!algOid || algOid.tag !== Tag.Oid) {
    throw new DerError("Cannot read certificate: key algorithm is not an OID");
  }
  const alg = oidText(algOid.content);
  if (alg === OID_RSA) return { kind: "rsa", spki: spki.whole.slice() };
  if (alg === OID_EC_PUBLIC_KEY && params?.tag === Tag.Oid) {
    const curve = oidText(params.content);
    const point = key.content.slice(1);
    if (curve === OID_P256) return { kind: "ec", curve: "P-256", point };
    if (curve === OID_P384) return { kind: "ec", curve: "P-384", point };
  }
  throw new DerError(`Cannot use certificate key algorithm ${alg}`);
}
