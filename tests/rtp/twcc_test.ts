/**
 * Transport-cc on the wire (draft-holmer-rmcat-transport-wide-cc-
 * extensions-01): the feedback's three chunk kinds, small, large and
 * negative receive deltas, lost packets; malformed FCI refused without a
 * throw; the sequence number's place in a one-byte extension block.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { writeRtpHeader } from "../../src/rtp/packet.ts";
import { parseRtcp } from "../../src/rtp/rtcp.ts";
import { extensionValueOffset, parseTwccFeedback } from "../../src/rtp/twcc.ts";
import { test } from "../_support/harness.ts";
import { hex } from "../_support/hex.ts";

test("twcc: run-length and both status-vector chunks, with small, large and negative deltas", () => {
  const fci = "fffe" + "0014" + "000001" + "07" + // base, 20 packets, 64 ms, #7
    "2003" + // run length: 3 × "small delta"
    "ac00" + // 1-bit vector: 1,0,1,1, then 10 × lost
    "e800" + // 2-bit vector: large, large, lost (the 3 packets left)
    "04" + "04" + "04" + // 1 ms each
    "08" + "08" + "08" + // 2 ms each
    "fff8" + // −2 ms
    "0190"; // +100 ms
  const [p] = parseRtcp(hex("8fcd0008" + "00000001" + "0000abcd" + fci))
    .packets;
  assert.equal(p.type, "twcc");
  if (p.type !== "twcc") return;
  assert.equal(p.senderSsrc, 1);
  assert.equal(p.mediaSsrc, 0xabcd);
  assert.equal(p.baseSequence, 0xfffe);
  assert.equal(p.statusCount, 20);
  assert.equal(p.referenceTimeMs, 64);
  assert.equal(p.feedbackCount, 7);
  const lost = null;
  assert.deepEqual(
    [...p.arrivalMs].map((a) => Number.isNaN(a) ? lost : a),
    [65, 66, 67, 69, lost, 71, 73, ...Array(10).fill(lost), 71, 171, lost],
  );
});

test("twcc: a reserved status or deltas running past the end are malformed, never a throw", () => {
  assert.equal(
    parseTwccFeedback(hex("0000" + "0001" + "000000" + "00" + "6001"), 0, 10),
    undefined,
    "status 3 is reserved",
  );
  assert.equal(
    parseTwccFeedback(
      hex("0000" + "0002" + "000000" + "00" + "2002" + "04"),
      0,
      11,
    ),
    undefined,
    "two small deltas announced, one present",
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (junk) => {
      parseTwccFeedback(junk, 0, junk.length);
      const packet = new Uint8Array(12 + junk.length + 3 & ~3);
      packet.set(hex("8fcd0000"));
      packet[3] = packet.length / 4 - 1;
      packet.set(junk, 12);
      parseRtcp(packet);
    }),
    { numRuns: 2000 },
  );
});

test("twcc: the sequence number is found among one-byte extensions, padding skipped", () => {
  const buf = new Uint8Array(64);
  const n = writeRtpHeader(buf, {
    marker: false,
    payloadType: 100,
    sequenceNumber: 1,
    timestamp: 2,
    ssrc: 3,
  }, [
    { id: 1, length: 1, value: 0x85 },
    { id: 2, length: 3, value: 0x123456 },
    { id: 3, length: 2, value: 0xbeef },
  ]);
  const at = extensionValueOffset(buf, n, 3);
  assert.equal((buf[at] << 8) | buf[at + 1], 0xbeef);
  assert.equal(extensionValueOffset(buf, n, 4), -1);
  assert.equal(extensionValueOffset(buf, 12, 3), -1, "truncated");
  const plain = new Uint8Array(12);
  plain[0] = 0x80;
  assert.equal(extensionValueOffset(plain, 12, 3), -1, "no extension block");
});
