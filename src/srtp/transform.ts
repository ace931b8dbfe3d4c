/**
 * The internal seam between the SRTP context (ROC, indices, replay) and a
 * profile's cryptography. Every method works in place on `buf`.
 *
 * @module
 */

/** @internal One profile's packet transforms. */
export interface SrtpTransform {
  /** Bytes RTP protection appends. */
  readonly rtpOverhead: number;
  /** Bytes RTCP protection appends. */
  readonly rtcpOverhead: number;
  /** Where E‖index sits, counted back from the end of an SRTCP packet. */
  readonly rtcpIndexFromEnd: number;
  /** Encrypts and tags; returns the new length. */
  encryptRtp(
    buf: Uint8Array,
    headerLength: number,
    length: number,
    ssrc: number,
    roc: number,
    seq: number,
  ): number;
  /** Verifies and decrypts; returns the plaintext length or -1. */
  decryptRtp(
    buf: Uint8Array,
    headerLength: number,
    length: number,
    ssrc: number,
    roc: number,
    seq: number,
  ): number;
  /** Encrypts, appends E‖index and tags; returns the new length. */
  encryptRtcp(
    buf: Uint8Array,
    length: number,
    ssrc: number,
    index: number,
  ): number;
  /** Verifies and decrypts; undefined when authentication fails. */
  decryptRtcp(
    buf: Uint8Array,
    length: number,
    ssrc: number,
  ): { length: number; index: number } | undefined;
}
