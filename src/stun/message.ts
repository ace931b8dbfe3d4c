/**
 * STUN messages (RFC 8489) with the attributes ICE uses (RFC 8445 §16):
 * the header (`header.ts`), the attribute TLVs (`attributes.ts`) and the
 * integrity attributes (`integrity.ts`) put together.
 *
 * Decoding never throws anything but {@linkcode StunParseError}; the ICE
 * agent drops (and counts) such datagrams.
 *
 * @module
 */

import { InvalidParamsError } from "../errors.ts";
import {
  decodeAttribute,
  encodeAttributes,
  expectLength,
  pad4,
  StunAttr,
  type StunAttributes,
} from "./attributes.ts";
import { StunParseError } from "./errors.ts";
import {
  MAGIC_COOKIE,
  STUN_HEADER_LENGTH,
  stunClassOf,
  stunMessageType,
  stunMethodOf,
} from "./header.ts";
import {
  FINGERPRINT_SIZE,
  INTEGRITY_SIZE,
  type StunIntegrityOffsets,
  writeFingerprint,
  writeMessageIntegrity,
} from "./integrity.ts";

/** A STUN message, decoded or to be encoded. */
export interface StunMessage extends StunAttributes {
  /** Method, e.g. `StunMethod.Binding`. */
  method: number;
  /** Class, e.g. `StunClass.Request`. */
  class: number;
  /** 12 random bytes. */
  transactionId: Uint8Array;
}

/** A decoded message plus what is needed to check its integrity. */
export interface DecodedStunMessage extends StunMessage, StunIntegrityOffsets {}

/** Encoding options. */
export interface StunEncodeOptions {
  /** Add MESSAGE-INTEGRITY keyed with this (the short-term password bytes). */
  integrityKey?: Uint8Array;
  /** Add FINGERPRINT (ICE always does). */
  fingerprint?: boolean;
  /** Byte used to pad attributes to 4 bytes; RFC 5769 uses 0x20. Default 0. */
  padding?: number;
}

/**
 * Encodes a message; attributes go in a fixed, conventional order.
 *
 * @throws {InvalidParamsError} when the transaction id is not 12 bytes or
 * XOR-MAPPED-ADDRESS is not an IP address.
 */
export function encodeStunMessage(
  message: StunMessage,
  options: StunEncodeOptions = {},
): Uint8Array {
  if (message.transactionId.length !== 12) {
    throw new InvalidParamsError(
      "Cannot encode STUN: transaction id must be 12 bytes",
    );
  }
  const attrs = encodeAttributes(message, message.transactionId);
  let bodyLength = 0;
  for (const [, value] of attrs) bodyLength += 4 + pad4(value.length);
  const integrityAt = STUN_HEADER_LENGTH + bodyLength;
  if (options.integrityKey) bodyLength += INTEGRITY_SIZE;
  const fingerprintAt = STUN_HEADER_LENGTH + bodyLength;
  if (options.fingerprint) bodyLength += FINGERPRINT_SIZE;

  const out = new Uint8Array(STUN_HEADER_LENGTH + bodyLength);
  const view = new DataView(out.buffer);
  view.setUint16(0, stunMessageType(message.method, message.class));
  view.setUint32(4, MAGIC_COOKIE);
  out.set(message.transactionId, 8);
  let offset = STUN_HEADER_LENGTH;
  for (const [type, value] of attrs) {
    view.setUint16(offset, type);
    view.setUint16(offset + 2, value.length);
    out.set(value, offset + 4);
    out.fill(
      options.padding ?? 0,
      offset + 4 + value.length,
      offset + 4 + pad4(value.length),
    );
    offset += 4 + pad4(value.length);
  }
  // The length field must already count MI (but not FINGERPRINT) when the
  // HMAC is computed (RFC 8489 §14.5).
  if (options.integrityKey) {
    writeMessageIntegrity(out, integrityAt, options.integrityKey);
  }
  view.setUint16(2, bodyLength);
  if (options.fingerprint) writeFingerprint(out, fingerprintAt);
  return out;
}

/**
 * Decodes a STUN message.
 *
 * @throws {StunParseError} on any malformation; nothing else.
 */
export function decodeStunMessage(data: Uint8Array): DecodedStunMessage {
  if (data.length < STUN_HEADER_LENGTH) {
    throw new StunParseError(
      `Cannot decode STUN: ${data.length} bytes is shorter than the header`,
    );
  }
  if (data[0] >= 4) {
    throw new StunParseError("Cannot decode STUN: first two bits are not zero");
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const type = view.getUint16(0);
  const length = view.getUint16(2);
  if (view.getUint32(4) !== MAGIC_COOKIE) {
    throw new StunParseError("Cannot decode STUN: bad magic cookie");
  }
  if (length % 4 !== 0) {
    throw new StunParseError(
      `Cannot decode STUN: length ${length} is not a multiple of 4`,
    );
  }
  if (STUN_HEADER_LENGTH + length !== data.length) {
    throw new StunParseError(
      `Cannot decode STUN: header says ${length} body bytes, datagram has ${
        data.length - STUN_HEADER_LENGTH
      }`,
    );
  }
  const message: StunMessage & {
    integrityOffset: number;
    fingerprintOffset: number;
    raw: Uint8Array;
  } = {
    method: stunMethodOf(type),
    class: stunClassOf(type),
    transactionId: data.slice(8, STUN_HEADER_LENGTH),
    raw: data,
    integrityOffset: -1,
    fingerprintOffset: -1,
  };
  let offset = STUN_HEADER_LENGTH;
  while (offset < data.length) {
    if (offset + 4 > data.length) {
      throw new StunParseError(
        "Cannot decode STUN: truncated attribute header",
      );
    }
    const attrType = view.getUint16(offset);
    const attrLength = view.getUint16(offset + 2);
    const start = offset + 4;
    const end = start + attrLength;
    if (end > data.length) {
      throw new StunParseError(
        `Cannot decode STUN: attribute 0x${
          attrType.toString(16)
        } overruns the message`,
      );
    }
    if (message.fingerprintOffset >= 0) {
      throw new StunParseError(
        "Cannot decode STUN: attribute after FINGERPRINT",
      );
    }
    // Only FINGERPRINT may follow MESSAGE-INTEGRITY (RFC 8489 §14.5).
    if (message.integrityOffset >= 0 && attrType !== StunAttr.Fingerprint) {
      offset = start + pad4(attrLength);
      continue;
    }
    if (attrType === StunAttr.MessageIntegrity) {
      expectLength(attrLength, 20, "MESSAGE-INTEGRITY");
      message.integrityOffset = offset;
    } else if (attrType === StunAttr.Fingerprint) {
      expectLength(attrLength, 4, "FINGERPRINT");
      message.fingerprintOffset = offset;
    } else {
      decodeAttribute(
        message,
        attrType,
        data.subarray(start, end),
        message.transactionId,
      );
    }
    offset = start + pad4(attrLength);
  }
  return message;
}
