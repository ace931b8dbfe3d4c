/**
 * A DTLS 1.2 client for DTLS-SRTP (RFC 6347, RFC 5764).
 *
 * Flights (RFC 6347 §4.2.4), and what this client does with them:
 *
 * ```
 *  Client                                   Server
 *  1  ClientHello            -------->
 *                            <--------  2  HelloVerifyRequest (optional)
 *  3  ClientHello (+cookie)  -------->
 *                                       4  ServerHello, Certificate,
 *                                          ServerKeyExchange,
 *                            <--------     CertificateRequest, ServerHelloDone
 *  5  Certificate, ClientKeyExchange,
 *     CertificateVerify, [ChangeCipherSpec],
 *     Finished               -------->
 *                            <--------  6  [ChangeCipherSpec], Finished
 * ```
 *
 * This file is the glue: datagrams in, records through the record layer
 * (`record_layer.ts`), handshake messages through the state table
 * (`handshake_fsm.ts`) to the handshake (`client_handshake.ts`), flights
 * out with retransmission (`flight.ts`), and alerts both ways.
 *
 * The result carries the negotiated use_srtp profile id; the SRTP keys
 * are the RFC 5705 exporter's output with label "EXTRACTOR-dtls_srtp",
 * which the SRTP layer splits (RFC 5764 §4.2). DTLS itself knows nothing
 * of SRTP beyond the profile ids.
 *
 * @module
 */

import { withDefaults } from "../runtime/options.ts";
import {
  type ScheduledTask,
  type Scheduler,
  sharedScheduler,
} from "../runtime/scheduler.ts";
import type { DtlsCertificate } from "./certificate.ts";
import { ClientHandshake } from "./client_handshake.ts";
import { Alert, AlertLevel, asDtlsError, DtlsError } from "./errors.ts";
import { FlightSender } from "./flight.ts";
import {
  encodeHandshake,
  HandshakeReassembler,
  HandshakeType,
} from "./handshake.ts";
import {
  type HandshakeStep,
  handshakeTypeName,
  type ServerMessageHandler,
  transitionFor,
} from "./handshake_fsm.ts";
import { UseSrtpProfileId } from "./hello_messages.ts";
import type { RemoteFingerprint } from "./key_exchange.ts";
import { ContentType, type DtlsRecord, parseRecords } from "./record.ts";
import { RecordLayer } from "./record_layer.ts";

/** Options for {@linkcode DtlsClient}. */
export interface DtlsClientOptions {
  /** Our certificate (sent when the server asks, which WebRTC servers do). */
  certificate: DtlsCertificate;
  /** Accepted server fingerprints; the handshake fails unless one matches. */
  remoteFingerprints: readonly RemoteFingerprint[];
  /** Sends one datagram to the server. */
  send: (datagram: Uint8Array) => void;
  /**
   * use_srtp profile ids to offer, most preferred first (RFC 5764 §4.1.2).
   * Default: AES_CM_128_HMAC_SHA1_80 (1), then AEAD_AES_128_GCM (7).
   */
  srtpProfiles?: readonly number[];
  /** First retransmission timeout; default 1000 ms. */
  initialTimeoutMs?: number;
  /** Retransmission timeout cap; default 60 000 ms. */
  maxTimeoutMs?: number;
  /** Give up after this long; default 30 000 ms. */
  handshakeTimeoutMs?: number;
  /** Largest datagram we send; default 1200. */
  mtu?: number;
  /** Timer source; default the shared scheduler. */
  scheduler?: Scheduler;
  /** Called once when the server closes or sends a fatal alert after the handshake. */
  onClose?: (error?: DtlsError) => void;
}

/** What a completed DTLS-SRTP handshake yields. */
export interface DtlsHandshakeResult {
  /** The use_srtp profile id the server picked, one we offered. */
  srtpProfileId: number;
  /** The server certificate (DER). */
  remoteCertificate: Uint8Array;
}

/** Client states. */
export type DtlsState =
  | "new"
  | "handshaking"
  | "connected"
  | "failed"
  | "closed";

/** A DTLS 1.2 client handshake plus the post-handshake alert handling. */
export class DtlsClient {
  readonly #o:
    & Required<Omit<DtlsClientOptions, "onClose" | "scheduler">>
    & Pick<DtlsClientOptions, "onClose">;
  readonly #scheduler: Scheduler;
  readonly #records = new RecordLayer();
  readonly #flights: FlightSender;
  readonly #handshake: ClientHandshake;
  readonly #reassembler = new HandshakeReassembler();
  readonly #handlers: Record<ServerMessageHandler, (body: Uint8Array) => void>;
  #state: DtlsState = "new";
  #step: HandshakeStep = "serverHello";
  /**
   * The overall deadline, on its own timer: the retransmission timer is
   * re-armed by every flight sent, so a server that keeps answering (a
   * cookie per ClientHello, a flood of retransmitted flights) would
   * otherwise postpone the deadline forever.
   */
  readonly #deadline: ScheduledTask;
  #established = false;
  #resolve!: (result: DtlsHandshakeResult) => void;
  #reject!: (error: DtlsError) => void;
  /** Resolves when the handshake completes; rejects with {@linkcode DtlsError}. */
  readonly connected: Promise<DtlsHandshakeResult>;

  /**
   * Creates a client in state "new"; nothing is sent before {@linkcode DtlsClient.start}.
   *
   * @param options See {@linkcode DtlsClientOptions}.
   */
  constructor(options: DtlsClientOptions) {
    this.#o = withDefaults({
      srtpProfiles: [
        UseSrtpProfileId.Aes128CmHmacSha1_80,
        UseSrtpProfileId.AeadAes128Gcm,
      ] as readonly number[],
      initialTimeoutMs: 1000,
      maxTimeoutMs: 60_000,
      handshakeTimeoutMs: 30_000,
      mtu: 1200,
    }, options);
    this.#scheduler = options.scheduler ?? sharedScheduler();
    this.#flights = new FlightSender({
      records: this.#records,
      send: this.#o.send,
      mtu: this.#o.mtu,
      initialTimeoutMs: this.#o.initialTimeoutMs,
      maxTimeoutMs: this.#o.maxTimeoutMs,
      scheduler: this.#scheduler,
      onTimer: () => this.#onTimer(),
    });
    this.#deadline = this.#scheduler.task(() =>
      this.#fail(
        new DtlsError(
          `DTLS handshake timed out after ${this.#o.handshakeTimeoutMs} ms (waiting for the server's ${this.#step}, ${this.#flights.transmissions} flights sent)`,
        ),
        false,
      )
    );
    const handshake = new ClientHandshake(this.#o);
    this.#handshake = handshake;
    this.#handlers = {
      helloVerifyRequest: (body) => {
        handshake.helloVerifyRequest(body);
        this.#flights.start(handshake.clientHello());
      },
      serverHello: (body) => handshake.serverHello(body),
      certificate: (body) => handshake.certificate(body),
      serverKeyExchange: (body) => handshake.serverKeyExchange(body),
      certificateRequest: (body) => handshake.certificateRequest(body),
      serverHelloDone: () => this.#startFlight5(),
      finished: (body) => this.#finish(body),
    };
    this.connected = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Callers may only await `connected` later; never report it unhandled.
    this.connected.catch(() => {});
  }

  /** Current state. */
  get state(): DtlsState {
    return this.#state;
  }

  /**
   * Where the handshake is, for diagnostics: the server message awaited
   * (`"flight5"` while the server's key exchange is being verified) and
   * the flights sent so far, first sends and resends alike.
   */
  get progress(): { step: HandshakeStep; flightsSent: number } {
    return { step: this.#step, flightsSent: this.#flights.transmissions };
  }

  /** Sends the first ClientHello. */
  start(): void {
    if (this.#state !== "new") return;
    this.#state = "handshaking";
    this.#deadline.after(this.#o.handshakeTimeoutMs);
    this.#flights.start(this.#handshake.clientHello());
  }

  /**
   * RFC 5705 exporter; throws {@linkcode DtlsError} unless the handshake
   * completed (a master secret exists from flight 5 on, but it is only
   * worth anything once the server's Finished verified).
   */
  exportKeyingMaterial(label: string, length: number): Uint8Array {
    if (!this.#established) {
      throw new DtlsError(
        "Cannot export keying material before the handshake completes",
      );
    }
    return this.#handshake.exportKeyingMaterial(label, length);
  }

  /** Sends close_notify when connected and stops all timers. Idempotent. */
  close(): void {
    if (this.#state === "closed" || this.#state === "failed") {
      this.#stopTimers();
      return;
    }
    if (this.#state === "connected") {
      this.#sendAlert(AlertLevel.Warning, Alert.CloseNotify);
    }
    const wasHandshaking = this.#state !== "connected";
    this.#state = "closed";
    this.#stopTimers();
    if (wasHandshaking) {
      this.#reject(new DtlsError("DTLS handshake aborted: closed"));
    }
  }

  /** Feeds one datagram from the server. Never throws. */
  handleDatagram(datagram: Uint8Array): void {
    if (
      this.#state === "new" || this.#state === "closed" ||
      this.#state === "failed"
    ) return;
    try {
      for (const record of parseRecords(datagram)) this.#handleRecord(record);
    } catch (error) {
      this.#fail(asDtlsError(error));
    }
  }

  #handleRecord(record: DtlsRecord): void {
    const content = this.#records.open(record);
    if (content === undefined) return;
    switch (record.type) {
      case ContentType.Handshake: {
        if (this.#state !== "handshaking") {
          this.#declineRenegotiation(record.epoch, content);
          return;
        }
        const { messages, sawOld } = this.#reassembler.push(content);
        for (const m of messages) this.#handleMessage(m.type, m.seq, m.body);
        if (sawOld && messages.length === 0 && this.#step !== "flight5") {
          this.#flights.resendSoon();
        }
        return;
      }
      case ContentType.Alert:
        this.#handleAlert(content);
        return;
      default:
        // ChangeCipherSpec is implied by the epoch of what follows;
        // application data is not used by DTLS-SRTP.
        return;
    }
  }

  #handleMessage(type: number, seq: number, body: Uint8Array): void {
    const transition = transitionFor(this.#step, type);
    if (!transition) {
      throw new DtlsError(
        `Cannot accept ${handshakeTypeName(type)} while awaiting ${this.#step}`,
        Alert.UnexpectedMessage,
      );
    }
    if (transition.transcript) {
      this.#handshake.addToTranscript(encodeHandshake(type, seq, body));
    }
    this.#step = transition.next;
    this.#handlers[transition.handler](body);
  }

  #startFlight5(): void {
    this.#flights.stop();
    this.#sendFlight5().catch((error) => this.#fail(asDtlsError(error)));
  }

  async #sendFlight5(): Promise<void> {
    await this.#handshake.authenticateServer();
    if (this.#state !== "handshaking") return;
    const flight = this.#handshake.flight5();
    this.#records.setClientKeys(flight.keys);
    this.#step = "finished";
    this.#flights.start(flight.records);
  }

  #finish(body: Uint8Array): void {
    this.#handshake.finished(body);
    this.#established = true;
    this.#state = "connected";
    this.#stopTimers();
    this.#resolve({
      srtpProfileId: this.#handshake.srtpProfileId,
      remoteCertificate: this.#handshake.remoteCertificate,
    });
    // The server sends nothing after its Finished that needs flight 5
    // again (RFC 6347 §4.2.4: it retransmits only on our retransmission).
    this.#flights.finish();
    this.#handshake.release();
  }

  #handleAlert(content: Uint8Array): void {
    if (content.length < 2) return;
    const [level, description] = content;
    if (description === Alert.CloseNotify) {
      const wasConnected = this.#state === "connected";
      this.#state = "closed";
      this.#stopTimers();
      if (wasConnected) this.#o.onClose?.();
      else {
        this.#reject(
          new DtlsError("DTLS peer closed during the handshake", description),
        );
      }
      return;
    }
    if (level !== AlertLevel.Fatal) return;
    const error = new DtlsError(
      `DTLS peer sent fatal alert ${description}`,
      description,
    );
    if (this.#state === "connected") {
      this.#state = "failed";
      this.#stopTimers();
      this.#o.onClose?.(error);
    } else {
      this.#fail(error, false);
    }
  }

  #onTimer(): void {
    if (this.#state !== "handshaking" || this.#step === "flight5") return;
    this.#flights.retransmit();
  }

  /**
   * A HelloRequest from the connected server (RFC 5246 §7.4.1.1) gets a
   * warning no_renegotiation: a DTLS-SRTP association keeps its keys for
   * life. Only authenticated (epoch-1) requests are answered.
   */
  #declineRenegotiation(epoch: number, content: Uint8Array): void {
    if (
      this.#state === "connected" && epoch === 1 &&
      content[0] === HandshakeType.HelloRequest
    ) this.#sendAlert(AlertLevel.Warning, Alert.NoRenegotiation);
  }

  #stopTimers(): void {
    this.#flights.stop();
    this.#deadline.cancel();
  }

  #sendAlert(level: number, description: number): void {
    try {
      const epoch = this.#records.hasKeys && this.#state === "connected"
        ? 1
        : 0;
      const record = this.#records.seal(
        ContentType.Alert,
        epoch,
        Uint8Array.of(level, description),
      );
      this.#o.send(record);
    } catch { /* best effort */ }
  }

  #fail(error: DtlsError, sendAlert = true): void {
    if (this.#state === "failed" || this.#state === "closed") return;
    if (sendAlert && error.alert !== undefined) {
      this.#sendAlert(AlertLevel.Fatal, error.alert);
    }
    this.#state = "failed";
    this.#stopTimers();
    this.#reject(error);
  }
}
