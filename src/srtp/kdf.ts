/**
 * SRTP key derivation (RFC 3711 §4.3) with key_derivation_rate 0, which is
 * what DTLS-SRTP uses: the session keys depend only on the label.
 *
 *   x  = (label ‖ 0^48) XOR master_salt      (right-aligned, RFC 3711 §4.3.1)
 *   key = AES-CM(master_key, x · 2^16)        (first `length` bytes)
 *
 * For the 12-byte GCM salt (RFC 7714 §11) the salt is left-aligned in the
 * same 14-byte field, as libsrtp and pion do; the label stays at byte 7.
 *
 * @module
 */

import { ctrXorInPlace, expandAesKey } from "./aes.ts";

/** Labels (RFC 3711 §4.3.1, §4.3.2). */
export const SrtpLabel = {
  RtpEncryption: 0,
  RtpAuthentication: 1,
  RtpSalt: 2,
  RtcpEncryption: 3,
  RtcpAuthentication: 4,
  RtcpSalt: 5,
} as const;

/** Derives `length` bytes of session key material for `label`. */
export function deriveSessionKey(
  masterKey: Uint8Array,
  masterSalt: Uint8Array,
  label: number,
  length: number,
): Uint8Array {
  if (masterSalt.length > 14) {
    throw new RangeError("Cannot derive SRTP keys: master salt over 14 bytes");
  }
  const iv = new Uint8Array(16);
  iv.set(masterSalt);
  iv[7] ^= label;
  const view = new DataView(iv.buffer);
  const out = new Uint8Array(length);
  ctrXorInPlace(
    expandAesKey(masterKey),
    view.getUint32(0),
    view.getUint32(4),
    view.getUint32(8),
    view.getUint32(12),
    out,
    0,
    length,
  );
  return out;
}
