/**
 * Copying a datagram's first `length` bytes into a send buffer without
 * allocating.
 *
 * Senders hand the socket layer a reusable packet buffer and a length
 * (`send(buf, …, length)`), so the bytes to send are a prefix of `buf`.
 * `dst.set(src.subarray(0, length))` would allocate a view per packet, and
 * a JavaScript loop over the bytes is slow at media sizes (µs for 1,194
 * bytes, loop / one `set`: Node 20 1.73 / 0.05, Deno 2.9 0.63 / 0.05,
 * Bun 1.4 0.37 / 0.05). When the whole source fits in the room the caller
 * owns, copying all of it in one native `set` is the cheap way: the bytes
 * past `length` land in that room and are never sent.
 *
 * @module
 */

/**
 * Copies `src[0 .. length)` to `dst[at ..]`, where `dst[at .. at + room)`
 * is the caller's to overwrite. Past `length` that range may be clobbered
 * with the rest of `src`.
 *
 * @example
 * ```ts
 * import { copyPayload } from "./copy_payload.ts";
 * const packet = new Uint8Array(1500).fill(7);
 * const slab = new Uint8Array(2048);
 * copyPayload(slab, 0, 2048, packet, 200);
 * console.assert(slab[199] === 7);
 * ```
 *
 * @internal
 */
export function copyPayload(
  dst: Uint8Array,
  at: number,
  room: number,
  src: Uint8Array,
  length: number,
): void {
  if (src.length <= room) {
    dst.set(src, at);
    return;
  }
  // A source larger than the room (rare: a view into a big buffer) is
  // copied a byte at a time rather than through an allocated view.
  for (let i = 0; i < length; i++) dst[at + i] = src[i];
}
