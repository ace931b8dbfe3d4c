/**
 * SRTP protection profiles negotiated by DTLS-SRTP's use_srtp extension
 * (RFC 5764 §4.1.2, RFC 7714 §14.2).
 *
 * @module
 */

/** Profiles tgcall implements. */
export type SrtpProfileName = "AES_CM_128_HMAC_SHA1_80" | "AEAD_AES_128_GCM";

/** Key material sizes and tag lengths of one profile. */
export interface SrtpProfile {
  /** Name as in the RFCs. */
  readonly name: SrtpProfileName;
  /** The two-byte id carried in use_srtp. */
  readonly id: number;
  /** Master key bytes. */
  readonly keyLength: number;
  /** Master salt bytes. */
  readonly saltLength: number;
  /** Bytes added to each RTP packet. */
  readonly rtpOverhead: number;
  /** Bytes added to each RTCP packet (tag plus the 4-byte E‖index). */
  readonly rtcpOverhead: number;
}

/** The profiles by name; listed in our use_srtp preference order. */
export const SRTP_PROFILES: Readonly<Record<SrtpProfileName, SrtpProfile>> = {
  AES_CM_128_HMAC_SHA1_80: {
    name: "AES_CM_128_HMAC_SHA1_80",
    id: 0x0001,
    keyLength: 16,
    saltLength: 14,
    rtpOverhead: 10,
    rtcpOverhead: 14,
  },
  AEAD_AES_128_GCM: {
    name: "AEAD_AES_128_GCM",
    id: 0x0007,
    keyLength: 16,
    saltLength: 12,
    rtpOverhead: 16,
    rtcpOverhead: 20,
  },
};

/** Looks a profile up by its use_srtp id. */
export function srtpProfileById(id: number): SrtpProfile | undefined {
  return Object.values(SRTP_PROFILES).find((p) => p.id === id);
}

/** Bytes of keying material DTLS must export for a profile (RFC 5764 §4.2). */
export function srtpKeyingMaterialLength(profile: SrtpProfile): number {
  return 2 * (profile.keyLength + profile.saltLength);
}
