/**
 * Authenticating the server and agreeing on a pre-master secret for the
 * ECDHE suites (RFC 8422 §5.4, §5.10).
 *
 * The server is authenticated twice, as pion does and werift does not: the
 * ServerKeyExchange signature must verify with the certificate's key, and
 * the certificate must match a fingerprint from the remote JSON (RFC 8122
 * §5, the a=fingerprint of WebRTC).
 *
 * @module
 */

import { p256, p384 } from "@noble/curves/nist.js";
import { x25519 } from "@noble/curves/ed25519.js";
import {
  type FingerprintHash,
  fingerprintOf,
  normalizeFingerprint,
  type PeerPublicKey,
  peerPublicKey,
} from "./certificate.ts";
import { DerError } from "./der.ts";
import { Alert, DtlsError } from "./errors.ts";
import { CipherSuite } from "./hello_messages.ts";
import {
  type CertificateRequest,
  NamedGroup,
  type ServerKeyExchange,
  SignatureScheme,
} from "./key_exchange_messages.ts";

/** A fingerprint the server's certificate may match. */
export interface RemoteFingerprint {
  /** Hash function name. */
  hash: FingerprintHash;
  /** Colon-separated hex, any case. */
  fingerprint: string;
}

/** The schemes {@linkcode verifyServerKeyExchange} can check, as offered in signature_algorithms. */
export const SCHEMES_WE_VERIFY: readonly number[] = [
  SignatureScheme.EcdsaSecp256r1Sha256,
  SignatureScheme.EcdsaSecp384r1Sha384,
  SignatureScheme.RsaPssRsaeSha256,
  SignatureScheme.RsaPkcs1Sha256,
];

/** The groups {@linkcode ecdhe} implements, as offered in supported_groups. */
export const GROUPS_WE_OFFER: readonly number[] = [
  NamedGroup.X25519,
  NamedGroup.Secp256r1,
];

/** Throws `bad_certificate` unless `der` matches one of `fingerprints`. */
export function checkFingerprint(
  der: Uint8Array,
  fingerprints: readonly RemoteFingerprint[],
): void {
  const ok = fingerprints.some((f) =>
    fingerprintOf(der, f.hash) === normalizeFingerprint(f.fingerprint)
  );
  if (!ok) {
    throw new DtlsError(
      "DTLS server certificate does not match the remote fingerprint",
      Alert.BadCertificate,
    );
  }
}

/**
 * The server certificate's public key, which must suit the negotiated
 * suite: EC for ECDHE_ECDSA, RSA for ECDHE_RSA.
 */
export function serverSigningKey(
  der: Uint8Array,
  cipherSuite: number,
): PeerPublicKey {
  let key: PeerPublicKey;
  try {
    key = peerPublicKey(der);
  } catch (error) {
    throw new DtlsError(
      `Cannot use the server certificate: ${
        error instanceof DerError ? error.message : String(error)
      }`,
      Alert.UnsupportedCertificate,
    );
  }
  const wantEc = cipherSuite === CipherSuite.EcdheEcdsaAes128GcmSha256;
  if ((key.kind === "ec") !== wantEc) {
    throw new DtlsError(
      "DTLS certificate key type does not match the cipher suite",
      Alert.IllegalParameter,
    );
  }
  return key;
}

/**
 * Checks the ServerKeyExchange signature over client random ‖ server
 * random ‖ params (RFC 8422 §5.4); throws `decrypt_error` if it fails.
 */
export async function verifyServerKeyExchange(
  key: PeerPublicKey,
  ske: ServerKeyExchange,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Promise<void> {
  const signed = new Uint8Array(64 + ske.params.length);
  signed.set(clientRandom);
  signed.set(serverRandom, 32);
  signed.set(ske.params, 64);
  if (!await verifySignature(key, ske.scheme, signed, ske.signature)) {
    throw new DtlsError(
      "DTLS ServerKeyExchange signature does not verify",
      Alert.DecryptError,
    );
  }
}

/** Our ephemeral public key and the shared pre-master secret. */
export interface EcdheResult {
  /** Goes into ClientKeyExchange. */
  publicKey: Uint8Array;
  /** The shared x-coordinate (RFC 8422 §5.10). */
  preMaster: Uint8Array;
}

/** Generates our ephemeral key in the server's group and derives the pre-master secret. */
export function ecdhe(group: number, serverPublicKey: Uint8Array): EcdheResult {
  if (group === NamedGroup.X25519) {
    const secret = x25519.utils.randomSecretKey();
    try {
      return {
        publicKey: x25519.getPublicKey(secret),
        preMaster: x25519.getSharedSecret(secret, serverPublicKey),
      };
    } catch {
      // A length other than 32, or a low-order point (all-zero secret).
      throw new DtlsError(
        "DTLS server sent an invalid X25519 public key",
        Alert.IllegalParameter,
      );
    }
  }
  if (group === NamedGroup.Secp256r1) {
    const secret = p256.utils.randomSecretKey();
    const publicKey = p256.getPublicKey(secret, false);
    try {
      const shared = p256.getSharedSecret(secret, serverPublicKey, true);
      return { publicKey, preMaster: shared.slice(1) };
    } catch {
      throw new DtlsError(
        "DTLS server sent an invalid P-256 point",
        Alert.IllegalParameter,
      );
    }
  }
  throw new DtlsError(
    `Cannot use named group ${group}: not offered`,
    Alert.IllegalParameter,
  );
}

/**
 * Our CertificateVerify signature over the handshake so far. Our
 * certificates are P-256, so the server must accept
 * ecdsa_secp256r1_sha256.
 */
export function signTranscript(
  request: CertificateRequest,
  transcript: Uint8Array,
  privateKey: Uint8Array,
): { scheme: number; signature: Uint8Array } {
  const scheme = SignatureScheme.EcdsaSecp256r1Sha256;
  if (!request.schemes.includes(scheme)) {
    throw new DtlsError(
      "DTLS server does not accept ecdsa_secp256r1_sha256 client signatures",
      Alert.HandshakeFailure,
    );
  }
  const signature = p256.sign(transcript, privateKey, {
    prehash: true,
    format: "der",
  });
  return { scheme, signature };
}

async function verifySignature(
  key: PeerPublicKey,
  scheme: number,
  signed: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  try {
    if (key.kind === "ec") {
      // OpenSSL does not normalise S, so high-S signatures are legitimate.
      const options = { prehash: true, format: "der", lowS: false } as const;
      if (
        scheme === SignatureScheme.EcdsaSecp256r1Sha256 && key.curve === "P-256"
      ) return p256.verify(signature, signed, key.point, options);
      if (
        scheme === SignatureScheme.EcdsaSecp384r1Sha384 && key.curve === "P-384"
      ) return p384.verify(signature, signed, key.point, options);
      return false;
    }
    const algorithm = scheme === SignatureScheme.RsaPkcs1Sha256
      ? { name: "RSASSA-PKCS1-v1_5" }
      : scheme === SignatureScheme.RsaPssRsaeSha256
      ? { name: "RSA-PSS", saltLength: 32 }
      : undefined;
    if (!algorithm) return false;
    const publicKey = await crypto.subtle.importKey(
      "spki",
      key.spki as Uint8Array<ArrayBuffer>,
      { name: algorithm.name, hash: "SHA-256" },
      false,
      ["verify"],
    );
    return await crypto.subtle.verify(
      algorithm,
      publicKey,
      signature as Uint8Array<ArrayBuffer>,
      signed as Uint8Array<ArrayBuffer>,
    );
  } catch {
    return false;
  }
}
