/**
 * The DTLS 1.2 handshake header (RFC 6347 §4.2.2): message types,
 * fragmenting a message to fit the MTU, and reassembling fragments that
 * arrive out of order (RFC 6347 §4.2.3).
 *
 * ```
 * struct {
 *   HandshakeType msg_type;   uint24 length;
 *   uint16 message_seq;       uint24 fragment_offset;
 *   uint24 fragment_length;   opaque body[fragment_length];
 * } Handshake;
 * ```
 *
 * Message bodies are in `hello_messages.ts` and `key_exchange_messages.ts`.
 * Parsers throw only `DtlsError` (errors.ts): `DtlsParseError` for bytes
 * that do not decode, `illegal_parameter` for fragments that contradict
 * each other.
 *
 * @module
 */

import { Reader } from "./codec.ts";
import { Alert, DtlsError } from "./errors.ts";

/** Handshake message types (RFC 5246 §7.4, RFC 6347 §4.2.1). */
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

/** Bytes of the handshake header in front of every fragment. */
export const HANDSHAKE_HEADER_LENGTH = 12;

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
  const out = new Uint8Array(HANDSHAKE_HEADER_LENGTH + fragment.length);
  out[0] = type;
  put24(out, 1, totalLength);
  out[4] = seq >> 8;
  out[5] = seq & 0xff;
  put24(out, 6, offset);
  put24(out, 9, fragment.length);
  out.set(fragment, HANDSHAKE_HEADER_LENGTH);
  return out;
}

function put24(out: Uint8Array, at: number, v: number): void {
  out[at] = v >> 16;
  out[at + 1] = (v >> 8) & 0xff;
  out[at + 2] = v & 0xff;
}

/**
 * One message as fragments whose bodies are at most `maxFragment` bytes
 * each; a message that fits is sent whole.
 */
export function fragmentHandshake(
  type: number,
  seq: number,
  body: Uint8Array,
  maxFragment: number,
): Uint8Array[] {
  if (body.length <= maxFragment) return [encodeHandshake(type, seq, body)];
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < body.length; offset += maxFragment) {
    out.push(
      encodeFragment(
        type,
        seq,
        body.length,
        offset,
        body.subarray(offset, offset + maxFragment),
      ),
    );
  }
  return out;
}

interface PendingMessage {
  type: number;
  body: Uint8Array;
  have: Uint8Array;
  filled: number;
}

/**
 * Reassembles handshake messages from fragments that may arrive out of
 * order, duplicated or split differently on retransmission (RFC 6347
 * §4.2.3). Bounded: messages past `maxLength` or too far ahead are refused.
 */
export class HandshakeReassembler {
  readonly #pending = new Map<number, PendingMessage>();
  /** The next message_seq the state machine expects. */
  next = 0;

  /**
   * Creates a reassembler expecting message_seq 0.
   *
   * @param maxLength Largest message accepted (certificate chains included).
   */
  constructor(readonly maxLength: number = 64 * 1024) {}

  /**
   * Feeds one handshake record fragment (which may hold several handshake
   * fragments). Returns messages now complete, in message_seq order, and
   * whether any fragment was a retransmission of an earlier message.
   *
   * Throws `DtlsParseError` when a fragment header overruns the record,
   * and `illegal_parameter` when overlapping fragments disagree: a DTLS
   * 1.2 retransmission repeats the same bytes (RFC 6347 §4.2.4), so a
   * conflict is a lying peer, and whichever copy won would leave our
   * transcript different from the server's.
   */
  push(
    fragment: Uint8Array,
  ): { messages: HandshakeMessage[]; sawOld: boolean } {
    let sawOld = false;
    const r = new Reader(fragment);
    while (r.remaining >= HANDSHAKE_HEADER_LENGTH) {
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
        } else if (entry.body[offset + i] !== body[i]) {
          throw new DtlsError(
            `DTLS handshake fragments disagree on message ${seq}`,
            Alert.IllegalParameter,
          );
        }
      }
    }
    return { messages: this.#completed(), sawOld };
  }

  #completed(): HandshakeMessage[] {
    const messages: HandshakeMessage[] = [];
    for (;;) {
      const entry = this.#pending.get(this.next);
      if (!entry || entry.filled !== entry.body.length) break;
      this.#pending.delete(this.next);
      messages.push({ type: entry.type, seq: this.next, body: entry.body });
      this.next++;
    }
    return messages;
  }
}
