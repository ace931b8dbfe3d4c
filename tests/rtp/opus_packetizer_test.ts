/**
 * Opus packetization (RFC 7587): 48 kHz timestamps from the source clock,
 * and sequence/timestamp spaces that never go backwards across source
 * switches, seeks or sources whose clock restarts.
 */
import assert from "node:assert/strict";
import { OpusPacketizer } from "../../src/rtp/opus_packetizer.ts";
import { readRtpPacket } from "../../src/rtp/packet.ts";
import { test } from "../_support/harness.ts";

function send(p: OpusPacketizer, sourceTimestamps: number[]) {
  const buf = new Uint8Array(200);
  return sourceTimestamps.map((ts) => {
    const n = p.write(buf, new Uint8Array([0xfc, 1, 2]), ts, 960, [{
      id: 1,
      length: 1,
      value: 0x80 | 20,
    }]);
    const pkt = readRtpPacket(buf.subarray(0, n))!;
    return {
      seq: pkt.sequenceNumber,
      ts: pkt.timestamp,
      marker: pkt.marker,
      pt: pkt.payloadType,
      level: pkt.extensions.get(1)?.[0],
    };
  });
}

test("opus: PT 111, 48 kHz timestamps from the source, audio level on every packet, marker on the first", () => {
  const p = new OpusPacketizer({
    ssrc: 42,
    initialSequence: 10,
    initialTimestamp: 1000,
  });
  const got = send(p, [0, 960, 1920, 4800]); // a 2-frame gap upstream stays a gap
  assert.deepEqual(got.map((g) => g.ts), [1000, 1960, 2920, 5800]);
  assert.deepEqual(got.map((g) => g.seq), [10, 11, 12, 13]);
  assert.deepEqual(got.map((g) => g.marker), [true, false, false, false]);
  assert.ok(got.every((g) => g.pt === 111 && g.level === (0x80 | 20)));
});

test("opus: a new source continues one frame after the last packet, whatever its own clock says", () => {
  const p = new OpusPacketizer({
    ssrc: 42,
    initialSequence: 65535,
    initialTimestamp: 0xffffff00,
  });
  const a = send(p, [48000 * 90, 48000 * 90 + 960]); // e.g. a seek target at 90 s
  p.beginSource();
  const b = send(p, [0, 960]); // the next file starts at 0
  const all = [...a, ...b];
  // Timestamps advance by exactly one frame across the switch, wrapping at 2^32.
  for (let i = 1; i < all.length; i++) {
    assert.equal((all[i].ts - all[i - 1].ts) >>> 0, 960);
    assert.equal((all[i].seq - all[i - 1].seq) & 0xffff, 1);
  }
  assert.deepEqual(b.map((g) => g.marker), [true, false]);
});

test("opus: a source whose clock goes backwards does not move RTP time backwards", () => {
  const p = new OpusPacketizer({ ssrc: 1, initialTimestamp: 0 });
  const got = send(p, [9600, 10560, 0, 960]);
  assert.deepEqual(got.map((g) => g.ts), [0, 960, 1920, 2880]);
});
