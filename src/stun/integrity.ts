/**
 * The two attributes that cover the message itself: MESSAGE-INTEGRITY, an
 * HMAC-SHA1 keyed with the short-term password (RFC 8489 §14.5, the RFC 5389
 * §15.4 rule), and FINGERPRINT, a CRC-32 XORed with 0x5354554e (§14.7,
 * RFC 5389 §15.5). Both are computed with the header length rewritten to
 * end right after the attribute in question.
 *
 * @module
 */

import { hmac } from "@noble/hashes/hmac.js";
import { sha1 } from "@noble/hashes/legacy.js";
import { StunAttr } from "./attributes.ts";
import { crc32 } from "./crc32.ts";
import { STUN_HEADER_LENGTH } from "./header.ts";

/** FINGERPRINT is the CRC-32 XORed with this (RFC 8489 §14.7). */
const FINGERPRINT_XOR = 0x5354554e;

/** MESSAGE-INTEGRITY attribute size, header included. */
export const INTEGRITY_SIZE = 24;

/** FINGERPRINT attribute size, header included. */
export const FINGERPRINT_SIZE = 8;

/** Where a decoded message's integrity attributes are. */
export interface StunIntegrityOffsets {
  /** The datagram the message was decoded from. */
  readonly raw: Uint8Array;
  /** Offset of the MESSAGE-INTEGRITY attribute header, or -1. */
  readonly integrityOffset: number;
  /** Offset of the FINGERPRINT attribute header, or -1. */
  readonly fingerprintOffset: number;
}

/**
 * Writes MESSAGE-INTEGRITY at `at` over `out[0..at)`. Leaves the header
 * length counting the message up to MI's end, as the HMAC saw it; the
 * caller sets the final length afterwards.
 */
export function writeMessageIntegrity(
  out: Uint8Array,
  at: number,
  key: Uint8Array,
): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint16(2, at + INTEGRITY_SIZE - STUN_HEADER_LENGTH);
  const mac = hmac(sha1, key, out.subarray(0, at));
  view.setUint16(at, StunAttr.MessageIntegrity);
  view.setUint16(at + 2, 20);
  out.set(mac, at + 4);
}

/**
 * Writes FINGERPRINT at `at` over `out[0..at)`; the header length must
 * already be final.
 */
export function writeFingerprint(out: Uint8Array, at: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const crc = crc32(out, 0, at) ^ FINGERPRINT_XOR;
  view.setUint16(at, StunAttr.Fingerprint);
  view.setUint16(at + 2, 4);
  view.setUint32(at + 4, crc >>> 0);
}

/**
 * Checks MESSAGE-INTEGRITY with `key`. False when absent or wrong.
 * Constant-time in the tag comparison.
 */
export function verifyMessageIntegrity(
  message: StunIntegrityOffsets,
  key: Uint8Array,
): boolean {
  const at = message.integrityOffset;
  if (at < 0) return false;
  const raw = message.raw;
  const covered = raw.slice(0, at);
  new DataView(covered.buffer).setUint16(
    2,
    at + INTEGRITY_SIZE - STUN_HEADER_LENGTH,
  );
  const mac = hmac(sha1, key, covered);
  let diff = 0;
  for (let i = 0; i < 20; i++) diff |= mac[i] ^ raw[at + 4 + i];
  return diff === 0;
}

/** Checks FINGERPRINT. False when absent or wrong. */
export function verifyFingerprint(message: StunIntegrityOffsets): boolean {
  const at = message.fingerprintOffset;
  if (at < 0) return false;
  const raw = message.raw;
  const expected = (crc32(raw, 0, at) ^ FINGERPRINT_XOR) >>> 0;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return view.getUint32(at + 4) === expected;
}
