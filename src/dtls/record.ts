/**
 * The DTLS 1.2 record layer (RFC 6347 §4.1).
 *
 * ```
 * struct {
 *   ContentType type;               // 1 byte
 *   ProtocolVersion version;        // {254, 253} for DTLS 1.2
 *   uint16 epoch;
 *   uint48 sequence_number;
 *   uint16 length;
 *   opaque fragment[length];
 * } DTLSPlaintext / DTLSCiphertext;
 * ```
 *
 * AES-128-GCM protection (RFC 5288 §3, RFC 6347 §4.1.2.1): nonce = 4-byte
 * implicit IV ‖ 8-byte explicit nonce (we use epoch ‖ sequence, which is
 * unique per key); additional data = epoch ‖ seq ‖ type ‖ version ‖
 * plaintext length. The fragment carries explicit nonce ‖ ciphertext ‖ tag.
 *
 * @module
 */

import { gcm } from "@noble/ciphers/aes.js";
import { Alert, DtlsError } from "./errors.ts";

/** Record content types (RFC 5246 §6.2.1). */
export const ContentType = {
  ChangeCipherSpec: 20,
  Alert: 21,
  Handshake: 22,
  ApplicationData: 23,
} as const;

/** DTLS 1.2 on the wire. */
export const DTLS_1_2 = 0xfefd;
/** DTLS 1.0: some servers put it in HelloVerifyRequest and early records. */
export const DTLS_1_0 = 0xfeff;

/** Bytes of the record header. */
export const RECORD_HEADER_LENGTH = 13;

/** The largest 48-bit sequence number. */
export const MAX_RECORD_SEQ = 2 ** 48 - 1;

/** One record as read from a datagram. */
export interface DtlsRecord {
  /** Content type. */
  type: number;
  /** Protocol version field. */
  version: number;
  /** Epoch. */
  epoch: number;
  /** 48-bit sequence number (exact in a double). */
  seq: number;
  /** The fragment (still protected for epoch > 0). */
  fragment: Uint8Array;
}

/**
 * Splits a datagram into records. A record whose length overruns the
 * datagram ends the parse; what came before it is still returned, which is
 * how RFC 6347 §4.1.2.7 wants invalid records treated (discarded, not fatal).
 */
export function parseRecords(datagram: Uint8Array): DtlsRecord[] {
  const out: DtlsRecord[] = [];
  const view = new DataView(
    datagram.buffer,
    datagram.byteOffset,
    datagram.byteLength,
  );
  const header = RECORD_HEADER_LENGTH;
  for (let offset = 0; offset + header <= datagram.length;) {
    const length = view.getUint16(offset + 11);
    if (offset + header + length > datagram.length) break;
    out.push({
      type: datagram[offset],
      version: view.getUint16(offset + 1),
      epoch: view.getUint16(offset + 3),
      seq: view.getUint16(offset + 5) * 2 ** 32 + view.getUint32(offset + 7),
      fragment: datagram.subarray(offset + header, offset + header + length),
    });
    offset += header + length;
  }
  return out;
}

/**
 * Writes a record header plus `fragment`. Fields that do not fit their
 * width throw {@linkcode DtlsError} instead of wrapping on the wire.
 */
export function encodeRecord(
  type: number,
  epoch: number,
  seq: number,
  fragment: Uint8Array,
): Uint8Array {
  if (
    fragment.length > 0xffff ||
    !Number.isInteger(epoch) || epoch < 0 || epoch > 0xffff ||
    !Number.isInteger(seq) || seq < 0 || seq > MAX_RECORD_SEQ
  ) {
    throw new DtlsError(
      `Cannot encode a record with epoch ${epoch}, seq ${seq}, ${fragment.length} bytes`,
      Alert.InternalError,
    );
  }
  const out = new Uint8Array(RECORD_HEADER_LENGTH + fragment.length);
  const view = new DataView(out.buffer);
  out[0] = type;
  view.setUint16(1, DTLS_1_2);
  view.setUint16(3, epoch);
  view.setUint16(5, Math.floor(seq / 2 ** 32));
  view.setUint32(7, seq >>> 0);
  view.setUint16(11, fragment.length);
  out.set(fragment, RECORD_HEADER_LENGTH);
  return out;
}

function additionalData(
  type: number,
  epoch: number,
  seq: number,
  length: number,
): Uint8Array {
  const aad = new Uint8Array(13);
  const view = new DataView(aad.buffer);
  view.setUint16(0, epoch);
  view.setUint16(2, Math.floor(seq / 2 ** 32));
  view.setUint32(4, seq >>> 0);
  aad[8] = type;
  view.setUint16(9, DTLS_1_2);
  view.setUint16(11, length);
  return aad;
}

/** AES-128-GCM record protection in one direction. */
export class GcmRecordCipher {
  readonly #key: Uint8Array;
  readonly #iv: Uint8Array;

  /**
   * Creates the cipher for one direction.
   *
   * @param key The 16-byte write key.
   * @param implicitIv The 4-byte implicit IV (salt).
   */
  constructor(key: Uint8Array, implicitIv: Uint8Array) {
    this.#key = key;
    this.#iv = implicitIv;
  }

  #nonce(explicit: Uint8Array): Uint8Array {
    const nonce = new Uint8Array(12);
    nonce.set(this.#iv);
    nonce.set(explicit, 4);
    return nonce;
  }

  /** Returns explicit nonce ‖ ciphertext ‖ tag for a record. */
  seal(
    type: number,
    epoch: number,
    seq: number,
    plaintext: Uint8Array,
  ): Uint8Array {
    const explicit = new Uint8Array(8);
    const view = new DataView(explicit.buffer);
    view.setUint16(0, epoch);
    view.setUint16(2, Math.floor(seq / 2 ** 32));
    view.setUint32(4, seq >>> 0);
    const sealed = gcm(
      this.#key,
      this.#nonce(explicit),
      additionalData(type, epoch, seq, plaintext.length),
    )
      .encrypt(plaintext);
    const out = new Uint8Array(8 + sealed.length);
    out.set(explicit);
    out.set(sealed, 8);
    return out;
  }

  /** Opens a record fragment; undefined when it does not authenticate. */
  open(record: DtlsRecord): Uint8Array | undefined {
    if (record.fragment.length < 8 + 16) return undefined;
    const explicit = record.fragment.subarray(0, 8);
    const length = record.fragment.length - 8 - 16;
    try {
      return gcm(
        this.#key,
        this.#nonce(explicit),
        additionalData(record.type, record.epoch, record.seq, length),
      )
        .decrypt(record.fragment.subarray(8));
    } catch {
      return undefined;
    }
  }
}

/**
 * Anti-replay window for one epoch (RFC 6347 §4.1.2.6): 64 records wide,
 * as a pair of 32-bit masks so sequence numbers stay plain numbers.
 */
export class ReplayWindow {
  #highest = -1;
  #low = 0;
  #high = 0;

  /** Whether `seq` is new (not yet seen and not too old). */
  check(seq: number): boolean {
    if (seq > this.#highest) return true;
    const age = this.#highest - seq;
    if (age >= 64) return false;
    return age < 32
      ? (this.#low & (1 << age)) === 0
      : (this.#high & (1 << (age - 32))) === 0;
  }

  /** Marks `seq` seen; call only after the record authenticated. */
  accept(seq: number): void {
    if (seq > this.#highest) {
      const shift = this.#highest < 0 ? 64 : seq - this.#highest;
      if (shift >= 64) {
        this.#low = 1;
        this.#high = 0;
      } else if (shift >= 32) {
        this.#high = this.#low << (shift - 32);
        this.#low = 1;
      } else {
        this.#high = (this.#high << shift) | (this.#low >>> (32 - shift));
        this.#low = (this.#low << shift) | 1;
      }
      this.#highest = seq;
    } else {
      const age = this.#highest - seq;
      if (age < 32) this.#low |= 1 << age;
      else if (age < 64) this.#high |= 1 << (age - 32);
    }
  }
}
