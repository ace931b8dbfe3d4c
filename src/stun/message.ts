/**
 * STUN messages (RFC 8489) with the attributes ICE uses (RFC 8445 §16).
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |0 0|     STUN Message Type     |         Message Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Magic Cookie (0x2112A442)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Transaction ID (96 bits)                     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * Decoding never throws anything but {@linkcode StunParseError}; the ICE
 * agent drops (and counts) such datagrams.
 *
 * @module
 */

import { hmac } from "@noble/hashes/hmac.js";
import { sha1 } from "@noble/hashes/legacy.js";
import { TgCallError } from "../errors.ts";
import { crc32 } from "./crc32.ts";

/** The fixed magic cookie (RFC 8489 §5). */
export const MAGIC_COOKIE = 0x2112a442;

/** STUN methods tgcall uses. */
export const StunMethod = { Binding: 0x001 } as const;

/** The four message classes (RFC 8489 §5). */
export const StunClass = {
  Request: 0,
  Indication: 1,
  SuccessResponse: 2,
  ErrorResponse: 3,
} as const;

/** Attribute types (RFC 8489 §18.3, RFC 8445 §16.1). */
export const StunAttr = {
  MappedAddress: 0x0001,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  XorMappedAddress: 0x0020,
  Priority: 0x0024,
  UseCandidate: 0x0025,
  Software: 0x8022,
  Fingerprint: 0x8028,
  IceControlled: 0x8029,
  IceControlling: 0x802a,
} as const;

/** FINGERPRINT is the CRC-32 XORed with this (RFC 8489 §14.7). */
const FINGERPRINT_XOR = 0x5354554e;

/** A transport address as STUN carries it. */
export interface StunAddress {
  /** Dotted IPv4 or colon-separated IPv6 text. */
  address: string;
  /** UDP port. */
  port: number;
}

/** A malformed STUN message. */
export class StunParseError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message What was wrong with the bytes.
   */
  constructor(message: string) {
    super("STUN_PARSE", message);
  }
}

/** A STUN message, decoded or to be encoded. */
export interface StunMessage {
  /** Method, e.g. {@linkcode StunMethod.Binding}. */
  method: number;
  /** Class, e.g. {@linkcode StunClass.Request}. */
  class: number;
  /** 12 random bytes. */
  transactionId: Uint8Array;
  /** USERNAME. */
  username?: string;
  /** PRIORITY. */
  priority?: number;
  /** USE-CANDIDATE present. */
  useCandidate?: boolean;
  /** ICE-CONTROLLING tie-breaker. */
  iceControlling?: bigint;
  /** ICE-CONTROLLED tie-breaker. */
  iceControlled?: bigint;
  /** XOR-MAPPED-ADDRESS. */
  xorMappedAddress?: StunAddress;
  /** ERROR-CODE. */
  errorCode?: { code: number; reason: string };
  /** SOFTWARE. */
  software?: string;
}

/** A decoded message plus what is needed to check its integrity. */
export interface DecodedStunMessage extends StunMessage {
  /** The datagram the message was decoded from. */
  readonly raw: Uint8Array;
  /** Offset of the MESSAGE-INTEGRITY attribute header, or -1. */
  readonly integrityOffset: number;
  /** Offset of the FINGERPRINT attribute header, or -1. */
  readonly fingerprintOffset: number;
}

/** Encoding options. */
export interface StunEncodeOptions {
  /** Add MESSAGE-INTEGRITY keyed with this (the short-term password bytes). */
  integrityKey?: Uint8Array;
  /** Add FINGERPRINT (ICE always does). */
  fingerprint?: boolean;
  /** Byte used to pad attributes to 4 bytes; RFC 5769 uses 0x20. Default 0. */
  padding?: number;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });

/** Whether a datagram can be STUN: RFC 7983 first byte 0–3, and the cookie. */
export function isStunMessage(data: Uint8Array): boolean {
  return data.length >= 20 && data[0] < 4 &&
    data[4] === 0x21 && data[5] === 0x12 && data[6] === 0xa4 &&
    data[7] === 0x42;
}

/** Packs method and class into the 14-bit message type (RFC 8489 §5). */
export function stunMessageType(method: number, cls: number): number {
  return (method & 0x000f) | ((method & 0x0070) << 1) |
    ((method & 0x0f80) << 2) | ((cls & 1) << 4) | ((cls & 2) << 7);
}

/** Twelve fresh random bytes for a transaction id. */
export function newTransactionId(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(12));
}

/** Encodes a message; attributes go in a fixed, conventional order. */
export function encodeStunMessage(
  message: StunMessage,
  options: StunEncodeOptions = {},
): Uint8Array {
  if (message.transactionId.length !== 12) {
    throw new RangeError("Cannot encode STUN: transaction id must be 12 bytes");
  }
  const attrs: [number, Uint8Array][] = [];
  if (message.software !== undefined) {
    attrs.push([StunAttr.Software, textEncoder.encode(message.software)]);
  }
  if (message.priority !== undefined) {
    attrs.push([StunAttr.Priority, u32(message.priority)]);
  }
  if (message.iceControlled !== undefined) {
    attrs.push([StunAttr.IceControlled, u64(message.iceControlled)]);
  }
  if (message.iceControlling !== undefined) {
    attrs.push([StunAttr.IceControlling, u64(message.iceControlling)]);
  }
  if (message.useCandidate) {
    attrs.push([StunAttr.UseCandidate, new Uint8Array(0)]);
  }
  if (message.username !== undefined) {
    attrs.push([StunAttr.Username, textEncoder.encode(message.username)]);
  }
  if (message.xorMappedAddress) {
    attrs.push([
      StunAttr.XorMappedAddress,
      encodeXorAddress(message.xorMappedAddress, message.transactionId),
    ]);
  }
  if (message.errorCode) {
    const reason = textEncoder.encode(message.errorCode.reason);
    const value = new Uint8Array(4 + reason.length);
    value[2] = Math.floor(message.errorCode.code / 100);
    value[3] = message.errorCode.code % 100;
    value.set(reason, 4);
    attrs.push([StunAttr.ErrorCode, value]);
  }
  let bodyLength = 0;
  for (const [, value] of attrs) bodyLength += 4 + pad4(value.length);
  const integrityAt = bodyLength;
  if (options.integrityKey) bodyLength += 24;
  const fingerprintAt = bodyLength;
  if (options.fingerprint) bodyLength += 8;

  const out = new Uint8Array(20 + bodyLength);
  const view = new DataView(out.buffer);
  view.setUint16(0, stunMessageType(message.method, message.class));
  view.setUint32(4, MAGIC_COOKIE);
  out.set(message.transactionId, 8);
  let offset = 20;
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
  if (options.integrityKey) {
    // The length field must already count MI (but not FINGERPRINT) when the
    // HMAC is computed (RFC 8489 §14.5).
    view.setUint16(2, integrityAt + 24);
    const mac = hmac(
      sha1,
      options.integrityKey,
      out.subarray(0, 20 + integrityAt),
    );
    view.setUint16(20 + integrityAt, StunAttr.MessageIntegrity);
    view.setUint16(22 + integrityAt, 20);
    out.set(mac, 24 + integrityAt);
  }
  view.setUint16(2, bodyLength);
  if (options.fingerprint) {
    const crc = crc32(out, 0, 20 + fingerprintAt) ^ FINGERPRINT_XOR;
    view.setUint16(20 + fingerprintAt, StunAttr.Fingerprint);
    view.setUint16(22 + fingerprintAt, 4);
    view.setUint32(24 + fingerprintAt, crc >>> 0);
  }
  return out;
}

/**
 * Decodes a STUN message.
 *
 * @throws {StunParseError} on any malformation; nothing else.
 */
export function decodeStunMessage(data: Uint8Array): DecodedStunMessage {
  if (data.length < 20) {
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
  if (20 + length !== data.length) {
    throw new StunParseError(
      `Cannot decode STUN: header says ${length} body bytes, datagram has ${
        data.length - 20
      }`,
    );
  }
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) |
    ((type & 0x3e00) >> 2);
  const cls = ((type >> 4) & 1) | ((type >> 7) & 2);
  const message: StunMessage & {
    integrityOffset: number;
    fingerprintOffset: number;
    raw: Uint8Array;
  } = {
    method,
    class: cls,
    transactionId: data.slice(8, 20),
    raw: data,
    integrityOffset: -1,
    fingerprintOffset: -1,
  };
  let offset = 20;
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
    const value = data.subarray(start, end);
    switch (attrType) {
      case StunAttr.Username:
        message.username = utf8(value, "USERNAME");
        break;
      case StunAttr.Software:
        message.software = utf8(value, "SOFTWARE");
        break;
      case StunAttr.Priority:
        expectLength(attrLength, 4, "PRIORITY");
        message.priority = view.getUint32(start);
        break;
      case StunAttr.UseCandidate:
        expectLength(attrLength, 0, "USE-CANDIDATE");
        message.useCandidate = true;
        break;
      case StunAttr.IceControlling:
        expectLength(attrLength, 8, "ICE-CONTROLLING");
        message.iceControlling = view.getBigUint64(start);
        break;
      case StunAttr.IceControlled:
        expectLength(attrLength, 8, "ICE-CONTROLLED");
        message.iceControlled = view.getBigUint64(start);
        break;
      case StunAttr.XorMappedAddress:
        message.xorMappedAddress = decodeXorAddress(
          value,
          message.transactionId,
        );
        break;
      case StunAttr.ErrorCode:
        if (attrLength < 4) {
          throw new StunParseError(
            "Cannot decode STUN: ERROR-CODE shorter than 4 bytes",
          );
        }
        message.errorCode = {
          code: (value[2] & 7) * 100 + value[3],
          reason: utf8(value.subarray(4), "ERROR-CODE reason"),
        };
        break;
      case StunAttr.MessageIntegrity:
        expectLength(attrLength, 20, "MESSAGE-INTEGRITY");
        message.integrityOffset = offset;
        break;
      case StunAttr.Fingerprint:
        expectLength(attrLength, 4, "FINGERPRINT");
        message.fingerprintOffset = offset;
        break;
      default:
        // Unknown comprehension-optional attributes (>= 0x8000) are ignored;
        // unknown comprehension-required ones would need a 420 response,
        // which a send-only agent can skip: it just ignores them too.
        break;
    }
    offset = start + pad4(attrLength);
  }
  return message;
}

/**
 * Checks MESSAGE-INTEGRITY with `key`. False when absent or wrong.
 * Constant-time in the tag comparison.
 */
export function verifyMessageIntegrity(
  message: DecodedStunMessage,
  key: Uint8Array,
): boolean {
  const at = message.integrityOffset;
  if (at < 0) return false;
  const raw = message.raw;
  // Recompute over the header with the length rewritten to end after MI.
  const covered = raw.slice(0, at);
  new DataView(covered.buffer).setUint16(2, at + 24 - 20);
  const mac = hmac(sha1, key, covered);
  let diff = 0;
  for (let i = 0; i < 20; i++) diff |= mac[i] ^ raw[at + 4 + i];
  return diff === 0;
}

/** Checks FINGERPRINT. False when absent or wrong. */
export function verifyFingerprint(message: DecodedStunMessage): boolean {
  const at = message.fingerprintOffset;
  if (at < 0) return false;
  const raw = message.raw;
  const expected = (crc32(raw, 0, at) ^ FINGERPRINT_XOR) >>> 0;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return view.getUint32(at + 4) === expected;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0);
  return out;
}

function u64(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, n));
  return out;
}

function expectLength(actual: number, expected: number, name: string): void {
  if (actual !== expected) {
    throw new StunParseError(
      `Cannot decode STUN: ${name} must be ${expected} bytes, got ${actual}`,
    );
  }
}

function utf8(bytes: Uint8Array, name: string): string {
  try {
    return textDecoder.decode(bytes);
  } catch {
    throw new StunParseError(`Cannot decode STUN: ${name} is not valid UTF-8`);
  }
}

/** XOR-MAPPED-ADDRESS value (RFC 8489 §14.2). */
function encodeXorAddress(
  addr: StunAddress,
  transactionId: Uint8Array,
): Uint8Array {
  const ip = parseIp(addr.address);
  if (!ip) {
    throw new RangeError(
      `Cannot encode STUN: "${addr.address}" is not an IP address`,
    );
  }
  const out = new Uint8Array(4 + ip.length);
  out[1] = ip.length === 4 ? 1 : 2;
  const port = addr.port ^ (MAGIC_COOKIE >>> 16);
  out[2] = port >> 8;
  out[3] = port & 0xff;
  const mask = xorMask(transactionId);
  for (let i = 0; i < ip.length; i++) out[4 + i] = ip[i] ^ mask[i];
  return out;
}

function decodeXorAddress(
  value: Uint8Array,
  transactionId: Uint8Array,
): StunAddress {
  const family = value.length >= 2 ? value[1] : 0;
  const ipLength = family === 1 ? 4 : family === 2 ? 16 : 0;
  if (ipLength === 0 || value.length !== 4 + ipLength) {
    throw new StunParseError(
      "Cannot decode STUN: malformed XOR-MAPPED-ADDRESS",
    );
  }
  const port = ((value[2] << 8) | value[3]) ^ (MAGIC_COOKIE >>> 16);
  const mask = xorMask(transactionId);
  const ip = new Uint8Array(ipLength);
  for (let i = 0; i < ipLength; i++) ip[i] = value[4 + i] ^ mask[i];
  return { address: formatIp(ip), port };
}

function xorMask(transactionId: Uint8Array): Uint8Array {
  const mask = new Uint8Array(16);
  new DataView(mask.buffer).setUint32(0, MAGIC_COOKIE);
  mask.set(transactionId, 4);
  return mask;
}

/** Parses IPv4 dotted or IPv6 text into 4 or 16 bytes; undefined if neither. */
export function parseIp(text: string): Uint8Array | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const bytes = v4.slice(1).map(Number);
    return bytes.every((b) => b <= 255) ? Uint8Array.from(bytes) : undefined;
  }
  const zone = text.indexOf("%");
  const bare = zone >= 0 ? text.slice(0, zone) : text;
  if (!/^[0-9a-fA-F:.]+$/.test(bare) || !bare.includes(":")) return undefined;
  let head = bare;
  let tail = "";
  const gap = bare.indexOf("::");
  if (gap >= 0) {
    head = bare.slice(0, gap);
    tail = bare.slice(gap + 2);
    if (tail.includes("::")) return undefined;
  }
  const groups = (s: string): number[] | undefined => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        const v4tail = parseIp(p);
        if (!v4tail || v4tail.length !== 4) return undefined;
        out.push((v4tail[0] << 8) | v4tail[1], (v4tail[2] << 8) | v4tail[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  if (!h || !t) return undefined;
  const missing = 8 - h.length - t.length;
  if (gap >= 0 ? missing < 1 : missing !== 0) return undefined;
  const words = [...h, ...new Array(missing).fill(0), ...t];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** Formats 4 or 16 address bytes as text (IPv6 in RFC 5952 form). */
export function formatIp(ip: Uint8Array): string {
  if (ip.length === 4) return ip.join(".");
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((ip[i] << 8) | ip[i + 1]);
  // Compress the longest run (length >= 2) of zero groups.
  let bestStart = -1, bestLength = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${
    hex.slice(bestStart + bestLength).join(":")
  }`;
}
