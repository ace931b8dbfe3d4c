/**
 * The transport's public shapes: its states, options and counters
 * (`PeerTransport` is in `peer_transport.ts`).
 *
 * @module
 */

import type { DtlsCertificate } from "../dtls/certificate.ts";
import type { RemoteFingerprint } from "../dtls/key_exchange.ts";
import type { TgCallError } from "../errors.ts";
import type { IceCandidate } from "../ice/candidate.ts";
import type { Scheduler } from "../runtime/scheduler.ts";
import type { SrtpProfileName } from "../srtp/profile.ts";
import type { NetworkType } from "./datagram_port.ts";
import type { UdpMux } from "./udp_mux.ts";

/** Transport states, as RTCPeerConnectionState names them. */
export type TransportState =
  | "new"
  | "connecting"
  | "connected"
  | "disconnected"
  | "failed"
  | "closed";

/** Options for {@linkcode PeerTransport.open}. */
export interface PeerTransportOptions {
  /** Our ICE credentials and DTLS certificate. */
  local: { ufrag: string; pwd: string; certificate: DtlsCertificate };
  /** The remote side, from the answer JSON. */
  remote: {
    ufrag: string;
    pwd: string;
    fingerprints: readonly RemoteFingerprint[];
    candidates: readonly IceCandidate[];
  };
  /** Families to bind; default both. Candidates of other families are skipped. */
  networkTypes?: readonly NetworkType[];
  /** Local bind addresses; default the wildcards. */
  bindAddress?: { udp4?: string; udp6?: string };
  /** SRTP profiles to offer in DTLS, most preferred first. */
  srtpProfiles?: readonly SrtpProfileName[];
  /**
   * First DTLS retransmission timeout. Default: twice the RTT ICE measured,
   * clamped to [50 ms, 1 s], as libwebrtc does — on a known-fast path a
   * lost flight then costs tens of milliseconds, not a second.
   */
  dtlsInitialTimeoutMs?: number;
  /**
   * DTLS retransmission cap. Default 1 s: ICE has just proven the path, and
   * consent keeps proving it, so the congestion argument for RFC 6347's
   * 60 s cap does not apply; the handshake still gives up after 30 s.
   */
  dtlsMaxTimeoutMs?: number;
  /** Timer source; default the shared scheduler. */
  scheduler?: Scheduler;
  /** Consent freshness (RFC 7675) timing; defaults 2.5 s / 5 s / 30 s. */
  consent?: {
    keepaliveMs?: number;
    disconnectedMs?: number;
    failedMs?: number;
  };
  /**
   * A shared socket to use instead of binding our own (falls back to own
   * sockets when the remote address is already taken on it).
   */
  mux?: UdpMux;
  /** Called on every state change. */
  onStateChange?: (state: TransportState) => void;
  /** Called with each authenticated, decrypted RTCP compound packet. */
  onRtcp?: (packet: Uint8Array, length: number) => void;
  /**
   * Receives errors that never propagate (socket errors, a throwing
   * callback); they are always counted in `stats.errors`.
   */
  onError?: (error: TgCallError) => void;
}

/** Counters. */
export interface PeerTransportStats {
  /** SRTP packets sent. */
  rtpSent: number;
  /** SRTCP packets sent. */
  rtcpSent: number;
  /** SRTCP packets received and authenticated. */
  rtcpReceived: number;
  /** Datagrams dropped (unknown first byte, failed authentication, wrong source). */
  dropped: number;
  /** Errors reported through `onError`. */
  errors: number;
  /**
   * Datagrams the OS refused to send (`EPERM`, `ENOBUFS`, `ENETUNREACH`, …),
   * counted here and never thrown.
   */
  sendErrors: number;
}
