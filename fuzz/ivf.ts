/**
 * Fuzz target: the IVF reader on ffmpeg's VP8 output (the same trust as
 * the Ogg reader: our ffmpeg, the user's media). Seeds are a file header
 * and frames built here, keyframes and interframes; the frame size and
 * timestamp fields get boundary values from the mutators. Each input is
 * pushed whole into one reader and in small chunks into another.
 *
 * @module
 */

import { IvfReader } from "../src/media/ivf_reader.ts";
import {
  concatBytes,
  mutateBytes,
  nextBytes,
  type Rng,
  writeInteger,
} from "./mutate.ts";
import { pushInChunks } from "./ogg.ts";
import { type FuzzTarget, runEach } from "./runner.ts";

function fileHeader(rate = 30, scale = 1, headerSize = 32): Uint8Array {
  const out = new Uint8Array(headerSize);
  out.set([0x44, 0x4b, 0x49, 0x46, 0, 0, headerSize & 0xff, headerSize >> 8]);
  out.set([0x56, 0x50, 0x38, 0x30], 8); // "VP80"
  writeInteger(out, 12, 2, 640, true);
  writeInteger(out, 14, 2, 360, true);
  writeInteger(out, 16, 4, rate, true);
  writeInteger(out, 20, 4, scale, true);
  return out;
}

/** A frame: 12-byte header, then a VP8 key- or interframe start. */
function frame(rng: Rng, pts: number, keyframe: boolean): Uint8Array {
  const size = keyframe ? 10 + rng.size(2000) : 3 + rng.size(500);
  const data = rng.bytes(size);
  if (keyframe) {
    data[0] &= 0xfe; // frame type bit 0 = keyframe (RFC 6386 §9.1)
    data.set([0x9d, 0x01, 0x2a], 3); // start code
  } else data[0] |= 1;
  const header = new Uint8Array(12);
  writeInteger(header, 0, 4, size, true);
  writeInteger(header, 4, 4, pts >>> 0, true);
  writeInteger(header, 8, 4, Math.floor(pts / 2 ** 32), true);
  return concatBytes(header, data);
}

function stream(rng: Rng): Uint8Array {
  const parts = [
    fileHeader(
      rng.chance(0.8) ? 30 : rng.pick([1, 1000, 90000, 2 ** 32 - 1]),
      rng.chance(0.8) ? 1 : rng.pick([1, 1001, 2 ** 32 - 1]),
      rng.chance(0.9) ? 32 : 32 + rng.size(64),
    ),
  ];
  for (let i = 0, n = rng.size(8); i < n; i++) {
    const pts = rng.chance(0.1) ? rng.pick([2 ** 53, 2 ** 64 - 1, 2 ** 32]) : i;
    parts.push(frame(rng, pts, i === 0 || rng.chance(0.1)));
  }
  return concatBytes(...parts);
}

/** The ivf target. */
export const ivfTarget: FuzzTarget<Uint8Array> = {
  name: "ivf",
  drives: "IvfReader.push",
  seeds: () => {
    const header = fileHeader();
    const key = concatBytes(
      Uint8Array.of(13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
      Uint8Array.of(
        0x50,
        0x42,
        0x00,
        0x9d,
        0x01,
        0x2a,
        0x80,
        0x02,
        0x68,
        0x01,
        0,
        0,
        0,
      ),
    );
    const inter = Uint8Array.of(3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x31, 0, 0);
    return [concatBytes(header, key, inter), header];
  },
  generate(rng, seeds) {
    const roll = rng.below(100);
    if (roll < 25) return nextBytes(rng, seeds, 64 * 1024);
    const built = stream(rng);
    return roll < 40 ? built : mutateBytes(rng, built, seeds, 64 * 1024);
  },
  run(input) {
    const chunked = new IvfReader();
    runEach(
      () => new IvfReader().push(input.slice()),
      () => pushInChunks(input, (chunk) => chunked.push(chunk)),
    );
  },
};
