/**
 * NACK → RTX (RFC 4588 §4): RTX packets carry the RTX SSRC and payload
 * type, their own sequence numbers, the original timestamp and the original
 * sequence number as the first two payload bytes; werift-rtp parses them.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { RtpPacket } from "werift-rtp";
import { readRtpPacket, writeRtpHeader } from "../../src/rtp/packet.ts";
import { RtxHistory } from "../../src/rtp/rtx_history.ts";
import { test } from "../_support/harness.ts";

function videoPacket(seq: number, ts: number, payload: number[]): Uint8Array {
  const buf = new Uint8Array(20 + payload.length);
  const n = writeRtpHeader(buf, {
    payloadType: 100,
    marker: true,
    sequenceNumber: seq,
    timestamp: ts,
    ssrc: 0xaaaa,
  }, [
    { id: 3, length: 2, value: seq },
  ]);
  buf.set(payload, n);
  return buf.subarray(0, n + payload.length);
}

test("rtx/rfc4588: a NACKed packet comes back on the RTX SSRC with the OSN prefix", () => {
  const h = new RtxHistory({ rtxSsrc: 0xbbbb, rtxPayloadType: 101 });
  const original = videoPacket(4000, 90000, [9, 8, 7]);
  h.store(original, original.length, 0);
  const out = new Uint8Array(1500);
  const n = h.retransmit(4000, out, 10, 50);
  const p = RtpPacket.deSerialize(Buffer.from(out.subarray(0, n)));
  assert.equal(p.header.ssrc, 0xbbbb);
  assert.equal(p.header.payloadType, 101);
  assert.equal(p.header.timestamp, 90000);
  assert.equal(p.header.marker, true);
  assert.deepEqual([...p.payload], [4000 >> 8, 4000 & 0xff, 9, 8, 7]);
  // Header extensions are kept as they were.
  assert.deepEqual([...readRtpPacket(out.subarray(0, n))!.extensions.get(3)!], [
    4000 >> 8,
    4000 & 0xff,
  ]);
});

test("rtx: no second resend within one RTT; again after it; RTX sequence numbers advance", () => {
  const h = new RtxHistory({ rtxSsrc: 1 });
  const p = videoPacket(7, 0, [1]);
  h.store(p, p.length, 0);
  const out = new Uint8Array(1500);
  const first = h.retransmit(7, out, 100, 80);
  const seqA = (out[2] << 8) | out[3];
  assert.ok(first > 0);
  assert.equal(h.retransmit(7, out, 150, 80), 0);
  assert.equal(h.stats.suppressed, 1);
  assert.ok(h.retransmit(7, out, 181, 80) > 0);
  assert.equal((out[2] << 8) | out[3], (seqA + 1) & 0xffff);
  assert.equal(h.stats.retransmitted, 2);
});

test("rtx: packets overwritten or never sent are reported missing, and 1 s of 2.5 Mbps video fits", () => {
  const h = new RtxHistory({ rtxSsrc: 1, capacity: 1024 });
  const out = new Uint8Array(1500);
  assert.equal(h.retransmit(5, out, 0, 0), 0);
  // 2.5 Mbps in 1100-byte packets is ~284 packets per second.
  const pkt = videoPacket(0, 0, new Array(1080).fill(0));
  for (let i = 0; i < 1300; i++) {
    pkt[2] = (i >> 8) & 0xff;
    pkt[3] = i & 0xff;
    h.store(pkt, pkt.length, i * (1000 / 284));
  }
  assert.ok(h.spanMs() >= 1000, `history spans ${h.spanMs()} ms`);
  assert.equal(h.retransmit(100, out, 5000, 0), 0, "overwritten by seq 1124");
  assert.ok(h.retransmit(1299, out, 5000, 0) > 0);
  assert.equal(h.stats.missing, 2);
});
