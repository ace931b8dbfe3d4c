/**
 * Joining the bytes a streaming parser kept from the previous chunk with the
 * next one. ffmpeg flushes whole Ogg pages and IVF frames, so usually
 * nothing is kept and the chunk is used as it is, without a copy.
 *
 * @module
 */

/**
 * `rest` followed by `chunk`; `chunk` itself when `rest` is empty, so the
 * parsers may keep views into it: like every ReadableStream chunk, it must
 * not be modified once pushed.
 */
export function joinChunks(rest: Uint8Array, chunk: Uint8Array): Uint8Array {
  if (rest.length === 0) return chunk;
  const buf = new Uint8Array(rest.length + chunk.length);
  buf.set(rest);
  buf.set(chunk, rest.length);
  return buf;
}
