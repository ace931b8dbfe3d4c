/**
 * SRTP/SRTCP protection for one direction of one DTLS-SRTP session
 * (RFC 3711, RFC 7714): rollover counters, SRTCP indices and replay
 * windows per SSRC, over a profile's transform.
 *
 * Everything works in place on caller-provided buffers with room for the
 * profile's overhead, and allocates nothing per packet once an SSRC is
 * known. Receive-side methods return -1 instead of throwing, so a forged or
 * corrupt datagram is simply dropped.
 *
 * @module
 */

import { SRTP_PROFILES, type SrtpProfile } from "./profile.ts";
import type { SrtpTransform } from "./transform.ts";
import { AesCmHmacSha1Transform } from "./transform_cm.ts";
import { AesGcmTransform } from "./transform_gcm.ts";

interface RtpStreamState {
  /** The SSRC's bits (signed 32-bit, see `ssrcBits`). */
  readonly ssrc: number;
  roc: number;
  /** Highest sequence number seen (the "s_l" of RFC 3711 Appendix A). */
  seq: number;
}

interface RtcpStreamState {
  /** Last index sent (sender) or highest index accepted (receiver). */
  index: number;
  /**
   * Receiver replay bitmap as a ring, allocated once per SSRC: bit
   * `i % RTCP_WINDOW` set = index `i` seen, for the indices still inside
   * the window, `(index - RTCP_WINDOW, index]`. A ring needs no multi-word
   * shift when the highest index advances, only the newly covered slots
   * cleared.
   */
  readonly seen: Uint32Array;
}

/**
 * SRTCP replay window, in indices. RFC 3711 §3.3.2: SRTP-WINDOW-SIZE "MUST
 * be at least 64, but ... MAY be set to a higher value", and §3.4 applies
 * it to SRTCP indices. 128 is libsrtp's choice for SRTCP (the 128-bit mask
 * of `srtp_rdb_t`) and the default of its SRTP window (`srtp_rdbx`), so
 * reports that a peer sends in a burst after a stall, or that the network
 * reorders, are not dropped as replays.
 * A power of two of at least 32, so a slot is `index & (RTCP_WINDOW - 1)`.
 */
const RTCP_WINDOW = 128;

/**
 * Length of the RTP header at the start of `buf[0..length)`, or -1 when it
 * is not a well-formed RTP version 2 header.
 */
export function rtpHeaderLength(buf: Uint8Array, length: number): number {
  if (length < 12 || (buf[0] >> 6) !== 2) return -1;
  let n = 12 + 4 * (buf[0] & 0x0f);
  if (buf[0] & 0x10) {
    if (n + 4 > length) return -1;
    n += 4 + 4 * ((buf[n + 2] << 8) | buf[n + 3]);
  }
  return n <= length ? n : -1;
}

/**
 * A profile's packet transforms, keyed from the DTLS-SRTP master key and
 * salt (the session keys are derived inside, RFC 3711 §4.3).
 *
 * @throws {RangeError} when the key or salt length does not fit the profile.
 */
export function srtpTransform(
  profile: SrtpProfile,
  masterKey: Uint8Array,
  masterSalt: Uint8Array,
): SrtpTransform {
  if (
    masterKey.length !== profile.keyLength ||
    masterSalt.length !== profile.saltLength
  ) {
    throw new RangeError(
      `Cannot create SRTP context for ${profile.name}: key/salt must be ${profile.keyLength}/${profile.saltLength} bytes, got ${masterKey.length}/${masterSalt.length}`,
    );
  }
  return profile === SRTP_PROFILES.AEAD_AES_128_GCM
    ? AesGcmTransform.fromMaster(masterKey, masterSalt)
    : new AesCmHmacSha1Transform(masterKey, masterSalt);
}

/** One direction of SRTP (local write keys, or remote read keys). */
export class SrtpContext {
  /** The negotiated profile. */
  readonly profile: SrtpProfile;
  readonly #t: SrtpTransform;
  /**
   * RTP streams, searched in order: a call sends two or three SSRCs, and a
   * Map keyed by an SSRC above 2^30 would box the key on every lookup.
   */
  readonly #rtp: RtpStreamState[] = [];
  readonly #rtcp = new Map<number, RtcpStreamState>();

  /**
   * @param profile The profile negotiated in use_srtp.
   * @param masterKey The master key from the DTLS exporter.
   * @param masterSalt The master salt from the DTLS exporter.
   * @throws {RangeError} when the key or salt length does not fit the profile.
   */
  constructor(
    profile: SrtpProfile,
    masterKey: Uint8Array,
    masterSalt: Uint8Array,
  ) {
    this.profile = profile;
    this.#t = srtpTransform(profile, masterKey, masterSalt);
  }

  /**
   * Protects the RTP packet `buf[0..length)` in place; `buf` must have
   * `profile.rtpOverhead` spare bytes. Returns the SRTP length.
   *
   * @throws {RangeError} when the packet is not RTP or `buf` is too small —
   * both are programming errors on the send path.
   */
  protectRtp(buf: Uint8Array, length: number): number {
    const headerLength = rtpHeaderLength(buf, length);
    if (headerLength < 0) {
      throw new RangeError("Cannot protect RTP: malformed header");
    }
    const t = this.#t;
    if (buf.length < length + t.rtpOverhead) {
      throw new RangeError("Cannot protect RTP: no room for the tag");
    }
    const seq = (buf[2] << 8) | buf[3];
    let state = this.#stream(ssrcBits(buf, 8));
    if (!state) {
      state = { ssrc: ssrcBits(buf, 8), roc: 0, seq };
      this.#rtp.push(state);
    }
    const roc = estimateRoc(state, seq);
    if (roc > state.roc || (roc === state.roc && seq > state.seq)) {
      state.roc = roc;
      state.seq = seq;
    }
    // The state's own SSRC value: passing it boxes nothing.
    return t.encryptRtp(buf, headerLength, length, state.ssrc, roc, seq);
  }

  /**
   * Verifies and decrypts the SRTP packet `buf[0..length)` in place.
   * Returns the RTP length, or -1 when malformed or not authentic.
   */
  unprotectRtp(buf: Uint8Array, length: number): number {
    const headerLength = rtpHeaderLength(buf, length);
    if (headerLength < 0) return -1;
    const seq = (buf[2] << 8) | buf[3];
    const ssrc = ssrcBits(buf, 8);
    const state = this.#stream(ssrc);
    const roc = state ? estimateRoc(state, seq) : 0;
    const plain = this.#t.decryptRtp(buf, headerLength, length, ssrc, roc, seq);
    if (plain < 0) return -1;
    if (!state) this.#rtp.push({ ssrc, roc, seq });
    else if (roc > state.roc || (roc === state.roc && seq > state.seq)) {
      state.roc = roc;
      state.seq = seq;
    }
    return plain;
  }

  #stream(ssrc: number): RtpStreamState | undefined {
    const streams = this.#rtp;
    for (let i = 0; i < streams.length; i++) {
      if (streams[i].ssrc === ssrc) return streams[i];
    }
    return undefined;
  }

  /**
   * Protects the compound RTCP packet `buf[0..length)` in place with the
   * next SRTCP index of its sender SSRC (the first is 1, as in libsrtp).
   * `buf` needs `profile.rtcpOverhead` spare bytes.
   *
   * @throws {RangeError} on a malformed packet or a too-small buffer.
   */
  protectRtcp(buf: Uint8Array, length: number): number {
    if (length < 8 || (buf[0] >> 6) !== 2) {
      throw new RangeError("Cannot protect RTCP: malformed header");
    }
    const t = this.#t;
    if (buf.length < length + t.rtcpOverhead) {
      throw new RangeError("Cannot protect RTCP: no room for the trailer");
    }
    const ssrc = ssrcBits(buf, 4);
    let state = this.#rtcp.get(ssrc);
    if (!state) {
      state = { index: 0, seen: new Uint32Array(RTCP_WINDOW / 32) };
      this.#rtcp.set(ssrc, state);
    }
    state.index = (state.index + 1) & 0x7fffffff;
    return t.encryptRtcp(buf, length, ssrc, state.index);
  }

  /**
   * Verifies, replay-checks and decrypts the SRTCP packet `buf[0..length)`
   * in place. Returns the RTCP length, or -1.
   */
  unprotectRtcp(buf: Uint8Array, length: number): number {
    if (length < 8 + this.#t.rtcpOverhead || (buf[0] >> 6) !== 2) return -1;
    const ssrc = ssrcBits(buf, 4);
    const state = this.#rtcp.get(ssrc);
    // Reject a replay before spending the cryptography on it; the index is
    // authenticated, so a forged index fails the tag check below anyway.
    const at = length - this.#t.rtcpIndexFromEnd;
    const claimed =
      ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) |
        buf[at + 3]) & 0x7fffffff;
    if (state && !acceptableIndex(state, claimed)) return -1;
    const result = this.#t.decryptRtcp(buf, length, ssrc);
    if (!result) return -1;
    if (state) markIndex(state, result.index);
    else {
      const first = {
        index: result.index,
        seen: new Uint32Array(RTCP_WINDOW / 32),
      };
      markIndex(first, result.index);
      this.#rtcp.set(ssrc, first);
    }
    return result.length;
  }
}

/**
 * Whether an SRTCP index may still be accepted: newer than the highest,
 * or inside the window and not yet seen. Everything older than the window
 * is refused, as in libsrtp's `srtp_rdb_check`.
 */
function acceptableIndex(state: RtcpStreamState, index: number): boolean {
  if (index > state.index) return true;
  if (state.index - index >= RTCP_WINDOW) return false;
  const slot = index & (RTCP_WINDOW - 1);
  return (state.seen[slot >>> 5] & (1 << (slot & 31))) === 0;
}

/** Records an authenticated index, sliding the window when it is newer. */
function markIndex(state: RtcpStreamState, index: number): void {
  const seen = state.seen;
  if (index > state.index) {
    // The slots of the indices now entering the window still hold bits of
    // indices that just left it (the new index's own slot is set below).
    if (index - state.index >= RTCP_WINDOW) seen.fill(0);
    else {
      for (let i = state.index + 1; i < index; i++) {
        const slot = i & (RTCP_WINDOW - 1);
        seen[slot >>> 5] &= ~(1 << (slot & 31));
      }
    }
    state.index = index;
  }
  const slot = index & (RTCP_WINDOW - 1);
  seen[slot >>> 5] |= 1 << (slot & 31);
}

/**
 * The SSRC at `buf[at..]` as a signed 32-bit number: the transforms only
 * use its bits, and V8 boxes a number above 2^31 used as a Map key or
 * passed to a call it does not inline — one allocation per packet.
 */
function ssrcBits(buf: Uint8Array, at: number): number {
  return (buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) |
    buf[at + 3];
}

/** RFC 3711 Appendix A: the ROC that puts `seq` closest to the highest seen. */
function estimateRoc(state: RtpStreamState, seq: number): number {
  const { roc, seq: last } = state;
  if (last < 0x8000) {
    return seq - last > 0x8000 ? (roc - 1) >>> 0 : roc;
  }
  return last - 0x8000 > seq ? (roc + 1) >>> 0 : roc;
}
