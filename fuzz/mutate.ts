/**
 * The fuzzer's randomness and mutators: a seeded PRNG, so that a failing
 * run replays from its printed seed, and the byte and text mutations the
 * targets apply to valid messages (bit flips, inserted and deleted runs,
 * length fields that lie, truncation, splicing, duplicated chunks,
 * boundary integers), plus purely random inputs.
 *
 * @module
 */

import { concatBytes } from "@noble/hashes/utils.js";

/** FNV-1a over a string: a stable 32-bit hash for salts and file names. */
export function fnv1a(text: string | Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= typeof text === "string" ? text.charCodeAt(i) : text[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * sfc32 (Chris Doty-Humphrey's small fast counting generator), seeded
 * through splitmix32 from a 32-bit seed and a salt, so every target draws
 * its own stream and `--only` does not change what another target sees.
 */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d = 1;

  /**
   * Creates the generator.
   *
   * @param seed The run's seed (printed, `--seed`).
   * @param salt Separates the streams of different targets.
   */
  constructor(seed: number, salt = "") {
    let s = (seed ^ fnv1a(salt)) >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A uniform integer in `[0, n)`; 0 when `n` ≤ 1. */
  below(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 2 ** 32) * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }

  /** One of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  /** A length in `[0, max]` skewed towards small values, as bugs are. */
  size(max: number): number {
    return this.below(this.below(max + 1) + 1);
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const r = this.u32();
      out[i] = r;
      if (i + 1 < n) out[i + 1] = r >>> 8;
      if (i + 2 < n) out[i + 2] = r >>> 16;
      if (i + 3 < n) out[i + 3] = r >>> 24;
    }
    return out;
  }
}

/** Values at the edges of every integer width. */
function boundaryInteger(rng: Rng, width: number, near: number): number {
  const max = 2 ** (8 * width) - 1;
  switch (rng.below(8)) {
    case 0:
      return 0;
    case 1:
      return max;
    case 2:
      return max - rng.below(4);
    case 3:
      return 2 ** (8 * width - 1) - rng.below(2);
    case 4:
      return 1 + rng.below(4);
    case 5: // a length that lies by a little: the bytes that follow, ± a few
      return Math.max(0, Math.min(max, near + rng.below(9) - 4));
    case 6:
      return Math.max(0, Math.min(max, 2 * near + 1));
    default:
      return rng.u32() % (max + 1);
  }
}

/** Writes `value` as a `width`-byte integer at `at`, either byte order. */
export function writeInteger(
  buf: Uint8Array,
  at: number,
  width: number,
  value: number,
  littleEndian = false,
): void {
  for (let i = 0; i < width && at + i < buf.length; i++) {
    const shift = 8 * (littleEndian ? i : width - 1 - i);
    buf[at + i] = Math.floor(value / 2 ** shift) & 0xff;
  }
}

/** One structural change to `input`; `others` are splice partners. */
function mutateOnce(
  rng: Rng,
  input: Uint8Array,
  others: readonly Uint8Array[],
): Uint8Array {
  const n = input.length;
  const at = rng.below(n + 1);
  switch (rng.below(12)) {
    case 0: { // bit flip
      if (n === 0) return rng.bytes(1);
      const out = input.slice();
      out[rng.below(n)] ^= 1 << rng.below(8);
      return out;
    }
    case 1: { // byte set to a random or an interesting value
      if (n === 0) return rng.bytes(1);
      const out = input.slice();
      out[rng.below(n)] = rng.chance(0.5)
        ? rng.u32() & 0xff
        : rng.pick([0, 1, 0x7f, 0x80, 0xfe, 0xff]);
      return out;
    }
    case 2:
    case 3: { // an integer field (a length, most often) set to a boundary
      if (n === 0) return rng.bytes(rng.size(8));
      const out = input.slice();
      const width = rng.pick([1, 2, 2, 3, 4]);
      const where = rng.below(n);
      writeInteger(
        out,
        where,
        width,
        boundaryInteger(rng, width, n - where - width),
        rng.chance(0.3),
      );
      return out;
    }
    case 4: { // arithmetic on a byte or u16
      if (n < 2) return concatBytes(input, rng.bytes(2));
      const out = input.slice();
      const where = rng.below(n - 1);
      const delta = (rng.below(33) - 16) || 1;
      const v = ((out[where] << 8) | out[where + 1]) + delta;
      writeInteger(out, where, 2, v & 0xffff);
      return out;
    }
    case 5: { // insert a random run or a repeated byte
      const length = 1 + rng.size(64);
      const run = rng.chance(0.5)
        ? rng.bytes(length)
        : new Uint8Array(length).fill(rng.pick([0, 0xff, rng.u32() & 0xff]));
      return concatBytes(input.subarray(0, at), run, input.subarray(at));
    }
    case 6: { // delete a range
      const length = 1 + rng.size(Math.max(1, n - at));
      return concatBytes(input.subarray(0, at), input.subarray(at + length));
    }
    case 7: // truncate
      return input.slice(0, rng.below(n + 1));
    case 8: { // duplicate a chunk somewhere else
      if (n === 0) return rng.bytes(rng.size(16));
      const from = rng.below(n);
      const chunk = input.subarray(from, from + 1 + rng.size(n - from));
      return concatBytes(input.subarray(0, at), chunk, input.subarray(at));
    }
    case 9: { // splice: our head, another seed's tail
      const other = rng.pick(others) ?? input;
      return concatBytes(
        input.subarray(0, at),
        other.subarray(rng.below(other.length + 1)),
      );
    }
    case 10: { // overwrite with a chunk of another seed
      const other = rng.pick(others) ?? input;
      if (other.length === 0 || n === 0) return input;
      const from = rng.below(other.length);
      const chunk = other.subarray(from, from + 1 + rng.size(other.length));
      const out = input.slice();
      out.set(chunk.subarray(0, Math.max(0, n - at)), Math.min(at, n));
      return out;
    }
    default: { // swap two bytes
      if (n < 2) return input;
      const out = input.slice();
      const i = rng.below(n), j = rng.below(n);
      [out[i], out[j]] = [out[j], out[i]];
      return out;
    }
  }
}

/**
 * `input` after one to several stacked mutations, capped at `maxLength`.
 * Returns a new array; `input` is not modified.
 */
export function mutateBytes(
  rng: Rng,
  input: Uint8Array,
  others: readonly Uint8Array[] = [],
  maxLength = 64 * 1024,
): Uint8Array {
  let out = input;
  const count = 1 + rng.size(6);
  for (let i = 0; i < count; i++) {
    out = mutateOnce(rng, out, others);
    if (out.length > maxLength) out = out.subarray(0, maxLength);
  }
  return out === input ? input.slice() : out;
}

/**
 * The usual mix: mostly a mutated seed, sometimes a seed as it is,
 * sometimes random bytes of a random length.
 */
export function nextBytes(
  rng: Rng,
  seeds: readonly Uint8Array[],
  maxLength = 64 * 1024,
): Uint8Array {
  const roll = rng.below(100);
  if (roll < 8) return rng.bytes(rng.size(Math.min(maxLength, 2048)));
  const seed = rng.pick(seeds);
  if (roll < 11) return seed.slice();
  return mutateBytes(rng, seed, seeds, maxLength);
}

/** Characters that break text parsers: quotes, escapes, controls, odd Unicode. */
const ODD_CHARS = [
  '"',
  "\\",
  "'",
  " ",
  "\t",
  "\n",
  "\r",
  "\0",
  "\x7f",
  "\u0085",
  "\u00a0",
  "\u2028",
  "\u202e",
  "\ufeff",
  "\ud800", // a lone surrogate
  "\udc00",
  "😀",
  "%",
  "%00",
  "{",
  "}",
  "[",
  "]",
  ":",
  ",",
];

/** A random character: mostly printable ASCII, some of {@linkcode ODD_CHARS}. */
function randomChar(rng: Rng): string {
  return rng.chance(0.7)
    ? String.fromCharCode(0x20 + rng.below(95))
    : rng.chance(0.8)
    ? rng.pick(ODD_CHARS)
    : String.fromCharCode(rng.below(0x10000));
}

/**
 * `text` after one to several character-level mutations, with tokens from
 * `dictionary` inserted or substituted (the words the parser looks for).
 */
export function mutateText(
  rng: Rng,
  text: string,
  others: readonly string[],
  dictionary: readonly string[],
  maxLength = 16 * 1024,
): string {
  let s = text;
  const count = 1 + rng.size(5);
  for (let k = 0; k < count; k++) {
    const at = rng.below(s.length + 1);
    const end = at + 1 + rng.size(Math.max(1, s.length - at));
    switch (rng.below(8)) {
      case 0:
        s = s.slice(0, at) + randomChar(rng) + s.slice(at + 1);
        break;
      case 1:
        s = s.slice(0, at) + rng.pick(dictionary) + s.slice(at);
        break;
      case 2:
        s = s.slice(0, at) + rng.pick(dictionary) + s.slice(end);
        break;
      case 3:
        s = s.slice(0, at) + s.slice(end);
        break;
      case 4:
        s = s.slice(0, at) + s.slice(at, end) + s.slice(at);
        break;
      case 5:
        s = s.slice(0, at);
        break;
      case 6: {
        const other = rng.pick(others) ?? s;
        s = s.slice(0, at) + other.slice(rng.below(other.length + 1));
        break;
      }
      default:
        s = s.slice(0, at) + randomChar(rng).repeat(1 + rng.size(64)) +
          s.slice(at);
    }
    if (s.length > maxLength) s = s.slice(0, maxLength);
  }
  return s;
}

/** A random string of dictionary tokens and characters. */
export function randomText(
  rng: Rng,
  dictionary: readonly string[],
  maxTokens = 24,
): string {
  let s = "";
  const n = rng.size(maxTokens);
  for (let i = 0; i < n; i++) {
    s += rng.chance(0.5) ? rng.pick(dictionary) : randomChar(rng);
  }
  return s;
}

/** Byte-string helper for targets that build seeds: concatenation. */
export { concatBytes };
