/**
 * What a client builds its calls from: its options with their defaults
 * applied, the logger, the DTLS certificate pool and — with `sharedUdpMux`
 * — the one socket per family that every call shares. Options are read
 * when a call is built.
 *
 * @module
 */

import { GroupCall } from "../call/group_call.ts";
import { RtmpCall } from "../call/rtmp_call.ts";
import type { DtlsCertificate } from "../dtls/certificate.ts";
import type { CallHooks, CallLogger } from "../call/types.ts";
import { DEFAULT_NETWORK_TYPES } from "../transport/datagram_port.ts";
import { UdpMux } from "../transport/udp_mux.ts";
import { CertificatePool } from "./cert_pool.ts";
import {
  type ChatId,
  checkClientOptions,
  clientLogger,
  type ClientOptions,
  type CreateCallOptions,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type Logger,
} from "./options.ts";

/** Builds the calls of one client and owns what they share. */
export class CallFactory {
  readonly #options: ClientOptions;
  readonly #certs: CertificatePool;
  #mux: UdpMux | undefined;
  /** The client's logger, every method present. */
  readonly logger: Required<Logger>;

  /**
   * Validates `options`, checks that ffmpeg runs and opens the shared
   * socket when asked for.
   *
   * @throws {InvalidParamsError} for invalid options.
   * @throws {FFmpegSpawnError} when ffmpeg is missing or broken.
   */
  static async open(options: ClientOptions): Promise<CallFactory> {
    const networkTypes = await checkClientOptions(options);
    const mux = options.sharedUdpMux
      ? await UdpMux.open({ networkTypes, bindAddress: options.bindAddress })
      : undefined;
    return new CallFactory(options, mux);
  }

  private constructor(options: ClientOptions, mux: UdpMux | undefined) {
    this.#options = options;
    this.logger = clientLogger(options);
    this.#certs = new CertificatePool(options.dtlsCertPool ?? 8);
    this.#mux = mux;
  }

  get #callLogger(): CallLogger {
    return { debug: this.logger.debug, warn: this.logger.warn };
  }

  /** A WebRTC call for `chatId` with a fresh certificate. */
  groupCall(
    chatId: ChatId,
    options: CreateCallOptions,
    hooks: CallHooks,
  ): GroupCall {
    const o = this.#options;
    return new GroupCall({
      chatId,
      certificate: this.#certs.take(),
      video: options.video ?? true,
      ffmpegPath: o.ffmpegPath ?? "ffmpeg",
      ffmpegStderrLog: !!o.ffmpegStderrLog,
      connectTimeoutMs: o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      networkTypes: o.networkTypes ?? DEFAULT_NETWORK_TYPES,
      bindAddress: o.bindAddress,
      mux: this.#mux,
      srtpProfiles: o.srtpProfiles,
      verboseConnectionLogs: !!o.verboseConnectionLogs,
      logger: this.#callLogger,
      ...hooks,
    });
  }

  /** A fresh DTLS certificate (a presentation's). */
  certificate(): DtlsCertificate {
    return this.#certs.take();
  }

  /** An RTMP push call for `chatId` to `url`. */
  rtmpCall(chatId: ChatId, url: string, hooks: CallHooks): RtmpCall {
    return new RtmpCall({
      chatId,
      url,
      ffmpegPath: this.#options.ffmpegPath ?? "ffmpeg",
      ffmpegStderrLog: !!this.#options.ffmpegStderrLog,
      logger: this.#callLogger,
      ...hooks,
    });
  }

  /** Drops the certificate pool and closes the shared socket. */
  async close(): Promise<void> {
    this.#certs.close();
    await this.#mux?.close();
    this.#mux = undefined;
  }
}
