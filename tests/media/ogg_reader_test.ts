/**
 * The Ogg/Opus reader against ffmpeg-made files, with ffprobe as the
 * reference for packet count, sizes and timestamps; chunk boundaries
 * anywhere; garbage rejected with a typed error.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { OggParseError } from "../../src/errors.ts";
import {
  OggOpusReader,
  opusPacketDuration,
} from "../../src/media/ogg_reader.ts";
import { test } from "../_support/harness.ts";
import {
  inChunks,
  makeOpusOgg,
  probePackets,
  tempDir,
} from "../_support/media.ts";

test("ogg: 2 s of Opus gives ffprobe's packets, 20 ms apart, whatever the chunking", async () => {
  const tmp = tempDir();
  try {
    const file = await makeOpusOgg(tmp.path("a.ogg"), 2);
    const probe = await probePackets(tmp.path("a.ogg"));
    const whole = new OggOpusReader().push(file);
    const reader = new OggOpusReader();
    const chunked = inChunks(file, (c) => reader.push(c), 7);
    assert.equal(reader.head?.channels, 2);
    assert.ok(reader.head!.preSkip > 0);
    assert.equal(whole.length, probe.length);
    assert.deepEqual(
      chunked.map((f) => f.data.length),
      probe.map((p) => p.size),
    );
    assert.deepEqual(
      chunked.map((f) => f.timestamp),
      whole.map((f) => f.timestamp),
    );
    // Contiguous 20 ms frames: 960 samples each, no gaps.
    assert.ok(chunked.every((f) => f.duration === 960));
    for (let i = 1; i < chunked.length; i++) {
      assert.equal(chunked[i].timestamp - chunked[i - 1].timestamp, 960);
    }
    // ffprobe's pts are ours minus the pre-skip, packet for packet — the
    // last one included, although its page's granule is end-trimmed.
    const preSkip = reader.head!.preSkip;
    assert.deepEqual(
      chunked.map((f) => f.timestamp - preSkip),
      probe.map((p) => p.pts),
    );
    // 2 s of audio, plus the encoder's pre-skip worth of priming.
    const total = chunked.length * 960 - reader.head!.preSkip;
    assert.ok(Math.abs(total - 96000) <= 960, `total ${total}`);
  } finally {
    tmp.cleanup();
  }
});

test("ogg: Opus TOC durations (RFC 6716 §3.1)", () => {
  assert.equal(opusPacketDuration(Uint8Array.of(0xfc)), 960); // CELT 20 ms, 1 frame
  assert.equal(opusPacketDuration(Uint8Array.of(0xfd)), 1920); // code 1: 2 frames
  assert.equal(opusPacketDuration(Uint8Array.of(0xfb, 0x03)), 3 * 960); // code 3: M=3
  assert.equal(opusPacketDuration(Uint8Array.of(0x08)), 960); // SILK NB 20 ms
  assert.equal(opusPacketDuration(Uint8Array.of(0x18)), 2880); // SILK NB 60 ms
  assert.equal(opusPacketDuration(new Uint8Array(0)), 0);
});

test("ogg: garbage and corrupted pages raise OggParseError and nothing else", async () => {
  const tmp = tempDir();
  try {
    const file = await makeOpusOgg(tmp.path("b.ogg"), 0.3);
    assert.throws(
      () =>
        new OggOpusReader().push(
          new TextEncoder().encode("ID3\x03 not an ogg file at all ...."),
        ),
      OggParseError,
    );
    const flipped = file.slice();
    flipped[100] ^= 0xff;
    assert.throws(() => new OggOpusReader().push(flipped), OggParseError);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.nat(file.length),
        (noise, cut) => {
          for (
            const input of [
              noise,
              Uint8Array.from([...file.subarray(0, cut), ...noise]),
            ]
          ) {
            try {
              new OggOpusReader().push(input);
            } catch (error) {
              assert.ok(error instanceof OggParseError, String(error));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  } finally {
    tmp.cleanup();
  }
});
