/**
 * Fuzz target: the Ogg/Opus reader (RFC 3533, RFC 7845) on what ffmpeg's
 * stdout delivers — normally our own ffmpeg's output, but the input file
 * or URL it transcodes is the user's, and a broken pipe can cut anywhere.
 *
 * Inputs are streams built page by page (OpusHead, OpusTags, audio with
 * packets spanning pages, odd granules and serials) whose CRCs are then
 * recomputed after the bytes are mutated, so mutations reach past the
 * CRC check; plain mutations test the CRC check itself. Each input is
 * pushed whole into one reader and in small chunks into another.
 *
 * @module
 */

import { oggCrc, OggOpusReader } from "../src/media/ogg_reader.ts";
import {
  concatBytes,
  mutateBytes,
  nextBytes,
  type Rng,
  writeInteger,
} from "./mutate.ts";
import { type FuzzTarget, runEach } from "./runner.ts";

interface PageSpec {
  flags: number;
  granule: number;
  serial: number;
  seq: number;
  packets: Uint8Array[];
  /** The last packet continues on the next page. */
  open?: boolean;
}

function lacing(packets: Uint8Array[], open: boolean): number[] {
  const out: number[] = [];
  packets.forEach((p, i) => {
    let left = p.length;
    while (left >= 255) {
      out.push(255);
      left -= 255;
    }
    if (!(open && i === packets.length - 1)) out.push(left);
    else if (left > 0) out.push(255); // shortened: the rest follows
  });
  return out.slice(0, 255);
}

function page(spec: PageSpec): Uint8Array {
  const laces = lacing(spec.packets, spec.open ?? false);
  const bodyLength = laces.reduce((a, b) => a + b, 0);
  const body = concatBytes(...spec.packets).subarray(0, bodyLength);
  const out = new Uint8Array(27 + laces.length + bodyLength);
  out.set([0x4f, 0x67, 0x67, 0x53, 0, spec.flags]);
  writeInteger(out, 6, 4, spec.granule >>> 0, true);
  writeInteger(out, 10, 4, Math.floor(spec.granule / 2 ** 32) >>> 0, true);
  writeInteger(out, 14, 4, spec.serial, true);
  writeInteger(out, 18, 4, spec.seq, true);
  out[26] = laces.length;
  out.set(laces, 27);
  out.set(body, 27 + laces.length);
  writeInteger(out, 22, 4, oggCrc(out), true);
  return out;
}

/** Rewrites the CRC of every whole page it can walk to, after mutation. */
function fixCrcs(stream: Uint8Array): Uint8Array {
  for (let at = 0; stream.length - at >= 27;) {
    if (stream[at] !== 0x4f || stream[at + 1] !== 0x67) break;
    const segments = stream[at + 26];
    if (stream.length - at < 27 + segments) break;
    let length = 27 + segments;
    for (let i = 0; i < segments; i++) length += stream[at + 27 + i];
    if (stream.length - at < length) break;
    const p = stream.subarray(at, at + length);
    writeInteger(p, 22, 4, 0, true);
    writeInteger(p, 22, 4, oggCrc(p), true);
    at += length;
  }
  return stream;
}

const OPUS_HEAD = concatBytes(
  new TextEncoder().encode("OpusHead"),
  Uint8Array.of(1, 2, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0),
);
const OPUS_TAGS = concatBytes(
  new TextEncoder().encode("OpusTags"),
  Uint8Array.of(6, 0, 0, 0, 0x66, 0x66, 0x6d, 0x70, 0x65, 0x67, 0, 0, 0, 0),
);

/** An Opus packet: a TOC byte (any config, any frame-count code) and noise. */
function opusPacket(rng: Rng): Uint8Array {
  // Rarely one just under or over the reader's 64 KiB packet bound.
  const size = rng.chance(0.01)
    ? 65536 + rng.below(512) - 256
    : rng.chance(0.05)
    ? 255 * (1 + rng.below(8))
    : 1 + rng.size(400);
  const p = rng.bytes(size);
  if (rng.chance(0.7)) p[0] = 0xfc; // CELT 20 ms, one frame: what ffmpeg sends
  return p;
}

const GRANULES = [0, 312, 960, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1];

function stream(rng: Rng): Uint8Array {
  const serial = rng.chance(0.9) ? 0x1234 : rng.u32();
  const pages: Uint8Array[] = [
    page({ flags: 2, granule: 0, serial, seq: 0, packets: [OPUS_HEAD] }),
    page({ flags: 0, granule: 0, serial, seq: 1, packets: [OPUS_TAGS] }),
  ];
  let granule = 312;
  for (let seq = 2, n = 1 + rng.size(6); seq < n + 2; seq++) {
    const packets = Array.from(
      { length: 1 + rng.size(4) },
      () => opusPacket(rng),
    );
    granule += 960 * packets.length;
    pages.push(page({
      flags: seq === n + 1 ? 4 : 0,
      granule: rng.chance(0.1) ? rng.pick(GRANULES) : granule,
      serial: rng.chance(0.05) ? rng.u32() : serial,
      seq,
      packets,
      open: rng.chance(0.2),
    }));
  }
  return concatBytes(...pages);
}

/** Chunk sizes for the second reader, fixed by the input so a crash replays. */
const CHUNKS = [1, 27, 255, 4096, 65536];

/** Pushes `input` in chunks; a throw ends it, as it ends a leg. */
export function pushInChunks(
  input: Uint8Array,
  push: (chunk: Uint8Array) => unknown,
): void {
  let k = input.length % CHUNKS.length;
  for (let at = 0; at < input.length; k++) {
    const n = CHUNKS[k % CHUNKS.length];
    // A fresh copy per chunk: the reader may keep views into what it got.
    push(input.slice(at, at + n));
    at += n;
  }
}

/** The ogg target. */
export const oggTarget: FuzzTarget<Uint8Array> = {
  name: "ogg",
  drives: "OggOpusReader.push",
  seeds: () => {
    const page0 = page({
      flags: 2,
      granule: 0,
      serial: 7,
      seq: 0,
      packets: [OPUS_HEAD],
    });
    const tags = page({
      flags: 0,
      granule: 0,
      serial: 7,
      seq: 1,
      packets: [OPUS_TAGS],
    });
    const audio = page({
      flags: 4,
      granule: 312 + 1920,
      serial: 7,
      seq: 2,
      packets: [Uint8Array.of(0xfc, 1, 2, 3), Uint8Array.of(0xfc, 4, 5)],
    });
    return [concatBytes(page0, tags, audio)];
  },
  generate(rng, seeds) {
    const roll = rng.below(100);
    if (roll < 15) return nextBytes(rng, seeds, 256 * 1024);
    const built = stream(rng);
    if (roll < 35) return built;
    const mutated = mutateBytes(rng, built, seeds, 256 * 1024);
    return roll < 85 ? fixCrcs(mutated) : mutated;
  },
  run(input) {
    const chunked = new OggOpusReader();
    runEach(
      () => new OggOpusReader().push(input.slice()),
      () => pushInChunks(input, (chunk) => chunked.push(chunk)),
    );
  },
};
