/**
 * A group call's link to Telegram's SFU: the {@linkcode PeerTransport}
 * (ICE, DTLS-SRTP, consent per RFC 7675), replaced when `connect` is called
 * again, and the {@linkcode MediaSender} created on it at the first
 * Connected. Transport states drive the call's
 * {@linkcode ConnectionTracker}; a transport replaced by a later `connect`
 * is closed and its late reports are ignored.
 *
 * @module
 */

import type { DtlsCertificate } from "../dtls/certificate.ts";
import { NotConnectedError } from "../errors.ts";
import { MediaSender } from "../media/media_sender.ts";
import type { Scheduler } from "../runtime/scheduler.ts";
import type { RtcJoinResponse } from "../signaling/join_response.ts";
import type { SrtpProfileName } from "../srtp/profile.ts";
import type { NetworkType } from "../transport/datagram_port.ts";
import {
  PeerTransport,
  type TransportState,
} from "../transport/peer_transport.ts";
import type { UdpMux } from "../transport/udp_mux.ts";
import type { ConnectionTracker } from "./connection_tracker.ts";
import { senderOptionsFromAnswer } from "./sender_options.ts";
import type { CallLogger, CallStats } from "./types.ts";

/** How a call reaches the SFU: what its client configures. */
export interface SfuSettings {
  /** The chat (for logs). */
  chatId: number | bigint;
  /** Network types. */
  networkTypes: readonly NetworkType[];
  /** Bind addresses. */
  bindAddress?: { udp4?: string; udp6?: string };
  /** Shared socket, when the client uses one. */
  mux?: UdpMux;
  /** SRTP profiles to offer. */
  srtpProfiles?: readonly SrtpProfileName[];
  /** Consent timing (RFC 7675); defaults 2.5 s keepalive, 5 s / 30 s to disconnected / failed. */
  consent?: {
    keepaliveMs?: number;
    disconnectedMs?: number;
    failedMs?: number;
  };
  /** Log per-state transport details. */
  verboseConnectionLogs: boolean;
  /** Logger. */
  logger: CallLogger;
  /** Scheduler; default shared. */
  scheduler?: Scheduler;
}

/** Options for {@linkcode SfuConnection}. */
export interface SfuConnectionOptions extends SfuSettings {
  /** Local ICE credentials and DTLS certificate. */
  local: { ufrag: string; pwd: string; certificate: DtlsCertificate };
  /** Audio SSRC (unsigned). */
  audioSsrc: number;
  /** Video and RTX SSRCs, when announced. */
  video?: { ssrc: number; rtxSsrc: number };
  /** The call's connection state, driven from the transport's. */
  connection: ConnectionTracker;
  /** Connected (again): the sender is ready. */
  onConnected(): void;
  /** Consent failed: the tracker already reports `failed`. */
  onFailed(): void;
  /**
   * A receiver needs a keyframe (PLI/FIR, at most once per 300 ms): the
   * playing source should produce one (`Playback.requestKeyframe`).
   */
  onKeyframeRequest?(): void;
}

/** The PeerTransport and MediaSender of one group call. */
export class SfuConnection {
  readonly #o: SfuConnectionOptions;
  #transport: PeerTransport | undefined;
  #answer: RtcJoinResponse | undefined;
  #sender: MediaSender | undefined;
  #connectId = 0;

  /** @param options See {@linkcode SfuConnectionOptions}. */
  constructor(options: SfuConnectionOptions) {
    this.#o = options;
  }

  /** The sender, once connected. */
  get sender(): MediaSender | undefined {
    return this.#sender;
  }

  /**
   * Opens a transport towards the SFU of `answer`, closing the previous
   * one. Resolves once the sockets are bound.
   */
  async connect(answer: RtcJoinResponse): Promise<void> {
    const { connection, logger, chatId } = this.#o;
    const old = this.#transport;
    this.#transport = undefined;
    this.#answer = answer;
    const connectId = ++this.#connectId;
    if (old) {
      this.#sender?.close();
      this.#sender = undefined;
      await old.close();
    }
    connection.connecting();
    let transport: PeerTransport;
    try {
      transport = await PeerTransport.open({
        local: this.#o.local,
        remote: answer.transport,
        networkTypes: this.#o.networkTypes,
        bindAddress: this.#o.bindAddress,
        mux: this.#o.mux,
        srtpProfiles: this.#o.srtpProfiles,
        consent: this.#o.consent,
        scheduler: this.#o.scheduler,
        onStateChange: (s) => this.#onTransportState(connectId, s),
        onRtcp: (b, n) => this.#sender?.handleRtcp(b, n),
        onError: (e) => logger.debug(`call ${chatId}:`, e),
      });
    } catch (error) {
      connection.failed();
      throw error;
    }
    if (connection.stopped || connectId !== this.#connectId) {
      await transport.close();
      return;
    }
    this.#transport = transport;
    // A state reported before open() returned could not reach the handler.
    if (transport.state === "connected" && connection.state !== "connected") {
      this.#onTransportState(connectId, "connected");
    }
    if (this.#o.verboseConnectionLogs) {
      logger.debug(
        `call ${chatId}: ICE from local ports`,
        transport.localPorts,
      );
      for (const c of answer.transport.candidates) {
        logger.debug(
          `call ${chatId}: remote candidate ${c.type} udp ${c.address}:${c.port} priority ${c.priority}`,
        );
      }
    }
  }

  #onTransportState(connectId: number, s: TransportState): void {
    // A transport replaced by a later connect() reports nothing.
    if (connectId !== this.#connectId) return;
    // Undefined only for the "connecting" reported while it is being opened.
    const transport = this.#transport;
    if (this.#o.verboseConnectionLogs) {
      this.#o.logger.debug(`call ${this.#o.chatId}: transport ${s}`, {
        pair: transport?.selectedPair,
        ice: transport?.iceStats,
        srtp: transport?.srtpProfile?.name,
        failure: transport?.failure,
      });
    }
    if (s === "connected" && transport) {
      this.#sender ??= this.#createSender(transport);
      this.#o.connection.connected();
      this.#o.onConnected();
    } else if (s === "disconnected") {
      this.#o.connection.set("disconnected");
    } else if (s === "failed") {
      this.#o.connection.failed(
        new NotConnectedError(`Call ${this.#o.chatId}: connection failed`, {
          cause: transport?.failure,
        }),
      );
      this.#o.onFailed();
    }
  }

  #createSender(transport: PeerTransport): MediaSender {
    return new MediaSender({
      sink: transport,
      audioSsrc: this.#o.audioSsrc,
      video: this.#o.video,
      ...senderOptionsFromAnswer(this.#answer!),
      scheduler: this.#o.scheduler,
      onKeyframeRequest: () => {
        this.#o.logger.debug(`call ${this.#o.chatId}: keyframe requested`);
        this.#o.onKeyframeRequest?.();
      },
    });
  }

  /**
   * Where the current transport stands ({@linkcode PeerTransport.describeProgress});
   * undefined while none is open.
   */
  progress(): string | undefined {
    return this.#transport?.describeProgress();
  }

  /** Transport and media counters for {@linkcode CallStats}. */
  stats(): Pick<CallStats, "srtpProfile" | "rttMs" | "media" | "transport"> {
    const media = this.#sender?.stats();
    const pairRtt = this.#transport?.selectedPair?.rttMs;
    const rttMs = media && !Number.isNaN(media.rttMs)
      ? media.rttMs
      : pairRtt ?? NaN;
    return {
      srtpProfile: this.#transport?.srtpProfile?.name,
      rttMs,
      media,
      transport: this.#transport ? { ...this.#transport.stats } : undefined,
    };
  }

  /** Closes the sender (RTCP BYE) and the transport (DTLS close_notify). */
  close(): Promise<void> {
    this.#sender?.close();
    this.#sender = undefined;
    const transport = this.#transport;
    this.#transport = undefined;
    return transport?.close() ?? Promise.resolve();
  }
}
