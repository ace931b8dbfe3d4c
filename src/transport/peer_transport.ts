/**
 * One call's wire: ICE, DTLS and SRTP sharing a UDP socket per address
 * family, demultiplexed by the first byte of each datagram (RFC 7983 §7):
 *
 * ```
 *   [0..3]     STUN  → IceAgent
 *   [20..63]   DTLS  → DtlsClient (only from the selected pair)
 *   [128..191] RTP/RTCP → SRTCP unprotect → onRtcp (RTP from the SFU is ignored:
 *              tgcall only sends)
 * ```
 *
 * Lifecycle: sockets bound → ICE checks → pair selected → DTLS handshake
 * (fingerprint and ServerKeyExchange signature verified) → SRTP contexts from
 * the exporter → "connected". RTP is protected in place and sent only then.
 *
 * @module
 */

import { DtlsClient } from "../dtls/client.ts";
import type { DtlsError } from "../dtls/errors.ts";
import { ClosedError, type TgCallError } from "../errors.ts";
import { IceAgent, type IcePair, type IceState } from "../ice/agent.ts";
import { isIpv6 } from "../ice/candidate.ts";
import { SrtpContext } from "../srtp/context.ts";
import { dtlsSrtpKeys } from "../srtp/dtls_srtp_keys.ts";
import { SRTP_PROFILES, type SrtpProfile } from "../srtp/profile.ts";
import {
  bindDatagramPort,
  type DatagramPort,
  DEFAULT_NETWORK_TYPES,
  sameAddress,
} from "./datagram_port.ts";
import { describeProgress } from "./progress.ts";
import type {
  PeerTransportOptions,
  PeerTransportStats,
  TransportState,
} from "./peer_transport_types.ts";

export type { PeerTransportOptions, PeerTransportStats, TransportState };

/** ICE + DTLS + SRTP for one call. */
export class PeerTransport {
  readonly #o: PeerTransportOptions;
  #port: DatagramPort | undefined;
  readonly #agent: IceAgent;
  #dtls: DtlsClient | undefined;
  #pair: IcePair | undefined;
  #local: SrtpContext | undefined;
  #remote: SrtpContext | undefined;
  #state: TransportState = "new";
  #failure: TgCallError | undefined;
  #closing: Promise<void> | undefined;
  /** DTLS datagrams from the selected pair, for {@linkcode PeerTransport.describeProgress}. */
  #dtlsReceived = 0;
  #resolve!: () => void;
  #reject!: (error: TgCallError) => void;
  /** Resolves once SRTP keys exist; rejects when ICE or DTLS fails first. */
  readonly connected: Promise<void>;
  /** Live counters. */
  readonly stats: PeerTransportStats = {
    rtpSent: 0,
    rtcpSent: 0,
    rtcpReceived: 0,
    dropped: 0,
    errors: 0,
    sendErrors: 0,
  };

  private constructor(options: PeerTransportOptions) {
    this.#o = options;
    this.connected = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.connected.catch(() => {});
    const types = options.networkTypes ?? DEFAULT_NETWORK_TYPES;
    const candidates = options.remote.candidates.filter((c) =>
      isIpv6(c.address) ? types.includes("udp6") : types.includes("udp4")
    );
    this.#agent = new IceAgent({
      localUfrag: options.local.ufrag,
      localPwd: options.local.pwd,
      remoteUfrag: options.remote.ufrag,
      remotePwd: options.remote.pwd,
      remoteCandidates: candidates,
      scheduler: options.scheduler,
      send: (data, address, port) => this.#send(data, address, port),
      onStateChange: (state) => this.#onIceState(state),
      onSelectedPair: (pair) => this.#onSelectedPair(pair),
      keepaliveMs: options.consent?.keepaliveMs,
      disconnectedMs: options.consent?.disconnectedMs,
      failedMs: options.consent?.failedMs,
    });
  }

  /**
   * Binds the sockets and starts ICE.
   *
   * @throws {SocketError} when no socket can be bound.
   */
  static async open(options: PeerTransportOptions): Promise<PeerTransport> {
    const t = new PeerTransport(options);
    const onMessage = (data: Uint8Array, address: string, port: number) =>
      t.#onDatagram(data, address, port);
    t.#port = options.mux?.attach({
      ufrag: options.local.ufrag,
      remotes: options.remote.candidates,
      onMessage,
    });
    if (!t.#port) {
      try {
        t.#port = await bindDatagramPort({
          networkTypes: options.networkTypes,
          bindAddress: options.bindAddress,
          onMessage,
        });
      } catch (error) {
        await t.close();
        throw error;
      }
    }
    t.#setState("connecting");
    t.#agent.start();
    return t;
  }

  /** Current state. */
  get state(): TransportState {
    return this.#state;
  }

  /** The negotiated SRTP profile, once connected. */
  get srtpProfile(): SrtpProfile | undefined {
    return this.#local?.profile;
  }

  /** The selected ICE pair and its RTT, once ICE connected. */
  get selectedPair(): IcePair | undefined {
    return this.#pair;
  }

  /** Why the transport failed (ICE or DTLS), once its state is `"failed"`. */
  get failure(): TgCallError | undefined {
    return this.#failure;
  }

  /** ICE counters. */
  get iceStats(): IceAgent["stats"] {
    return this.#agent.stats;
  }

  /** Local ports bound, for diagnostics and tests. */
  get localPorts(): { udp4?: number; udp6?: number } {
    return this.#port?.localPorts ?? {};
  }

  /**
   * Where the connection stands, in words, for errors and logs: which ICE
   * or DTLS step it waits on and what has been sent and answered, so a
   * connect that times out says whether the peer never answered a check,
   * never answered a ClientHello, or stopped mid-handshake.
   *
   * @example
   * ```ts ignore
   * console.log(transport.describeProgress());
   * // "ICE checking 1 candidate: 40 checks sent, 0 answered, …"
   * ```
   */
  describeProgress(): string {
    const dtls = this.#dtls;
    return describeProgress({
      ice: this.#agent.state,
      iceStats: this.#agent.stats,
      candidates: this.#agent.candidateCount,
      pair: this.#pair,
      dtls: dtls &&
        { state: dtls.state, ...dtls.progress, received: this.#dtlsReceived },
    });
  }

  /**
   * Protects the RTP packet `buf[0..length)` in place and sends it. `buf`
   * needs room for the SRTP tag. Returns false when not connected or when
   * the socket dropped it.
   */
  sendRtp(buf: Uint8Array, length: number): boolean {
    const ctx = this.#local, pair = this.#pair;
    if (!ctx || !pair || this.#state === "closed" || this.#state === "failed") {
      return false;
    }
    const n = ctx.protectRtp(buf, length);
    const ok = this.#send(buf, pair.address, pair.port, n);
    if (ok) this.stats.rtpSent++;
    return ok;
  }

  /** Protects and sends a compound RTCP packet, like {@linkcode sendRtp}. */
  sendRtcp(buf: Uint8Array, length: number): boolean {
    const ctx = this.#local, pair = this.#pair;
    if (!ctx || !pair || this.#state === "closed" || this.#state === "failed") {
      return false;
    }
    const n = ctx.protectRtcp(buf, length);
    const ok = this.#send(buf, pair.address, pair.port, n);
    if (ok) this.stats.rtcpSent++;
    return ok;
  }

  /** Sends close_notify, stops ICE and closes the sockets. Idempotent. */
  close(): Promise<void> {
    return this.#closing ??= (async () => {
      this.#dtls?.close();
      this.#agent.close();
      this.#reject(new ClosedError("Transport closed before it connected"));
      this.#setState("closed");
      await this.#port?.close();
    })();
  }

  #send(
    data: Uint8Array,
    address: string,
    port: number,
    length = data.length,
  ): boolean {
    const p = this.#port;
    return p ? p.send(data, address, port, length, this.stats) : false;
  }

  #onDatagram(data: Uint8Array, address: string, port: number): void {
    const first = data[0];
    if (first < 4) {
      this.#agent.handleStun(data, address, port);
      return;
    }
    const pair = this.#pair;
    const fromPair = pair !== undefined && pair.port === port &&
      sameAddress(pair.address, address);
    if (first >= 20 && first <= 63) {
      if (fromPair && this.#dtls) {
        this.#dtlsReceived++;
        this.#dtls.handleDatagram(data);
      } else this.stats.dropped++;
      return;
    }
    if (
      first >= 128 && first <= 191 && fromPair && this.#remote &&
      data.length >= 8
    ) {
      // RFC 5761 §4: RTCP packet types 192–223 occupy the RTP PT/M byte range 64–95.
      const pt = data[1];
      if (pt >= 192 && pt <= 223) {
        const n = this.#remote.unprotectRtcp(data, data.length);
        if (n > 0) {
          this.stats.rtcpReceived++;
          this.#o.onRtcp?.(data, n);
          return;
        }
      }
    }
    this.stats.dropped++;
  }

  #onSelectedPair(pair: IcePair): void {
    this.#pair = pair;
    if (this.#dtls) return;
    const initial = this.#o.dtlsInitialTimeoutMs ??
      Math.min(1000, Math.max(50, 2 * pair.rttMs));
    const dtls = new DtlsClient({
      certificate: this.#o.local.certificate,
      remoteFingerprints: this.#o.remote.fingerprints,
      srtpProfiles: this.#o.srtpProfiles?.map((name) => SRTP_PROFILES[name].id),
      initialTimeoutMs: initial,
      maxTimeoutMs: this.#o.dtlsMaxTimeoutMs ?? 1000,
      scheduler: this.#o.scheduler,
      send: (d) => {
        const p = this.#pair;
        if (p) this.#send(d, p.address, p.port);
      },
      onClose: () => {
        if (this.#state !== "closed") this.#setState("failed");
      },
    });
    this.#dtls = dtls;
    dtls.connected.then(
      (handshake) => {
        if (this.#state === "closed") return;
        // ICE may now slow to consent keepalives: until DTLS was up it
        // checked every 2·Ta so a full ICE peer would answer promptly.
        this.#agent.markEstablished();
        const keys = dtlsSrtpKeys(handshake.srtpProfileId, dtls);
        this.#local = new SrtpContext(
          keys.profile,
          keys.localKey,
          keys.localSalt,
        );
        this.#remote = new SrtpContext(
          keys.profile,
          keys.remoteKey,
          keys.remoteSalt,
        );
        this.#setState(
          this.#agent.state === "disconnected" ? "disconnected" : "connected",
        );
        this.#resolve();
      },
      (error: DtlsError) => {
        if (this.#state === "closed") return;
        this.#failure = error;
        this.#setState("failed");
        this.#reject(error);
      },
    );
    dtls.start();
  }

  #onIceState(state: IceState): void {
    if (this.#state === "closed") return;
    if (state === "failed") {
      this.#dtls?.close();
      // The agent records why (no-response / consent-lost) before reporting.
      this.#failure = this.#agent.failure;
      this.#setState("failed");
      if (this.#failure) this.#reject(this.#failure);
    } else if (this.#local) {
      // Consent changes only matter once media can flow.
      if (state === "disconnected") this.#setState("disconnected");
      else if (state === "connected") this.#setState("connected");
    }
  }

  #setState(state: TransportState): void {
    if (this.#state === state || this.#state === "closed") return;
    this.#state = state;
    this.#o.onStateChange?.(state);
  }
}
