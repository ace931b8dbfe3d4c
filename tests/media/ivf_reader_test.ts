/**
 * The IVF reader against ffmpeg-made VP8, with ffprobe as the reference
 * for frame count, sizes and keyframes; 90 kHz timestamps; garbage rejected.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { IvfParseError } from "../../src/errors.ts";
import { IvfReader } from "../../src/media/ivf_reader.ts";
import { test } from "../_support/harness.ts";
import {
  inChunks,
  makeVp8Ivf,
  probePackets,
  tempDir,
} from "../_support/media.ts";

test("ivf: 1 s of 30 fps VP8 gives ffprobe's frames, 3000 ticks apart at 90 kHz, keyframes flagged", async () => {
  const tmp = tempDir();
  try {
    const file = await makeVp8Ivf(tmp.path("v.ivf"), 1, { gop: 10 });
    const probe = await probePackets(tmp.path("v.ivf"));
    const reader = new IvfReader();
    const frames = inChunks(file, (c) => reader.push(c), 3);
    assert.deepEqual(reader.header, {
      fourcc: "VP80",
      width: 320,
      height: 240,
      rate: 30,
      scale: 1,
    });
    assert.equal(frames.length, 30);
    assert.deepEqual(
      frames.map((f) => f.data.length),
      probe.map((p) => p.size),
    );
    assert.deepEqual(frames.map((f) => f.keyframe), probe.map((p) => p.key));
    assert.deepEqual(
      frames.map((f) => f.timestamp),
      frames.map((_, i) => i * 3000),
    );
    assert.deepEqual(frames.flatMap((f, i) => f.keyframe ? [i] : []), [
      0,
      10,
      20,
    ]);
  } finally {
    tmp.cleanup();
  }
});

test("ivf: garbage raises IvfParseError and nothing else", () => {
  assert.throws(() => new IvfReader().push(new Uint8Array(40)), IvfParseError);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (noise) => {
      const header = new Uint8Array(32);
      header.set([0x44, 0x4b, 0x49, 0x46, 0, 0, 32, 0, 0x56, 0x50, 0x38, 0x30]);
      header[16] = 30;
      header[20] = 1;
      for (const input of [noise, Uint8Array.from([...header, ...noise])]) {
        try {
          new IvfReader().push(input);
        } catch (error) {
          assert.ok(error instanceof IvfParseError, String(error));
        }
      }
    }),
    { numRuns: 500 },
  );
});
