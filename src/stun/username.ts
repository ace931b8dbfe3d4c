/**
 * The local ufrag in an incoming STUN request's USERNAME, read without a
 * full decode: a shared socket routes a request from an address it has not
 * seen to the call that owns the ufrag. An ICE Binding request carries
 * `receiverUfrag:senderUfrag` (RFC 8445 §7.2.2), so the part before the
 * colon names the receiving call.
 *
 * @module
 */

import { StunAttr } from "./attributes.ts";

/** STUN header length (RFC 8489 §5). */
const HEADER_LENGTH = 20;

/**
 * The part of a STUN USERNAME before the colon, allocating nothing but the
 * result; `undefined` when absent or malformed. Never throws: any bytes are
 * accepted, and out-of-range reads are bounded by the datagram length.
 *
 * @example
 * ```ts
 * import { stunUsernameHead } from "./username.ts";
 *
 * const request = new Uint8Array(28);
 * request.set([0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42]);
 * request.set([0x00, 0x06, 0x00, 0x03, 0x61, 0x3a, 0x62], 20); // "a:b"
 * console.assert(stunUsernameHead(request) === "a");
 * ```
 */
export function stunUsernameHead(data: Uint8Array): string | undefined {
  const length = (data[2] << 8) | data[3];
  const end = Math.min(data.length, HEADER_LENGTH + length);
  let at = HEADER_LENGTH;
  while (at + 4 <= end) {
    const type = (data[at] << 8) | data[at + 1];
    const len = (data[at + 2] << 8) | data[at + 3];
    const value = at + 4;
    if (value + len > end) return undefined;
    if (type === StunAttr.Username) {
      let colon = value;
      while (colon < value + len && data[colon] !== 0x3a) colon++;
      if (colon === value + len) return undefined;
      let s = "";
      for (let i = value; i < colon; i++) s += String.fromCharCode(data[i]);
      return s;
    }
    at = value + ((len + 3) & ~3);
  }
  return undefined;
}
