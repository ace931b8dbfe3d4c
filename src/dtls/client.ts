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
 * The server is authenticated twice, as pion does and werift does not: the
 * ServerKeyExchange signature must verify with the certificate's key, and
 * the certificate must match a fingerprint from the remote JSON.
 *
 * Retransmission: the whole current flight is resent when the timer fires,
 * doubling from `initialTimeoutMs` (RFC 6347 §4.2.4.1 recommends 1 s;
 * callers that know the path RTT from ICE pass 2×RTT, clamped, as libwebrtc
 * does) up to 60 s, and immediately when the server retransmits its
 * previous flight.
 *
 * @module
 */

import { withDefaults } from "../runtime/options.ts";
import { p256, p384 } from "@noble/curves/nist.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  type ScheduledTask,
  type Scheduler,
  sharedScheduler,
} from "../runtime/scheduler.ts";
import {
  SRTP_PROFILES,
  type SrtpProfile,
  srtpProfileById,
  type SrtpProfileName,
} from "../srtp/profile.ts";
import {
  type DtlsCertificate,
  type FingerprintHash,
  fingerprintOf,
  normalizeFingerprint,
  type PeerPublicKey,
  peerPublicKey,
} from "./certificate.ts";
import { DerError } from "./der.ts";
import {
  Alert,
  CipherSuite,
  DtlsError,
  encodeClientHello,
  encodeFragment,
  encodeHandshake,
  HandshakeReassembler,
  HandshakeType,
  NamedGroup,
  parseCertificateRequest,
  parseCertificates,
  parseHelloVerifyRequest,
  parseServerHello,
  parseServerKeyExchange,
  type ServerHello,
  type ServerKeyExchange,
  SignatureScheme,
  Writer,
} from "./handshake.ts";
import {
  exportKeyingMaterial,
  extendedMasterSecret,
  gcmKeyBlock,
  masterSecret,
  verifyData,
} from "./prf.ts";
import {
  ContentType,
  encodeRecord,
  GcmRecordCipher,
  parseRecords,
  ReplayWindow,
} from "./record.ts";

/** A fingerprint the server's certificate may match. */
export interface RemoteFingerprint {
  /** Hash function name. */
  hash: FingerprintHash;
  /** Colon-separated hex, any case. */
  fingerprint: string;
}

/** Options for {@linkcode DtlsClient}. */
export interface DtlsClientOptions {
  /** Our certificate (sent when the server asks, which WebRTC servers do). */
  certificate: DtlsCertificate;
  /** Accepted server fingerprints; the handshake fails unless one matches. */
  remoteFingerprints: readonly RemoteFingerprint[];
  /** Sends one datagram to the server. */
  send: (datagram: Uint8Array) => void;
  /** SRTP profiles to offer, most preferred first. Default: CM-SHA1-80, then GCM. */
  srtpProfiles?: readonly SrtpProfileName[];
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
export interface DtlsSrtpResult {
  /** The negotiated SRTP profile. */
  profile: SrtpProfile;
  /** Our (client) master key and salt: protect what we send with these. */
  localKey: Uint8Array;
  /** Our master salt. */
  localSalt: Uint8Array;
  /** The server's master key and salt: unprotect what we receive. */
  remoteKey: Uint8Array;
  /** The server's master salt. */
  remoteSalt: Uint8Array;
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

interface OutgoingRecord {
  type: number;
  epoch: number;
  plaintext: Uint8Array;
}

const SCHEMES_WE_VERIFY = [
  SignatureScheme.EcdsaSecp256r1Sha256,
  SignatureScheme.EcdsaSecp384r1Sha384,
  SignatureScheme.RsaPssRsaeSha256,
  SignatureScheme.RsaPkcs1Sha256,
];

/** A DTLS 1.2 client handshake plus the post-handshake alert handling. */
export class DtlsClient {
  readonly #o:
    & Required<Omit<DtlsClientOptions, "onClose" | "scheduler">>
    & Pick<DtlsClientOptions, "onClose">;
  readonly #scheduler: Scheduler;
  readonly #timer: ScheduledTask;
  #state: DtlsState = "new";
  #timeoutMs: number;
  #deadline = 0;
  readonly #random = crypto.getRandomValues(new Uint8Array(32));
  #cookie: Uint8Array = new Uint8Array(0);
  #messageSeq = 0;
  #recordSeq = [0, 0];
  readonly #reassembler = new HandshakeReassembler();
  #transcript: Uint8Array[] = [];
  #flight: OutgoingRecord[] = [];
  #lastResend = -Infinity;
  #processing = false;
  // Flight 4 as it arrives.
  #serverHello?: ServerHello;
  #serverCerts?: Uint8Array[];
  #ske?: ServerKeyExchange;
  #certRequest?: { schemes: number[] };
  // Keys.
  #master?: Uint8Array;
  #writeCipher?: GcmRecordCipher;
  #readCipher?: GcmRecordCipher;
  readonly #replay = new ReplayWindow();
  #result?: DtlsSrtpResult;
  #resolve!: (result: DtlsSrtpResult) => void;
  #reject!: (error: DtlsError) => void;
  /** Resolves when the handshake completes; rejects with {@linkcode DtlsError}. */
  readonly connected: Promise<DtlsSrtpResult>;

  /** @param options See {@linkcode DtlsClientOptions}. */
  constructor(options: DtlsClientOptions) {
    this.#o = withDefaults({
      srtpProfiles: [
        "AES_CM_128_HMAC_SHA1_80",
        "AEAD_AES_128_GCM",
      ] as readonly SrtpProfileName[],
      initialTimeoutMs: 1000,
      maxTimeoutMs: 60_000,
      handshakeTimeoutMs: 30_000,
      mtu: 1200,
    }, options);
    this.#scheduler = options.scheduler ?? sharedScheduler();
    this.#timer = this.#scheduler.task((now) => this.#onTimer(now));
    this.#timeoutMs = this.#o.initialTimeoutMs;
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

  /** Sends the first ClientHello. */
  start(): void {
    if (this.#state !== "new") return;
    this.#state = "handshaking";
    this.#deadline = this.#scheduler.clock.now() + this.#o.handshakeTimeoutMs;
    this.#sendClientHello();
  }

  /** RFC 5705 exporter (after the handshake). */
  exportKeyingMaterial(label: string, length: number): Uint8Array {
    if (!this.#master || !this.#serverHello) {
      throw new DtlsError("Cannot export keying material before the handshake");
    }
    return exportKeyingMaterial(
      this.#master,
      label,
      this.#random,
      this.#serverHello.random,
      length,
    );
  }

  /** Sends close_notify when connected and stops all timers. Idempotent. */
  close(): void {
    if (this.#state === "closed" || this.#state === "failed") {
      this.#timer.cancel();
      return;
    }
    if (this.#state === "connected") this.#sendAlert(1, Alert.CloseNotify);
    const wasHandshaking = this.#state !== "connected";
    this.#state = "closed";
    this.#timer.cancel();
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
      this.#fail(
        error instanceof DtlsError ? error : new DtlsError(
          `DTLS internal error: ${String(error)}`,
          Alert.InternalError,
        ),
      );
    }
  }

  #handleRecord(
    record: {
      type: number;
      version: number;
      epoch: number;
      seq: number;
      fragment: Uint8Array;
    },
  ): void {
    let content = record.fragment;
    if (record.epoch === 1) {
      if (!this.#readCipher || !this.#replay.check(record.seq)) return;
      const opened = this.#readCipher.open(record);
      if (!opened) return; // RFC 6347 §4.1.2.7: drop records that fail authentication
      this.#replay.accept(record.seq);
      content = opened;
    } else if (record.epoch !== 0) {
      return;
    }
    switch (record.type) {
      case ContentType.Handshake: {
        if (this.#state !== "handshaking") return;
        const { messages, sawOld } = this.#reassembler.push(content);
        for (const m of messages) this.#handleMessage(m.type, m.seq, m.body);
        if (sawOld && messages.length === 0) this.#resendSoon();
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

  #handleAlert(content: Uint8Array): void {
    if (content.length < 2) return;
    const [level, description] = content;
    if (description === Alert.CloseNotify) {
      const wasConnected = this.#state === "connected";
      this.#state = "closed";
      this.#timer.cancel();
      if (wasConnected) this.#o.onClose?.();
      else {this.#reject(
          new DtlsError("DTLS peer closed during the handshake", description),
        );}
      return;
    }
    if (level === 2) {
      const error = new DtlsError(
        `DTLS peer sent fatal alert ${description}`,
        description,
      );
      if (this.#state === "connected") {
        this.#state = "failed";
        this.#timer.cancel();
        this.#o.onClose?.(error);
      } else {
        this.#fail(error, false);
      }
    }
  }

  #handleMessage(type: number, seq: number, body: Uint8Array): void {
    const full = encodeHandshake(type, seq, body);
    switch (type) {
      case HandshakeType.HelloVerifyRequest:
        if (this.#serverHello) {
          throw new DtlsError(
            "Cannot accept HelloVerifyRequest after ServerHello",
            Alert.UnexpectedMessage,
          );
        }
        this.#cookie = parseHelloVerifyRequest(body);
        if (this.#cookie.length > 255) {
          throw new DtlsError(
            "Cannot use a cookie over 255 bytes",
            Alert.IllegalParameter,
          );
        }
        // RFC 6347 §4.2.1: the transcript restarts with the second ClientHello.
        this.#transcript = [];
        this.#sendClientHello();
        return;
      case HandshakeType.ServerHello: {
        const hello = parseServerHello(body);
        if (
          hello.cipherSuite !== CipherSuite.EcdheEcdsaAes128GcmSha256 &&
          hello.cipherSuite !== CipherSuite.EcdheRsaAes128GcmSha256
        ) {
          throw new DtlsError(
            `Cannot use cipher suite 0x${
              hello.cipherSuite.toString(16)
            }: not offered`,
            Alert.IllegalParameter,
          );
        }
        const profile = hello.srtpProfile === undefined
          ? undefined
          : srtpProfileById(hello.srtpProfile);
        if (!profile || !this.#o.srtpProfiles.includes(profile.name)) {
          throw new DtlsError(
            "Cannot use DTLS without a use_srtp profile we offered",
            Alert.HandshakeFailure,
          );
        }
        this.#serverHello = hello;
        break;
      }
      case HandshakeType.Certificate:
        this.#serverCerts = parseCertificates(body);
        if (this.#serverCerts.length === 0) {
          throw new DtlsError(
            "Cannot authenticate a server without a certificate",
            Alert.BadCertificate,
          );
        }
        this.#checkFingerprint(this.#serverCerts[0]);
        break;
      case HandshakeType.ServerKeyExchange:
        this.#ske = parseServerKeyExchange(body);
        break;
      case HandshakeType.CertificateRequest:
        this.#certRequest = parseCertificateRequest(body);
        break;
      case HandshakeType.ServerHelloDone:
        this.#transcript.push(full);
        this.#processing = true;
        this.#timer.cancel();
        this.#sendFlight5().then(
          () => this.#processing = false,
          (error) =>
            this.#fail(
              error instanceof DtlsError ? error : new DtlsError(
                `DTLS internal error: ${String(error)}`,
                Alert.InternalError,
              ),
            ),
        );
        return;
      case HandshakeType.Finished:
        this.#checkServerFinished(body);
        return;
      default:
        throw new DtlsError(
          `Cannot handle handshake message type ${type}`,
          Alert.UnexpectedMessage,
        );
    }
    this.#transcript.push(full);
  }

  #checkFingerprint(der: Uint8Array): void {
    const ok = this.#o.remoteFingerprints.some((f) =>
      fingerprintOf(der, f.hash) === normalizeFingerprint(f.fingerprint)
    );
    if (!ok) {
      throw new DtlsError(
        "DTLS server certificate does not match the remote fingerprint",
        Alert.BadCertificate,
      );
    }
  }

  #transcriptHash(): Uint8Array {
    return sha256(this.#transcriptBytes());
  }

  #transcriptBytes(): Uint8Array {
    const total = this.#transcript.reduce((n, m) => n + m.length, 0);
    const all = new Uint8Array(total);
    let offset = 0;
    for (const m of this.#transcript) {
      all.set(m, offset);
      offset += m.length;
    }
    return all;
  }

  async #sendFlight5(): Promise<void> {
    const hello = this.#serverHello, certs = this.#serverCerts, ske = this.#ske;
    if (!hello || !certs || !ske) {
      throw new DtlsError(
        "Cannot finish flight 4: ServerHello, Certificate or ServerKeyExchange missing",
        Alert.UnexpectedMessage,
      );
    }
    let key: PeerPublicKey;
    try {
      key = peerPublicKey(certs[0]);
    } catch (error) {
      throw new DtlsError(
        `Cannot use the server certificate: ${
          error instanceof DerError ? error.message : String(error)
        }`,
        Alert.UnsupportedCertificate,
      );
    }
    const wantEc = hello.cipherSuite === CipherSuite.EcdheEcdsaAes128GcmSha256;
    if ((key.kind === "ec") !== wantEc) {
      throw new DtlsError(
        "DTLS certificate key type does not match the cipher suite",
        Alert.IllegalParameter,
      );
    }
    const signed = new Uint8Array(64 + ske.params.length);
    signed.set(this.#random);
    signed.set(hello.random, 32);
    signed.set(ske.params, 64);
    if (!await verifySignature(key, ske.scheme, signed, ske.signature)) {
      throw new DtlsError(
        "DTLS ServerKeyExchange signature does not verify",
        Alert.DecryptError,
      );
    }
    if (this.#state !== "handshaking") return;

    // ECDHE (RFC 8422 §5.10): the pre-master secret is the shared x-coordinate.
    let publicKey: Uint8Array, preMaster: Uint8Array;
    if (ske.group === NamedGroup.X25519) {
      const secret = x25519.utils.randomSecretKey();
      publicKey = x25519.getPublicKey(secret);
      preMaster = x25519.getSharedSecret(secret, ske.publicKey);
    } else if (ske.group === NamedGroup.Secp256r1) {
      const secret = p256.utils.randomSecretKey();
      publicKey = p256.getPublicKey(secret, false);
      try {
        preMaster = p256.getSharedSecret(secret, ske.publicKey, true).slice(1);
      } catch {
        throw new DtlsError(
          "DTLS server sent an invalid P-256 point",
          Alert.IllegalParameter,
        );
      }
    } else {
      throw new DtlsError(
        `Cannot use named group ${ske.group}: not offered`,
        Alert.IllegalParameter,
      );
    }

    const records: OutgoingRecord[] = [];
    const handshake = (type: number, body: Uint8Array, epoch = 0) => {
      const seq = this.#messageSeq++;
      this.#transcript.push(encodeHandshake(type, seq, body));
      for (const fragment of this.#fragments(type, seq, body)) {
        records.push({
          type: ContentType.Handshake,
          epoch,
          plaintext: fragment,
        });
      }
    };
    if (this.#certRequest) {
      handshake(
        HandshakeType.Certificate,
        new Writer().vector(
          new Writer().vector(this.#o.certificate.der, 3).finish(),
          3,
        ).finish(),
      );
    }
    handshake(
      HandshakeType.ClientKeyExchange,
      new Writer().vector(publicKey, 1).finish(),
    );
    // RFC 7627 §4: the session hash covers the transcript through ClientKeyExchange.
    this.#master = hello.extendedMasterSecret
      ? extendedMasterSecret(preMaster, this.#transcriptHash())
      : masterSecret(preMaster, this.#random, hello.random);
    if (this.#certRequest) {
      if (
        !this.#certRequest.schemes.includes(
          SignatureScheme.EcdsaSecp256r1Sha256,
        )
      ) {
        throw new DtlsError(
          "DTLS server does not accept ecdsa_secp256r1_sha256 client signatures",
          Alert.HandshakeFailure,
        );
      }
      const signature = p256.sign(
        this.#transcriptBytes(),
        this.#o.certificate.privateKey,
        { prehash: true, format: "der" },
      );
      handshake(
        HandshakeType.CertificateVerify,
        new Writer().int(SignatureScheme.EcdsaSecp256r1Sha256, 2).vector(
          signature,
          2,
        ).finish(),
      );
    }
    const keys = gcmKeyBlock(this.#master, this.#random, hello.random);
    this.#writeCipher = new GcmRecordCipher(keys.clientKey, keys.clientIv);
    this.#readCipher = new GcmRecordCipher(keys.serverKey, keys.serverIv);
    records.push({
      type: ContentType.ChangeCipherSpec,
      epoch: 0,
      plaintext: Uint8Array.of(1),
    });
    handshake(
      HandshakeType.Finished,
      verifyData(this.#master, "client finished", this.#transcriptHash()),
      1,
    );
    this.#startFlight(records);
  }

  #checkServerFinished(body: Uint8Array): void {
    if (!this.#master || !this.#serverHello || !this.#serverCerts) {
      throw new DtlsError(
        "Cannot accept Finished before the key exchange",
        Alert.UnexpectedMessage,
      );
    }
    const expected = verifyData(
      this.#master,
      "server finished",
      this.#transcriptHash(),
    );
    let diff = body.length ^ expected.length;
    for (let i = 0; i < expected.length; i++) diff |= expected[i] ^ body[i];
    if (diff !== 0) {
      throw new DtlsError(
        "DTLS server Finished does not verify",
        Alert.DecryptError,
      );
    }
    const profile = srtpProfileById(this.#serverHello.srtpProfile!)!;
    const k = profile.keyLength, s = profile.saltLength;
    const material = this.exportKeyingMaterial(
      "EXTRACTOR-dtls_srtp",
      2 * (k + s),
    );
    // RFC 5764 §4.2: client key | server key | client salt | server salt.
    this.#result = {
      profile,
      localKey: material.slice(0, k),
      remoteKey: material.slice(k, 2 * k),
      localSalt: material.slice(2 * k, 2 * k + s),
      remoteSalt: material.slice(2 * k + s),
      remoteCertificate: this.#serverCerts[0],
    };
    this.#state = "connected";
    this.#timer.cancel();
    this.#resolve(this.#result);
  }

  #fragments(type: number, seq: number, body: Uint8Array): Uint8Array[] {
    // Room for the record header (13), handshake header (12) and, at epoch
    // 1, the GCM explicit nonce and tag (24).
    const max = this.#o.mtu - 13 - 12 - 24;
    if (body.length <= max) return [encodeHandshake(type, seq, body)];
    const out: Uint8Array[] = [];
    for (let offset = 0; offset < body.length; offset += max) {
      out.push(
        encodeFragment(
          type,
          seq,
          body.length,
          offset,
          body.subarray(offset, offset + max),
        ),
      );
    }
    return out;
  }

  #sendClientHello(): void {
    const body = encodeClientHello({
      random: this.#random,
      cookie: this.#cookie,
      cipherSuites: [
        CipherSuite.EcdheEcdsaAes128GcmSha256,
        CipherSuite.EcdheRsaAes128GcmSha256,
      ],
      srtpProfiles: this.#o.srtpProfiles.map((name) => SRTP_PROFILES[name].id),
      groups: [NamedGroup.X25519, NamedGroup.Secp256r1],
      signatureSchemes: SCHEMES_WE_VERIFY,
    });
    const seq = this.#messageSeq++;
    this.#transcript.push(
      encodeHandshake(HandshakeType.ClientHello, seq, body),
    );
    this.#startFlight([{
      type: ContentType.Handshake,
      epoch: 0,
      plaintext: encodeHandshake(HandshakeType.ClientHello, seq, body),
    }]);
  }

  #startFlight(records: OutgoingRecord[]): void {
    this.#flight = records;
    this.#timeoutMs = this.#o.initialTimeoutMs;
    this.#transmit();
  }

  /** Sends the current flight with fresh record sequence numbers, packed into datagrams. */
  #transmit(): void {
    const datagrams: Uint8Array[][] = [[]];
    let size = 0;
    for (const r of this.#flight) {
      const seq = this.#recordSeq[r.epoch]++;
      const fragment = r.epoch === 1
        ? this.#writeCipher!.seal(r.type, 1, seq, r.plaintext)
        : r.plaintext;
      const record = encodeRecord(r.type, r.epoch, seq, fragment);
      if (size + record.length > this.#o.mtu && size > 0) {
        datagrams.push([]);
        size = 0;
      }
      datagrams[datagrams.length - 1].push(record);
      size += record.length;
    }
    for (const parts of datagrams) {
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let offset = 0;
      for (const p of parts) {
        out.set(p, offset);
        offset += p.length;
      }
      this.#o.send(out);
    }
    this.#lastResend = this.#scheduler.clock.now();
    this.#timer.after(this.#timeoutMs);
  }

  #resendSoon(): void {
    // The server resent its previous flight, so ours was lost: resend now,
    // but not more than once per 100 ms against duplicated datagrams.
    if (
      this.#processing || this.#scheduler.clock.now() - this.#lastResend < 100
    ) return;
    this.#transmit();
  }

  #onTimer(now: number): void {
    if (this.#state !== "handshaking" || this.#processing) return;
    if (now >= this.#deadline) {
      this.#fail(
        new DtlsError(
          `DTLS handshake timed out after ${this.#o.handshakeTimeoutMs} ms`,
        ),
        false,
      );
      return;
    }
    this.#timeoutMs = Math.min(this.#timeoutMs * 2, this.#o.maxTimeoutMs);
    this.#transmit();
  }

  #sendAlert(level: number, description: number): void {
    try {
      const epoch = this.#writeCipher && this.#state === "connected" ? 1 : 0;
      const plaintext = Uint8Array.of(level, description);
      const seq = this.#recordSeq[epoch]++;
      const fragment = epoch === 1
        ? this.#writeCipher!.seal(ContentType.Alert, 1, seq, plaintext)
        : plaintext;
      this.#o.send(encodeRecord(ContentType.Alert, epoch, seq, fragment));
    } catch { /* best effort */ }
  }

  #fail(error: DtlsError, sendAlert = true): void {
    if (this.#state === "failed" || this.#state === "closed") return;
    if (sendAlert && error.alert !== undefined) this.#sendAlert(2, error.alert);
    this.#state = "failed";
    this.#timer.cancel();
    this.#reject(error);
  }
}

/** Verifies a ServerKeyExchange signature with the certificate's key. */
async function verifySignature(
  key: PeerPublicKey,
  scheme: number,
  signed: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  try {
    if (key.kind === "ec") {
      // OpenSSL does not normalise S, so high-S signatures are legitimate.
      if (
        scheme === SignatureScheme.EcdsaSecp256r1Sha256 && key.curve === "P-256"
      ) {
        return p256.verify(signature, signed, key.point, {
          prehash: true,
          format: "der",
          lowS: false,
        });
      }
      if (
        scheme === SignatureScheme.EcdsaSecp384r1Sha384 && key.curve === "P-384"
      ) {
        return p384.verify(signature, signed, key.point, {
          prehash: true,
          format: "der",
          lowS: false,
        });
      }
      return false;
    }
    const algorithm = scheme === SignatureScheme.RsaPkcs1Sha256
      ? { name: "RSASSA-PKCS1-v1_5" }
      : scheme === SignatureScheme.RsaPssRsaeSha256
      ? { name: "RSA-PSS", saltLength: 32 }
      : undefined;
    if (!algorithm) return false;
    const publicKey = await crypto.subtle.importKey(
      "spki",
      key.spki as Uint8Array<ArrayBuffer>,
      { name: algorithm.name, hash: "SHA-256" },
      false,
      ["verify"],
    );
    return await crypto.subtle.verify(
      algorithm,
      publicKey,
      signature as Uint8Array<ArrayBuffer>,
      signed as Uint8Array<ArrayBuffer>,
    );
  } catch {
    return false;
  }
}
