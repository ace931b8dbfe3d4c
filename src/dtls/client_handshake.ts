/**
 * What the client knows during one handshake and what it says: the
 * randoms, cookie and transcript, the server's flight-4 messages as they
 * are checked, the master secret, and the contents of flights 1/3 and 5
 * (RFC 6347 §4.2.4, RFC 5246 §7.4).
 *
 * The order messages may arrive in is `handshake_fsm.ts`'s business; the
 * methods here assume it was enforced.
 *
 * @module
 */

import { sha256 } from "@noble/hashes/sha2.js";
import type { DtlsCertificate } from "./certificate.ts";
import { Alert, DtlsError } from "./errors.ts";
import { encodeHandshake, HandshakeType } from "./handshake.ts";
import {
  CipherSuite,
  encodeClientHello,
  parseHelloVerifyRequest,
  parseServerHello,
  type ServerHello,
} from "./hello_messages.ts";
import { handshakeRecords, type OutgoingRecord } from "./flight.ts";
import {
  checkFingerprint,
  ecdhe,
  GROUPS_WE_OFFER,
  type RemoteFingerprint,
  SCHEMES_WE_VERIFY,
  serverSigningKey,
  signTranscript,
  verifyServerKeyExchange,
} from "./key_exchange.ts";
import {
  type CertificateRequest,
  encodeCertificate,
  encodeCertificateVerify,
  encodeClientKeyExchange,
  parseCertificateRequest,
  parseCertificates,
  parseServerKeyExchange,
  type ServerKeyExchange,
} from "./key_exchange_messages.ts";
import {
  exportKeyingMaterial,
  extendedMasterSecret,
  gcmKeyBlock,
  type GcmKeys,
  masterSecret,
  verifyData,
} from "./prf.ts";
import { ContentType } from "./record.ts";

/**
 * HelloVerifyRequests accepted in one handshake. Servers send one (RFC
 * 6347 §4.2.1); a server that answers every ClientHello with a fresh
 * cookie would otherwise keep us looping until the deadline.
 */
export const MAX_HELLO_VERIFY_REQUESTS = 4;

/** Options for {@linkcode ClientHandshake}. */
export interface ClientHandshakeOptions {
  /** Our certificate, sent when the server asks. */
  certificate: DtlsCertificate;
  /** Accepted server fingerprints. */
  remoteFingerprints: readonly RemoteFingerprint[];
  /** use_srtp profile ids to offer, most preferred first. */
  srtpProfiles: readonly number[];
  /** Largest datagram, for fragmenting our Certificate. */
  mtu: number;
}

/** Flight 5 and the epoch-1 keys its Finished is protected with. */
export interface Flight5 {
  /** The records, in order. */
  records: OutgoingRecord[];
  /** The key block. */
  keys: GcmKeys;
}

/** The client's side of one DTLS 1.2 handshake. */
export class ClientHandshake {
  readonly #o: ClientHandshakeOptions;
  readonly #random = crypto.getRandomValues(new Uint8Array(32));
  #cookie: Uint8Array = new Uint8Array(0);
  #helloVerifyRequests = 0;
  #messageSeq = 0;
  #transcript: Uint8Array[] = [];
  #serverHello: ServerHello | undefined;
  #serverCertificates: Uint8Array[] | undefined;
  #serverKeyExchange: ServerKeyExchange | undefined;
  #certificateRequest: CertificateRequest | undefined;
  #master: Uint8Array | undefined;

  /**
   * Starts a handshake with a fresh client random.
   *
   * @param options See {@linkcode ClientHandshakeOptions}.
   */
  constructor(options: ClientHandshakeOptions) {
    this.#o = options;
  }

  /** The use_srtp profile the server picked (after ServerHello). */
  get srtpProfileId(): number {
    return this.#need(this.#serverHello, "ServerHello").srtpProfile!;
  }

  /** The server's leaf certificate, DER (after Certificate). */
  get remoteCertificate(): Uint8Array {
    return this.#need(this.#serverCertificates, "Certificate")[0];
  }

  /** Appends one whole handshake message to the transcript. */
  addToTranscript(message: Uint8Array): void {
    this.#transcript.push(message);
  }

  /** Flight 1, or flight 3 once a cookie is known: one ClientHello. */
  clientHello(): OutgoingRecord[] {
    const body = encodeClientHello({
      random: this.#random,
      cookie: this.#cookie,
      cipherSuites: [
        CipherSuite.EcdheEcdsaAes128GcmSha256,
        CipherSuite.EcdheRsaAes128GcmSha256,
      ],
      srtpProfiles: this.#o.srtpProfiles,
      groups: GROUPS_WE_OFFER,
      signatureSchemes: SCHEMES_WE_VERIFY,
    });
    const message = encodeHandshake(
      HandshakeType.ClientHello,
      this.#messageSeq++,
      body,
    );
    this.#transcript.push(message);
    return [{ type: ContentType.Handshake, epoch: 0, plaintext: message }];
  }

  /**
   * Takes the cookie; the transcript restarts with the next ClientHello
   * (RFC 6347 §4.2.1). Throws `handshake_failure` past
   * {@linkcode MAX_HELLO_VERIFY_REQUESTS}.
   */
  helloVerifyRequest(body: Uint8Array): void {
    if (++this.#helloVerifyRequests > MAX_HELLO_VERIFY_REQUESTS) {
      throw new DtlsError(
        `Cannot complete a handshake whose server sent more than ${MAX_HELLO_VERIFY_REQUESTS} HelloVerifyRequests`,
        Alert.HandshakeFailure,
      );
    }
    this.#cookie = parseHelloVerifyRequest(body);
    this.#transcript = [];
  }

  /** Checks the chosen suite and use_srtp profile against what we offered. */
  serverHello(body: Uint8Array): void {
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
    if (
      hello.srtpProfile === undefined ||
      !this.#o.srtpProfiles.includes(hello.srtpProfile)
    ) {
      throw new DtlsError(
        "Cannot use DTLS without a use_srtp profile we offered",
        Alert.HandshakeFailure,
      );
    }
    this.#serverHello = hello;
  }

  /** Takes the chain and checks the leaf against the remote fingerprints. */
  certificate(body: Uint8Array): void {
    const certificates = parseCertificates(body);
    if (certificates.length === 0) {
      throw new DtlsError(
        "Cannot authenticate a server without a certificate",
        Alert.BadCertificate,
      );
    }
    checkFingerprint(certificates[0], this.#o.remoteFingerprints);
    this.#serverCertificates = certificates;
  }

  /** Takes the server's ECDHE parameters (checked in {@linkcode authenticateServer}). */
  serverKeyExchange(body: Uint8Array): void {
    this.#serverKeyExchange = parseServerKeyExchange(body);
  }

  /** Notes that the server wants our certificate. */
  certificateRequest(body: Uint8Array): void {
    this.#certificateRequest = parseCertificateRequest(body);
  }

  /** Verifies the ServerKeyExchange signature with the certificate's key. */
  async authenticateServer(): Promise<void> {
    const hello = this.#need(this.#serverHello, "ServerHello");
    const key = serverSigningKey(this.remoteCertificate, hello.cipherSuite);
    await verifyServerKeyExchange(
      key,
      this.#need(this.#serverKeyExchange, "ServerKeyExchange"),
      this.#random,
      hello.random,
    );
  }

  /**
   * Flight 5: [Certificate], ClientKeyExchange, [CertificateVerify],
   * ChangeCipherSpec, Finished. Derives the master secret on the way.
   */
  flight5(): Flight5 {
    const hello = this.#need(this.#serverHello, "ServerHello");
    const ske = this.#need(this.#serverKeyExchange, "ServerKeyExchange");
    const request = this.#certificateRequest;
    const { publicKey, preMaster } = ecdhe(ske.group, ske.publicKey);
    const records: OutgoingRecord[] = [];
    const send = (type: number, body: Uint8Array, epoch: 0 | 1 = 0) => {
      const seq = this.#messageSeq++;
      this.#transcript.push(encodeHandshake(type, seq, body));
      records.push(...handshakeRecords(type, seq, body, epoch, this.#o.mtu));
    };
    if (request) {
      send(
        HandshakeType.Certificate,
        encodeCertificate(this.#o.certificate.der),
      );
    }
    send(HandshakeType.ClientKeyExchange, encodeClientKeyExchange(publicKey));
    // RFC 7627 §4: the session hash covers the transcript through ClientKeyExchange.
    const master = hello.extendedMasterSecret
      ? extendedMasterSecret(preMaster, this.#transcriptHash())
      : masterSecret(preMaster, this.#random, hello.random);
    this.#master = master;
    if (request) {
      const { scheme, signature } = signTranscript(
        request,
        this.#transcriptBytes(),
        this.#o.certificate.privateKey,
      );
      send(
        HandshakeType.CertificateVerify,
        encodeCertificateVerify(scheme, signature),
      );
    }
    const keys = gcmKeyBlock(master, this.#random, hello.random);
    records.push({
      type: ContentType.ChangeCipherSpec,
      epoch: 0,
      plaintext: Uint8Array.of(1),
    });
    send(
      HandshakeType.Finished,
      verifyData(master, "client finished", this.#transcriptHash()),
      1,
    );
    return { records, keys };
  }

  /** Checks the server's Finished verify_data (constant time); throws `decrypt_error`. */
  finished(body: Uint8Array): void {
    const expected = verifyData(
      this.#need(this.#master, "the master secret"),
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
  }

  /**
   * Drops what only the handshake needed (transcript, cookie, the server's
   * certificates and key exchange, its certificate request) once the
   * server's Finished verified: a connected call lives for hours, and the
   * exporter needs only the master secret and the randoms.
   */
  release(): void {
    this.#transcript = [];
    this.#cookie = new Uint8Array(0);
    this.#serverCertificates = undefined;
    this.#serverKeyExchange = undefined;
    this.#certificateRequest = undefined;
  }

  /** RFC 5705 exporter; throws until the master secret exists. */
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

  /** Guards what the state machine already guarantees. */
  #need<T>(value: T | undefined, what: string): T {
    if (value === undefined) {
      throw new DtlsError(
        `Cannot continue the handshake without ${what}`,
        Alert.UnexpectedMessage,
      );
    }
    return value;
  }
}
