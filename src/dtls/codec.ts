/**
 * Reading and writing the TLS presentation language (RFC 5246 §4):
 * big-endian integers and vectors with a 1-, 2- or 3-byte length prefix.
 *
 * The reader is the only place handshake parsing can overrun, so every
 * truncation and every length field that lies becomes one
 * {@linkcode DtlsParseError}.
 *
 * @module
 */

import { Alert, DtlsError, DtlsParseError } from "./errors.ts";

/** A cursor over a byte string that throws {@linkcode DtlsParseError} on overrun. */
export class Reader {
  #at = 0;

  /**
   * Creates a reader at the start of `data`.
   *
   * @param data The bytes to read.
   */
  constructor(readonly data: Uint8Array) {}

  /** Bytes left. */
  get remaining(): number {
    return this.data.length - this.#at;
  }

  #need(n: number): void {
    if (this.#at + n > this.data.length) {
      throw new DtlsParseError("Cannot decode handshake message: truncated");
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
    if (bytes.length >= 2 ** (8 * lengthBytes)) {
      throw new DtlsError(
        `Cannot encode ${bytes.length} bytes behind a ${lengthBytes}-byte length`,
        Alert.InternalError,
      );
    }
    return this.int(bytes.length, lengthBytes).put(bytes);
  }

  /** The bytes written. */
  finish(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }
}

/** Big-endian 16-bit integers as one byte string (cipher suites, groups, schemes). */
export function encodeU16s(values: readonly number[]): Uint8Array {
  const w = new Writer();
  for (const v of values) w.int(v, 2);
  return w.finish();
}
