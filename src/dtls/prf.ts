/**
 * The TLS 1.2 PRF and the key schedule built on it.
 *
 * - PRF(secret, label, seed) = P_SHA256(secret, label ‖ seed)   RFC 5246 §5
 * - master secret, classic or extended (RFC 7627 §4)
 * - key block for AES-128-GCM: client/server write key and 4-byte IV
 * - Finished verify_data (RFC 5246 §7.4.9)
 * - keying material exporter (RFC 5705 §4), used with
 *   "EXTRACTOR-dtls_srtp" for SRTP keys (RFC 5764 §4.2)
 *
 * @module
 */

import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

const encoder = new TextEncoder();

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** P_SHA256(secret, seed) truncated to `length` bytes. */
export function pSha256(
  secret: Uint8Array,
  seed: Uint8Array,
  length: number,
): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed;
  for (let offset = 0; offset < length;) {
    a = hmac(sha256, secret, a);
    const block = hmac(sha256, secret, concat(a, seed));
    out.set(block.subarray(0, Math.min(block.length, length - offset)), offset);
    offset += block.length;
  }
  return out;
}

/** PRF(secret, label, seed). */
export function prf(
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  length: number,
): Uint8Array {
  return pSha256(secret, concat(encoder.encode(label), seed), length);
}

/** Classic master secret (RFC 5246 §8.1). */
export function masterSecret(
  preMaster: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Uint8Array {
  return prf(
    preMaster,
    "master secret",
    concat(clientRandom, serverRandom),
    48,
  );
}

/** Extended master secret over the session hash (RFC 7627 §4). */
export function extendedMasterSecret(
  preMaster: Uint8Array,
  sessionHash: Uint8Array,
): Uint8Array {
  return prf(preMaster, "extended master secret", sessionHash, 48);
}

/** Record-protection keys for an AES-128-GCM suite. */
export interface GcmKeys {
  /** Client write key. */
  clientKey: Uint8Array;
  /** Server write key. */
  serverKey: Uint8Array;
  /** Client implicit IV (4 bytes). */
  clientIv: Uint8Array;
  /** Server implicit IV (4 bytes). */
  serverIv: Uint8Array;
}

/** The key block for AES-128-GCM suites (RFC 5246 §6.3, RFC 5288 §3). */
export function gcmKeyBlock(
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): GcmKeys {
  const block = prf(
    master,
    "key expansion",
    concat(serverRandom, clientRandom),
    40,
  );
  return {
    clientKey: block.slice(0, 16),
    serverKey: block.slice(16, 32),
    clientIv: block.slice(32, 36),
    serverIv: block.slice(36, 40),
  };
}

/** Finished verify_data: 12 bytes over the transcript hash. */
export function verifyData(
  master: Uint8Array,
  label: "client finished" | "server finished",
  transcriptHash: Uint8Array,
): Uint8Array {
  return prf(master, label, transcriptHash, 12);
}

/** RFC 5705 exporter without context. */
export function exportKeyingMaterial(
  master: Uint8Array,
  label: string,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  length: number,
): Uint8Array {
  return prf(master, label, concat(clientRandom, serverRandom), length);
}
