/**
 * The STUN header (RFC 8489 §5): the message type packing method and class,
 * the magic cookie and the transaction id.
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
 * @module
 */

/** The fixed magic cookie (RFC 8489 §5). */
export const MAGIC_COOKIE = 0x2112a442;

/** Bytes before the first attribute. */
export const STUN_HEADER_LENGTH = 20;

/** STUN methods tgcall uses. */
export const StunMethod = { Binding: 0x001 } as const;

/** The four message classes (RFC 8489 §5). */
export const StunClass = {
  Request: 0,
  Indication: 1,
  SuccessResponse: 2,
  ErrorResponse: 3,
} as const;

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

/** The method bits of a message type; the inverse of {@linkcode stunMessageType}. */
export function stunMethodOf(type: number): number {
  return (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
}

/** The class bits of a message type; the inverse of {@linkcode stunMessageType}. */
export function stunClassOf(type: number): number {
  return ((type >> 4) & 1) | ((type >> 7) & 2);
}

/** Twelve fresh random bytes for a transaction id. */
export function newTransactionId(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(12));
}
