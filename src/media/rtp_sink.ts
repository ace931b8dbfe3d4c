/**
 * Where a call's outgoing RTP and RTCP go: the transport protects each
 * packet in place (SRTP, RFC 3711) and sends it. Every part of the media
 * sender writes through this one interface, so tests can record the wire.
 *
 * @module
 */

/** Where protected packets go (a PeerTransport, or a test sink). */
export interface RtpSink {
  /** Protects and sends RTP in place; `buf` has room for the SRTP tag. */
  sendRtp(buf: Uint8Array, length: number): boolean;
  /** Protects and sends RTCP in place. */
  sendRtcp(buf: Uint8Array, length: number): boolean;
}
