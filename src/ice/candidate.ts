/**
 * ICE candidates as tgcall needs them (RFC 8445 §5.1): the remote side's
 * from the answer JSON, and the priority formula for our checks.
 *
 * @module
 */

/** Candidate types. */
export type CandidateType = "host" | "srflx" | "prflx" | "relay";

/** A remote UDP candidate. */
export interface IceCandidate {
  /** IP address text. */
  address: string;
  /** UDP port. */
  port: number;
  /** Candidate priority. */
  priority: number;
  /** Candidate type. */
  type: CandidateType;
  /** Foundation string. */
  foundation: string;
}

/** Type preferences recommended by RFC 8445 §5.1.2.2. */
const TYPE_PREFERENCE: Record<CandidateType, number> = {
  host: 126,
  prflx: 110,
  srflx: 100,
  relay: 0,
};

/**
 * priority = 2^24·type-pref + 2^8·local-pref + (256 − component)
 * (RFC 8445 §5.1.2.1). Our checks carry the priority a peer-reflexive
 * candidate of ours would have (§7.1.1).
 */
export function candidatePriority(
  type: CandidateType,
  localPreference = 65535,
  component = 1,
): number {
  return TYPE_PREFERENCE[type] * 2 ** 24 + localPreference * 2 ** 8 +
    (256 - component);
}

/** Whether `address` is an IPv6 literal. */
export function isIpv6(address: string): boolean {
  return address.includes(":");
}
