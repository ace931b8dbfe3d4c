/**
 * The STUN attributes ICE uses (RFC 8489 §14, RFC 8445 §16.1): their types
 * and value codecs. Each attribute is a type–length–value padded to a
 * multiple of 4 bytes (RFC 8489 §14); MESSAGE-INTEGRITY and FINGERPRINT,
 * which cover the message itself, live in `integrity.ts`.
 *
 * @module
 */

import { InvalidParamsError } from "../errors.ts";
import { StunParseError } from "./errors.ts";
import { MAGIC_COOKIE } from "./header.ts";
import { formatIp, parseIp } from "./ip.ts";

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

/** A transport address as STUN carries it. */
export interface StunAddress {
  /** Dotted IPv4 or colon-separated IPv6 text. */
  address: string;
  /** UDP port. */
  port: number;
}

/** The attributes a message carries, decoded. */
export interface StunAttributes {
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

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });

/** `n` rounded up to the 4-byte attribute boundary (RFC 8489 §14). */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * The attributes' (type, value) pairs, in a fixed, conventional order.
 *
 * @throws {InvalidParamsError} when XOR-MAPPED-ADDRESS is not an IP address.
 */
export function encodeAttributes(
  attributes: StunAttributes,
  transactionId: Uint8Array,
): [number, Uint8Array][] {
  const a = attributes;
  const out: [number, Uint8Array][] = [];
  if (a.software !== undefined) {
    out.push([StunAttr.Software, textEncoder.encode(a.software)]);
  }
  if (a.priority !== undefined) out.push([StunAttr.Priority, u32(a.priority)]);
  if (a.iceControlled !== undefined) {
    out.push([StunAttr.IceControlled, u64(a.iceControlled)]);
  }
  if (a.iceControlling !== undefined) {
    out.push([StunAttr.IceControlling, u64(a.iceControlling)]);
  }
  if (a.useCandidate) out.push([StunAttr.UseCandidate, new Uint8Array(0)]);
  if (a.username !== undefined) {
    out.push([StunAttr.Username, textEncoder.encode(a.username)]);
  }
  if (a.xorMappedAddress) {
    out.push([
      StunAttr.XorMappedAddress,
      encodeXorAddress(a.xorMappedAddress, transactionId),
    ]);
  }
  if (a.errorCode) {
    const reason = textEncoder.encode(a.errorCode.reason);
    const value = new Uint8Array(4 + reason.length);
    value[2] = Math.floor(a.errorCode.code / 100);
    value[3] = a.errorCode.code % 100;
    value.set(reason, 4);
    out.push([StunAttr.ErrorCode, value]);
  }
  return out;
}

/**
 * Decodes one attribute value into `into`. Unknown types are ignored:
 * comprehension-optional ones (>= 0x8000) by RFC 8489 §15; unknown
 * comprehension-required ones would need a 420 response, which a send-only
 * agent can skip.
 *
 * @throws {StunParseError} when the value is malformed for its type.
 */
export function decodeAttribute(
  into: StunAttributes,
  type: number,
  value: Uint8Array,
  transactionId: Uint8Array,
): void {
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  switch (type) {
    case StunAttr.Username:
      into.username = utf8(value, "USERNAME");
      break;
    case StunAttr.Software:
      into.software = utf8(value, "SOFTWARE");
      break;
    case StunAttr.Priority:
      expectLength(value.length, 4, "PRIORITY");
      into.priority = view.getUint32(0);
      break;
    case StunAttr.UseCandidate:
      expectLength(value.length, 0, "USE-CANDIDATE");
      into.useCandidate = true;
      break;
    case StunAttr.IceControlling:
      expectLength(value.length, 8, "ICE-CONTROLLING");
      into.iceControlling = view.getBigUint64(0);
      break;
    case StunAttr.IceControlled:
      expectLength(value.length, 8, "ICE-CONTROLLED");
      into.iceControlled = view.getBigUint64(0);
      break;
    case StunAttr.XorMappedAddress:
      into.xorMappedAddress = decodeXorAddress(value, transactionId);
      break;
    case StunAttr.ErrorCode:
      if (value.length < 4) {
        throw new StunParseError(
          "Cannot decode STUN: ERROR-CODE shorter than 4 bytes",
        );
      }
      into.errorCode = {
        code: (value[2] & 7) * 100 + value[3],
        reason: utf8(value.subarray(4), "ERROR-CODE reason"),
      };
      break;
  }
}

/**
 * Throws {@linkcode StunParseError} unless a fixed-size attribute has its size.
 */
export function expectLength(
  actual: number,
  expected: number,
  name: string,
): void {
  if (actual !== expected) {
    throw new StunParseError(
      `Cannot decode STUN: ${name} must be ${expected} bytes, got ${actual}`,
    );
  }
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
    throw new InvalidParamsError(
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

/** The cookie then the transaction id: what XOR-MAPPED-ADDRESS XORs with. */
function xorMask(transactionId: Uint8Array): Uint8Array {
  const mask = new Uint8Array(16);
  new DataView(mask.buffer).setUint32(0, MAGIC_COOKIE);
  mask.set(transactionId, 4);
  return mask;
}
