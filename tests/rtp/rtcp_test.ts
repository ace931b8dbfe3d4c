/**
 * RTCP building and parsing: pion's PLI and NACK vectors, werift-rtp
 * (an independent implementation) parsing what we build and building what
 * we parse, RTT from LSR/DLSR, and fuzzing.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import {
  GenericNack,
  RtcpPacketConverter,
  RtcpReceiverInfo,
  RtcpRrPacket,
  RtcpSrPacket,
} from "werift-rtp";
import {
  ntpFromUnixMs,
  parseRtcp,
  rttMsFromReport,
  writeBye,
  writeSdesCname,
  writeSenderReport,
} from "../../src/rtp/rtcp.ts";
import { test } from "../_support/harness.ts";
import { hex } from "../_support/hex.ts";

test("rtcp: pion's PLI and Generic NACK vectors parse", () => {
  assert.deepEqual(parseRtcp(hex("81ce0002000000004bc4fcb4")).packets, [
    { type: "pli", senderSsrc: 0, mediaSsrc: 0x4bc4fcb4 },
  ]);
  const nack = parseRtcp(hex("81cd0003902f9e2e902f9e2eaaaa5555")).packets[0];
  assert.equal(nack.type, "nack");
  // PID 0xaaaa and BLP 0x5555: bits 0, 2, 4, … → PID+1, PID+3, …
  assert.deepEqual(nack.type === "nack" && nack.lost, [
    0xaaaa,
    0xaaab,
    0xaaad,
    0xaaaf,
    0xaab1,
    0xaab3,
    0xaab5,
    0xaab7,
    0xaab9,
  ]);
});

test("rtcp: werift-rtp parses our compound SR + SDES(CNAME) + BYE", () => {
  const buf = new Uint8Array(200);
  let n = writeSenderReport(buf, 0, {
    ssrc: 0x11223344,
    ntpSeconds: 0xe1234567,
    ntpFraction: 0x80000000,
    rtpTimestamp: 123456,
    packetCount: 50,
    octetCount: 4000,
  });
  n += writeSdesCname(buf, n, 0x11223344, "tgcall-test");
  n += writeBye(buf, n, [0x11223344, 0x55667788]);
  assert.equal(n % 4, 0);
  const theirs = RtcpPacketConverter.deSerialize(
    Buffer.from(buf.subarray(0, n)),
  );
  const sr = theirs.find((p) => p instanceof RtcpSrPacket) as RtcpSrPacket;
  assert.equal(sr.ssrc, 0x11223344);
  assert.equal(sr.senderInfo.rtpTimestamp, 123456);
  assert.equal(sr.senderInfo.packetCount, 50);
  assert.equal(sr.senderInfo.octetCount, 4000);
  const ours = parseRtcp(buf, n);
  assert.equal(ours.malformed, false);
  assert.deepEqual(ours.packets.map((p) => p.type), ["sr", "other", "bye"]);
  assert.deepEqual(ours.packets[2].type === "bye" && ours.packets[2].ssrcs, [
    0x11223344,
    0x55667788,
  ]);
});

test("rtcp: we parse werift-rtp's Receiver Report and NACK", () => {
  const rr = new RtcpRrPacket({
    ssrc: 99,
    reports: [
      new RtcpReceiverInfo({
        ssrc: 7,
        fractionLost: 64,
        packetsLost: 12,
        highestSequence: 70000,
        jitter: 33,
        lsr: 0x12345678,
        dlsr: 0x10000,
      }),
    ],
  }).serialize();
  const nack = new GenericNack({
    senderSsrc: 1,
    mediaSourceSsrc: 2,
    lost: [100, 101, 105, 130],
  }).serialize();
  const { packets, malformed } = parseRtcp(
    new Uint8Array(Buffer.concat([rr, nack])),
  );
  assert.equal(malformed, false);
  assert.deepEqual(packets[0], {
    type: "rr",
    ssrc: 99,
    reports: [{
      ssrc: 7,
      fractionLost: 0.25,
      cumulativeLost: 12,
      highestSequence: 70000,
      jitter: 33,
      lastSr: 0x12345678,
      delaySinceLastSr: 0x10000,
    }],
  });
  assert.deepEqual(
    packets[1].type === "nack" && [...packets[1].lost].sort((a, b) => a - b),
    [100, 101, 105, 130],
  );
});

test("rtcp: RTT is arrival − LSR − DLSR in NTP middle-32 units", () => {
  const sentAt = 1_700_000_000_000;
  const { seconds, fraction } = ntpFromUnixMs(sentAt);
  const lsr = (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
  // The receiver held the SR for 250 ms; it arrives back 400 ms after we sent it.
  const block = {
    ssrc: 1,
    fractionLost: 0,
    cumulativeLost: 0,
    highestSequence: 0,
    jitter: 0,
    lastSr: lsr,
    delaySinceLastSr: 0.25 * 65536,
  };
  const rtt = rttMsFromReport(block, sentAt + 400)!;
  assert.ok(Math.abs(rtt - 150) < 1, `rtt ${rtt}`);
  assert.equal(rttMsFromReport({ ...block, lastSr: 0 }, sentAt), undefined);
});

test("rtcp: FIR and REMB parse", () => {
  const fir = hex(
    "84ce0004" + "00000001" + "00000000" + "0000abcd" + "07000000",
  );
  assert.deepEqual(parseRtcp(fir).packets, [{
    type: "fir",
    senderSsrc: 1,
    entries: [{ ssrc: 0xabcd, sequence: 7 }],
  }]);
  // REMB: exp 2, mantissa 250000 → 1 000 000 bps, one SSRC.
  const m = 250000;
  const remb = hex(
    "8fce0005" + "00000001" + "00000000" + "52454d42" + "01" +
      ((2 << 2) | (m >> 16)).toString(16).padStart(2, "0") +
      (m & 0xffff).toString(16).padStart(4, "0") + "0000abcd",
  );
  assert.deepEqual(parseRtcp(remb).packets, [{
    type: "remb",
    senderSsrc: 1,
    bitrate: 1_000_000,
    ssrcs: [0xabcd],
  }]);
});

test("rtcp: malformed input never throws and keeps what parsed before it", () => {
  const good = hex("81ce0002000000004bc4fcb4");
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
      const both = new Uint8Array(good.length + junk.length);
      both.set(good);
      both.set(junk, good.length);
      const r = parseRtcp(both);
      assert.equal(r.packets[0].type, "pli");
      parseRtcp(junk);
    }),
    { numRuns: 3000 },
  );
  // A length field pointing past the end is flagged, not thrown.
  const r = parseRtcp(hex("81ce0009000000004bc4fcb4"));
  assert.deepEqual(r, { packets: [], malformed: true });
});
