/**
 * A child's stderr split into lines for a callback, in bounded memory.
 *
 * ffmpeg copies text it did not write into its log: a file's metadata, an
 * HTTP server's headers, a playlist's lines. A hostile input can therefore
 * make it print megabytes without a line break, and a splitter that keeps
 * the unfinished line grows with it. This one keeps at most
 * {@linkcode STDERR_LINE_BYTES} of a line and only counts the rest.
 *
 * @module
 */

/**
 * Longest stderr line handed to a callback, UTF-8 bytes, before the
 * truncation marker. ffmpeg's own longest line, `configuration:` in the
 * banner, is about 1.4 KB; 8 KiB is half the default stderr tail
 * (`stderrTailBytes`, 16 KiB), so a capped line still fits in it.
 */
export const STDERR_LINE_BYTES = 8192;

/**
 * Splits a byte stream into lines on `\n` and `\r` (ffmpeg ends progress
 * lines with `\r`), skipping empty ones, and passes each to `onLine` once,
 * without the break. A line longer than `maxBytes` keeps its head, cut at a
 * UTF-8 character boundary, followed by `…[truncated N bytes]`, N being the
 * bytes left out; the rest of it is counted, never stored.
 *
 * @example
 * ```ts
 * import { StderrLineSplitter } from "./stderr_lines.ts";
 *
 * const lines: string[] = [];
 * const splitter = new StderrLineSplitter((line) => lines.push(line), 8);
 * splitter.push(new TextEncoder().encode("frame:1\rabcdefghijkl\nok"));
 * splitter.end();
 * console.log(lines); // ["frame:1", "abcdefgh…[truncated 4 bytes]", "ok"]
 * ```
 */
export class StderrLineSplitter {
  readonly #onLine: (line: string) => void;
  /** The head of the current line; allocated once. */
  readonly #head: Uint8Array;
  #length = 0;
  /** Bytes of the current line beyond the head. */
  #dropped = 0;
  readonly #decoder = new TextDecoder();

  /**
   * @param onLine Receives each line; what it throws is ignored, so a
   * logging callback cannot stop the drain.
   * @param maxBytes The most bytes of one line kept (at least 4).
   */
  constructor(
    onLine: (line: string) => void,
    maxBytes: number = STDERR_LINE_BYTES,
  ) {
    this.#onLine = onLine;
    this.#head = new Uint8Array(Math.max(4, maxBytes));
  }

  /** Feeds the next bytes of the stream. */
  push(chunk: Uint8Array): void {
    // Native scans; each position is found once, so a chunk costs linear
    // time whether it holds one huge line or thousands of short ones.
    let lf = chunk.indexOf(10);
    let cr = chunk.indexOf(13);
    let start = 0;
    while (lf >= 0 || cr >= 0) {
      const at = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      this.#append(chunk, start, at);
      this.#flush();
      start = at + 1;
      if (lf === at) lf = chunk.indexOf(10, start);
      if (cr === at) cr = chunk.indexOf(13, start);
    }
    this.#append(chunk, start, chunk.length);
  }

  /** Passes on the last line when the stream ended without a break. */
  end(): void {
    this.#flush();
  }

  #append(chunk: Uint8Array, from: number, to: number): void {
    const take = Math.max(
      0,
      Math.min(to - from, this.#head.length - this.#length),
    );
    this.#head.set(chunk.subarray(from, from + take), this.#length);
    this.#length += take;
    this.#dropped += to - from - take;
  }

  #flush(): void {
    if (this.#length === 0 && this.#dropped === 0) return;
    const truncated = this.#dropped > 0;
    const cut = truncated
      ? utf8Boundary(this.#head, this.#length)
      : this.#length;
    let line = this.#decoder.decode(this.#head.subarray(0, cut));
    if (truncated) {
      line += `…[truncated ${this.#dropped + this.#length - cut} bytes]`;
    }
    this.#length = 0;
    this.#dropped = 0;
    try {
      this.#onLine(line);
    } catch { /* a logging callback must not stop the drain */ }
  }
}

/**
 * The largest `cut ≤ end` that does not split a UTF-8 sequence of
 * `bytes[0..end)`: the start of a trailing sequence that `end` leaves
 * incomplete, else `end`.
 */
function utf8Boundary(bytes: Uint8Array, end: number): number {
  let lead = end - 1;
  while (lead > end - 4 && lead > 0 && (bytes[lead] & 0xc0) === 0x80) lead--;
  const b = bytes[lead];
  const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
  return lead + size > end ? lead : end;
}
