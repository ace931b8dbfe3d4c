/**
 * Just enough ASN.1 DER (X.690) to write a self-signed certificate and to
 * find the public key inside a peer's certificate. Reading never throws
 * anything but {@linkcode DerError}.
 *
 * @module
 */

import { TgCallError } from "../errors.ts";

/** Malformed DER. */
export class DerError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message What was malformed.
   */
  constructor(message: string) {
    super("DER", message);
  }
}

/** Tag numbers used here. */
export const Tag = {
  Integer: 0x02,
  BitString: 0x03,
  OctetString: 0x04,
  Null: 0x05,
  Oid: 0x06,
  Utf8String: 0x0c,
  Sequence: 0x30,
  Set: 0x31,
  UtcTime: 0x17,
  /** [0] EXPLICIT, constructed. */
  Context0: 0xa0,
  /** [3] EXPLICIT, constructed. */
  Context3: 0xa3,
} as const;

/** Encodes one TLV. */
export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const length = content.reduce((n, c) => n + c.length, 0);
  const header = length < 0x80
    ? [tag, length]
    : length < 0x100
    ? [tag, 0x81, length]
    : length < 0x10000
    ? [tag, 0x82, length >> 8, length & 0xff]
    : [tag, 0x83, length >> 16, (length >> 8) & 0xff, length & 0xff];
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let offset = header.length;
  for (const c of content) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** Encodes a dotted OID. */
export function oid(dotted: string): Uint8Array {
  const parts = dotted.split(".").map(Number);
  const bytes = [40 * parts[0] + parts[1]];
  for (const part of parts.slice(2)) {
    const chunk = [part & 0x7f];
    for (let v = Math.floor(part / 128); v > 0; v = Math.floor(v / 128)) {
      chunk.unshift((v & 0x7f) | 0x80);
    }
    bytes.push(...chunk);
  }
  return tlv(Tag.Oid, Uint8Array.from(bytes));
}

/** Encodes a non-negative INTEGER from big-endian magnitude bytes. */
export function integer(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  return m[0] & 0x80
    ? tlv(Tag.Integer, Uint8Array.of(0), m)
    : tlv(Tag.Integer, m);
}

/** A decoded TLV: tag, and the content's position within the source. */
export interface DerNode {
  /** The tag byte. */
  tag: number;
  /** The whole encoding (header and content). */
  whole: Uint8Array;
  /** The content bytes. */
  content: Uint8Array;
}

/** Reads the TLV at `offset`. */
export function readTlv(data: Uint8Array, offset = 0): DerNode {
  if (offset + 2 > data.length) {
    throw new DerError("Cannot read DER: truncated header");
  }
  const tag = data[offset];
  let length = data[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 3 || start + n > data.length) {
      throw new DerError("Cannot read DER: bad length");
    }
    length = 0;
    for (let i = 0; i < n; i++) length = (length << 8) | data[start + i];
    start += n;
  }
  if (start + length > data.length) {
    throw new DerError("Cannot read DER: content overruns the input");
  }
  return {
    tag,
    whole: data.subarray(offset, start + length),
    content: data.subarray(start, start + length),
  };
}

/** The children of a constructed node. */
export function children(node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  for (let offset = 0; offset < node.content.length;) {
    const child = readTlv(node.content, offset);
    out.push(child);
    offset += child.whole.length;
  }
  return out;
}

/** Decodes an OID's content bytes to dotted text. */
export function oidText(content: Uint8Array): string {
  if (content.length === 0) throw new DerError("Cannot read DER: empty OID");
  const parts = [Math.floor(content[0] / 40), content[0] % 40];
  let value = 0;
  for (let i = 1; i < content.length; i++) {
    value = value * 128 + (content[i] & 0x7f);
    if (!(content[i] & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join(".");
}
