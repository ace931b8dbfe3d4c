/**
 * VP8 payload descriptors (RFC 7741 §4.2) — pion's TestVP8Payloader cases
 * for the 15-bit PictureID form — and frame splitting.
 */
import assert from "node:assert/strict";
import { readRtpPacket } from "../../src/rtp/packet.ts";
import {
  isVp8Keyframe,
  splitAboutEqually,
  Vp8Packetizer,
} from "../../src/rtp/vp8_packetizer.ts";
import { test } from "../_support/harness.ts";
import { hex, toHex } from "../_support/hex.ts";

function payloads(
  packetizer: Vp8Packetizer,
  frame: Uint8Array,
  ts: number,
): { payload: string; marker: boolean; ts: number }[] {
  const out = Array.from({ length: 8 }, () => new Uint8Array(1300));
  const lengths = new Int32Array(8);
  const n = packetizer.packetize(frame, ts, out, lengths);
  return out.slice(0, n).map((b, i) => {
    const p = readRtpPacket(b.subarray(0, lengths[i]))!;
    return {
      payload: toHex(b.subarray(p.payloadOffset, lengths[i])),
      marker: p.marker,
      ts: p.timestamp,
    };
  });
}

test("vp8/rfc7741: PictureID 0x120, descriptor+payload limited to 6 bytes (pion vector)", () => {
  // pion's "mtu" counts descriptor+payload; ours counts the whole RTP packet.
  const p = new Vp8Packetizer({
    ssrc: 1,
    initialPictureId: 0x120,
    maxPacketBytes: 12 + 6,
  });
  const got = payloads(p, hex("909090"), 3000);
  assert.deepEqual(got.map((g) => g.payload), ["908081209090", "8080812090"]);
  assert.deepEqual(
    got.map((g) => g.marker),
    [false, true],
    "marker on the last packet only",
  );
  assert.ok(got.every((g) => g.ts === 3000), "one timestamp per frame");
});

test("vp8/rfc7741: the S bit marks only a frame's first packet and PictureID advances per frame", () => {
  const p = new Vp8Packetizer({
    ssrc: 1,
    initialPictureId: 0x7fff,
    maxPacketBytes: 12 + 4 + 10,
  });
  const a = payloads(p, new Uint8Array(25), 0);
  const b = payloads(p, new Uint8Array(5), 3000);
  assert.deepEqual(a.map((g) => g.payload.slice(0, 8)), [
    "9080ffff",
    "8080ffff",
    "8080ffff",
  ]); // M bit | 0x7fff
  // 15-bit wrap: 0x7fff → 0.
  assert.equal(b[0].payload.slice(0, 8), "90808000");
});

test("vp8: frames split into packets of about equal size within the MTU", () => {
  assert.deepEqual(splitAboutEqually(2500, 1100), {
    count: 3,
    base: 833,
    extra: 1,
  });
  const p = new Vp8Packetizer({ ssrc: 7, initialSequence: 65534 });
  const out = Array.from({ length: 8 }, () => new Uint8Array(1300));
  const lengths = new Int32Array(8);
  const frame = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
  const n = p.packetize(frame, 90, out, lengths);
  assert.equal(n, 3);
  const sizes = [...lengths.slice(0, n)];
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
  assert.ok(sizes.every((s) => s <= 1200 - 16));
  // Reassembling the chunks gives the frame back; sequence numbers wrap.
  const seqs: number[] = [];
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const pkt = readRtpPacket(out[i].subarray(0, lengths[i]))!;
    seqs.push(pkt.sequenceNumber);
    chunks.push(out[i].subarray(pkt.payloadOffset + 4, lengths[i]));
  }
  assert.deepEqual(seqs, [65534, 65535, 0]);
  assert.deepEqual(Uint8Array.from(chunks.flatMap((c) => [...c])), frame);
});

test("vp8: the keyframe flag is the inverted P bit of the frame tag (RFC 6386 §9.1)", () => {
  assert.equal(isVp8Keyframe(hex("9d012a")), false); // P=1
  assert.equal(isVp8Keyframe(hex("10022a")), true); // P=0
  assert.equal(isVp8Keyframe(new Uint8Array(0)), false);
});
