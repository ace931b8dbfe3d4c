/**
 * Certificate and key-exchange messages (RFC 5246 §7.4.2–§7.4.8) for the
 * ECDHE suites (RFC 8422 §5.4, §5.7): what the server sends in flight 4
 * and what we answer in flight 5.
 *
 * @module
 */

import { Reader, Writer } from "./codec.ts";
import { Alert, DtlsError } from "./errors.ts";

/** Named groups (RFC 8422 §5.1.1). */
export const NamedGroup = { Secp256r1: 23, X25519: 29 } as const;

/** SignatureScheme values (RFC 8446 §4.2.3, valid in TLS 1.2 per RFC 8422). */
export const SignatureScheme = {
  RsaPkcs1Sha256: 0x0401,
  EcdsaSecp256r1Sha256: 0x0403,
  EcdsaSecp384r1Sha384: 0x0503,
  RsaPssRsaeSha256: 0x0804,
} as const;

/** ECCurveType named_curve (RFC 8422 §5.4); explicit curves are refused. */
const NAMED_CURVE = 3;

/** Parsed ServerKeyExchange for ECDHE. */
export interface ServerKeyExchange {
  /** Named group. */
  group: number;
  /** The server's ephemeral public key. */
  publicKey: Uint8Array;
  /** The signed bytes' ECParameters ‖ ECPoint part. */
  params: Uint8Array;
  /** SignatureScheme used. */
  scheme: number;
  /** The signature. */
  signature: Uint8Array;
}

/** Parses an ECDHE ServerKeyExchange body (RFC 8422 §5.4). */
export function parseServerKeyExchange(body: Uint8Array): ServerKeyExchange {
  const r = new Reader(body);
  const curveType = r.u8();
  if (curveType !== NAMED_CURVE) {
    throw new DtlsError("Cannot use explicit curves", Alert.IllegalParameter);
  }
  const group = r.u16();
  const publicKey = r.vector(1).slice();
  const params = body.slice(0, 4 + publicKey.length);
  const scheme = r.u16();
  const signature = r.vector(2).slice();
  return { group, publicKey, params, scheme, signature };
}

/** Parses a Certificate body into DER certificates (leaf first). */
export function parseCertificates(body: Uint8Array): Uint8Array[] {
  const list = new Reader(new Reader(body).vector(3));
  const out: Uint8Array[] = [];
  while (list.remaining > 0) out.push(list.vector(3).slice());
  return out;
}

/** Parsed CertificateRequest. */
export interface CertificateRequest {
  /** The signature schemes the server accepts from us. */
  schemes: number[];
}

/** Parses a CertificateRequest: the signature schemes it accepts. */
export function parseCertificateRequest(body: Uint8Array): CertificateRequest {
  const r = new Reader(body);
  r.vector(1); // certificate types
  const list = new Reader(r.vector(2));
  const schemes: number[] = [];
  while (list.remaining >= 2) schemes.push(list.u16());
  return { schemes };
}

/** A Certificate body holding one DER certificate. */
export function encodeCertificate(der: Uint8Array): Uint8Array {
  return new Writer().vector(new Writer().vector(der, 3).finish(), 3)
    .finish();
}

/** A ClientKeyExchange body: our ephemeral ECDH public key (RFC 8422 §5.7). */
export function encodeClientKeyExchange(publicKey: Uint8Array): Uint8Array {
  return new Writer().vector(publicKey, 1).finish();
}

/** A CertificateVerify body: scheme and signature (RFC 5246 §7.4.8). */
export function encodeCertificateVerify(
  scheme: number,
  signature: Uint8Array,
): Uint8Array {
  return new Writer().int(scheme, 2).vector(signature, 2).finish();
}
