/**
 * DTLS 1.2 handshake messages (RFC 6347 §4.2, RFC 5246 §7.4) that a client
 * writes or reads, and out-of-order fragment reassembly.
 *
 * ```
 * struct {
 *   HandshakeType msg_type;   uint24 length;
 *   uint16 message_seq;       uint24 fragment_offset;
 *   uint24 fragment_length;   opaque body[fragment_length];
 * } Handshake;
 * ```
 *
 * Parsers throw only {@linkcode DtlsError}.
 *
 * @module
 */

import { TgCallError } from "../errors.ts";

/** A DTLS failure: malformed input, a failed check, or a peer alert. */
export class DtlsError extends TgCallError {
  /** The TLS alert description to send or that was received, if any. */
  readonly alert: number | undefined;

  /**
   * Creates the error.
   *
   * @param message What went wrong.
   * @param alert The alert description involved.
   */
  constructor(message: string, alert?: number) {
    super("DTLS", message);
    this.alert = alert;
  }
}

/** Handshake message types. */
export const HandshakeType = {
  HelloRequest: 0,
  ClientHello: 1,
  ServerHello: 2,
  HelloVerifyRequest: 3,
  Certificate: 11,
  ServerKeyExchange: 12,
  CertificateRequest: 13,
  ServerHelloDone: 14,
  CertificateVerify: 15,
  ClientKeyExchange: 16,
  Finished: 20,
} as const;

/** Alert descriptions used here (RFC 5246 §7.2). */
export const Alert = {
  CloseNotify: 0,
  UnexpectedMessage: 10,
  BadRecordMac: 20,
  HandshakeFailure: 40,
  BadCertificate: 42,
  UnsupportedCertificate: 43,
  IllegalParameter: 47,
  DecodeError: 50,
  DecryptError: 51,
  InternalError: 80,
} as const;

/** Cipher suites tgcall offers. */
export const CipherSuite = {
  EcdheEcdsaAes128GcmSha256: 0xc02b,
  EcdheRsaAes128GcmSha256: 0xc02f,
} as const;

/** Named groups (RFC 8422 §5.1.1). */
export const NamedGroup = { Secp256r1: 23, X25519: 29 } as const;

/** SignatureScheme values (RFC 8446 §4.2.3, valid in TLS 1.2 per RFC 8422). */
export const SignatureScheme = {
  RsaPkcs1Sha256: 0x0401,
  EcdsaSecp256r1Sha256: 0x0403,
  EcdsaSecp384r1Sha384: 0x0503,
  RsaPssRsaeSha256: 0x0804,
} as const;

/** Extension types. */
export const ExtensionType = {
  SupportedGroups: 10,
  EcPointFormats: 11,
  SignatureAlgorithms: 13,
  UseSrtp: 14,
  ExtendedMasterSecret: 23,
  RenegotiationInfo: 0xff01,
} as const;

/** A complete (reassembled) handshake message. */
export interface HandshakeMessage {
  /** Message type. */
  type: number;
  /** message_seq. */
  seq: number;
  /** The body. */
  body: Uint8Array;
}

/** The 12-byte handshake header plus body as one unfragmented message (for the transcript). */
export function encodeHandshake(
  type: number,
  seq: number,
  body: Uint8Array,
): Uint8Array {
  return encodeFragment(type, seq, body.length, 0, body);
}

/** One handshake fragment. */
export function encodeFragment(
  type: number,
  seq: number,
  totalLength: number,
  offset: number,
  fragment: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(12 + fragment.length);
  out[0] = type;
  put24(out, 1, totalLength);
  out[4] = seq >> 8;
  out[5] = seq & 0xff;
  put24(out, 6, offset);
  put24(out, 9, fragment.length);
  out.set(fragment, 12);
  return out;
}

function put24(out: Uint8Array, at: number, v: number): void {
  out[at] = v >> 16;
  out[at + 1] = (v >> 8) & 0xff;
  out[at + 2] = v & 0xff;
}

/** A cursor over a byte string that throws {@linkcode DtlsError} on overrun. */
export class Reader {
  #at = 0;

  /** @param data The bytes to read. */
  constructor(readonly data: Uint8Array) {}

  /** Bytes left. */
  get remaining(): number {
    return this.data.length - this.#at;
  }

  #need(n: number): void {
    if (this.#at + n > this.data.length) {
      throw new DtlsError(
        "Cannot decode handshake message: truncated",
        Alert.DecodeError,
      );
    }
  }

  /** One byte. */
  u8(): number {
    this.#need(1);
    return this.data[this.#at++];
  }

  /** Two bytes, big-endian. */
  u16(): number {
    this.#need(2);
    const v = (this.data[this.#at] << 8) | this.data[this.#at + 1];
    this.#at += 2;
    return v;
  }

  /** Three bytes, big-endian. */
  u24(): number {
    this.#need(3);
    const v = (this.data[this.#at] << 16) | (this.data[this.#at + 1] << 8) |
      this.data[this.#at + 2];
    this.#at += 3;
    return v;
  }

  /** `n` bytes. */
  bytes(n: number): Uint8Array {
    this.#need(n);
    const v = this.data.subarray(this.#at, this.#at + n);
    this.#at += n;
    return v;
  }

  /** A vector with a 1-, 2- or 3-byte length prefix. */
  vector(lengthBytes: 1 | 2 | 3): Uint8Array {
    const n = lengthBytes === 1
      ? this.u8()
      : lengthBytes === 2
      ? this.u16()
      : this.u24();
    return this.bytes(n);
  }
}

/** Builds byte strings with length-prefixed vectors. */
export class Writer {
  readonly #parts: number[] = [];

  /** Appends bytes. */
  put(bytes: ArrayLike<number>): this {
    for (let i = 0; i < bytes.length; i++) this.#parts.push(bytes[i]);
    return this;
  }

  /** Appends a big-endian integer of `width` bytes. */
  int(value: number, width: 1 | 2 | 3): this {
    for (let i = width - 1; i >= 0; i--) {
      this.#parts.push((value >>> (8 * i)) & 0xff);
    }
    return this;
  }

  /** Appends a vector with a `lengthBytes` prefix. */
  vector(bytes: ArrayLike<number>, lengthBytes: 1 | 2 | 3): this {
    return this.int(bytes.length, lengthBytes).put(bytes);
  }

  /** The bytes written. */
  finish(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }
}

/**
 * Reassembles handshake messages from fragments that may arrive out of
 * order, duplicated or split differently on retransmission (RFC 6347
 * §4.2.3). Bounded: messages past `maxLength` or too far ahead are refused.
 */
export class HandshakeReassembler {
  readonly #pending = new Map<
    number,
    { type: number; body: Uint8Array; have: Uint8Array; filled: number }
  >();
  /** The next message_seq the state machine expects. */
  next = 0;

  /** @param maxLength Largest message accepted (certificate chains included). */
  constructor(readonly maxLength: number = 64 * 1024) {}

  /**
   * Feeds one handshake record fragment (which may hold several handshake
   * fragments). Returns messages now complete, in message_seq order, and
   * whether any fragment was a retransmission of an earlier message.
   */
  push(
    fragment: Uint8Array,
  ): { messages: HandshakeMessage[]; sawOld: boolean } {
    let sawOld = false;
    const r = new Reader(fragment);
    while (r.remaining >= 12) {
      const type = r.u8();
      const length = r.u24();
      const seq = r.u16();
      const offset = r.u24();
      const fragLength = r.u24();
      const body = r.bytes(fragLength);
      if (seq < this.next) {
        sawOld = true;
        continue;
      }
      if (
        seq > this.next + 8 || length > this.maxLength ||
        offset + fragLength > length
      ) continue;
      let entry = this.#pending.get(seq);
      if (!entry) {
        entry = {
          type,
          body: new Uint8Array(length),
          have: new Uint8Array(length),
          filled: 0,
        };
        this.#pending.set(seq, entry);
      }
      if (entry.type !== type || entry.body.length !== length) continue;
      for (let i = 0; i < fragLength; i++) {
        if (!entry.have[offset + i]) {
          entry.have[offset + i] = 1;
          entry.body[offset + i] = body[i];
          entry.filled++;
        }
      }
    }
    const messages: HandshakeMessage[] = [];
    for (;;) {
      const entry = this.#pending.get(this.next);
      if (!entry || entry.filled !== entry.body.length) break;
      this.#pending.delete(this.next);
      messages.push({ type: entry.type, seq: this.next, body: entry.body });
      this.next++;
    }
    return { messages, sawOld };
  }
}

/** Parsed ServerHello. */
export interface ServerHello {
  /** Server random. */
  random: Uint8Array;
  /** Selected suite. */
  cipherSuite: number;
  /** Selected SRTP profile id, if use_srtp was answered. */
  srtpProfile?: number;
  /** Whether the server agreed to extended_master_secret. */
  extendedMasterSecret: boolean;
}

/** Parses a ServerHello body. */
export function parseServerHello(body: Uint8Array): ServerHello {
  const r = new Reader(body);
  const version = r.u16();
  if (version !== 0xfefd) {
    throw new DtlsError(
      `Cannot use DTLS version 0x${version.toString(16)}`,
      Alert.HandshakeFailure,
    );
  }
  const random = r.bytes(32).slice();
  r.vector(1); // session id
  const cipherSuite = r.u16();
  const compression = r.u8();
  if (compression !== 0) {
    throw new DtlsError("Cannot use compression", Alert.IllegalParameter);
  }
  const hello: ServerHello = {
    random,
    cipherSuite,
    extendedMasterSecret: false,
  };
  if (r.remaining > 0) {
    const ext = new Reader(r.vector(2));
    while (ext.remaining > 0) {
      const type = ext.u16();
      const data = new Reader(ext.vector(2));
      if (type === ExtensionType.UseSrtp) {
        const profiles = new Reader(data.vector(2));
        if (profiles.remaining !== 2) {
          throw new DtlsError(
            "Cannot parse use_srtp: server must pick one profile",
            Alert.IllegalParameter,
          );
        }
        hello.srtpProfile = profiles.u16();
      } else if (type === ExtensionType.ExtendedMasterSecret) {
        hello.extendedMasterSecret = true;
      }
    }
  }
  return hello;
}

/** Parsed ServerKeyExchange for ECDHE. */
export interface ServerKeyExchange {
  /** Named group. */
  group: number;
  /** The server's ephemeral public key. */
  publicKey: Uint8Array;
  /** The signed bytes' ECParameters ‖ ECPoint part. */
  params: Uint8Array;
  /** SignatureScheme used. */
  scheme: number;
  /** The signature. */
  signature: Uint8Array;
}

/** Parses an ECDHE ServerKeyExchange body (RFC 8422 §5.4). */
export function parseServerKeyExchange(body: Uint8Array): ServerKeyExchange {
  const r = new Reader(body);
  const curveType = r.u8();
  if (curveType !== 3) {
    throw new DtlsError("Cannot use explicit curves", Alert.IllegalParameter);
  }
  const group = r.u16();
  const publicKey = r.vector(1).slice();
  const params = body.slice(0, 4 + publicKey.length);
  const scheme = r.u16();
  const signature = r.vector(2).slice();
  return { group, publicKey, params, scheme, signature };
}

/** Parses a Certificate body into DER certificates (leaf first). */
export function parseCertificates(body: Uint8Array): Uint8Array[] {
  const list = new Reader(new Reader(body).vector(3));
  const out: Uint8Array[] = [];
  while (list.remaining > 0) out.push(list.vector(3).slice());
  return out;
}

/** Parses a CertificateRequest: the signature schemes it accepts. */
export function parseCertificateRequest(
  body: Uint8Array,
): { schemes: number[] } {
  const r = new Reader(body);
  r.vector(1); // certificate types
  const list = new Reader(r.vector(2));
  const schemes: number[] = [];
  while (list.remaining >= 2) schemes.push(list.u16());
  return { schemes };
}

/** Parses a HelloVerifyRequest: the cookie. */
export function parseHelloVerifyRequest(body: Uint8Array): Uint8Array {
  const r = new Reader(body);
  r.u16();
  return r.vector(1).slice();
}

/** Builds a ClientHello body. */
export function encodeClientHello(options: {
  random: Uint8Array;
  cookie: Uint8Array;
  cipherSuites: readonly number[];
  srtpProfiles: readonly number[];
  groups: readonly number[];
  signatureSchemes: readonly number[];
}): Uint8Array {
  const u16s = (values: readonly number[]) => {
    const w = new Writer();
    for (const v of values) w.int(v, 2);
    return w.finish();
  };
  const ext = (type: number, data: Uint8Array) =>
    new Writer().int(type, 2).vector(data, 2).finish();
  const extensions = new Writer()
    .put(
      ext(
        ExtensionType.SupportedGroups,
        new Writer().vector(u16s(options.groups), 2).finish(),
      ),
    )
    .put(ext(ExtensionType.EcPointFormats, Uint8Array.of(1, 0)))
    .put(
      ext(
        ExtensionType.SignatureAlgorithms,
        new Writer().vector(u16s(options.signatureSchemes), 2).finish(),
      ),
    )
    .put(
      ext(
        ExtensionType.UseSrtp,
        new Writer().vector(u16s(options.srtpProfiles), 2).int(0, 1).finish(),
      ),
    )
    .put(ext(ExtensionType.ExtendedMasterSecret, new Uint8Array(0)))
    .put(ext(ExtensionType.RenegotiationInfo, Uint8Array.of(0)))
    .finish();
  return new Writer()
    .int(0xfefd, 2)
    .put(options.random)
    .vector([], 1) // session id: no resumption
    .vector(options.cookie, 1)
    .vector(u16s(options.cipherSuites), 2)
    .vector([0], 1) // null compression
    .vector(extensions, 2)
    .finish();
}
