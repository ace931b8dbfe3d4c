/**
 * Transport-wide sequence numbers as the draft wants them: one per RTP
 * packet, in send order, from one counter shared by audio, video and RTX
 * (each packet of a paced video frame its own; a retransmission a fresh
 * one) — and what the SFU's feedback about them says (loss, queuing
 * delay), with REMB, in the sender's statistics.
 */
import assert from "node:assert/strict";
import { MediaSender } from "../../src/media/media_sender.ts";
import { readRtpPacket } from "../../src/rtp/packet.ts";
import { fakeScheduler } from "../_support/fake_time.ts";
import { test } from "../_support/harness.ts";
import { hex } from "../_support/hex.ts";

function setUp() {
  const time = fakeScheduler();
  const sent: { at: number; ssrc: number; seq: number; twcc: number }[] = [];
  const sender = new MediaSender({
    sink: {
      sendRtp: (buf, n) => {
        const p = readRtpPacket(buf.slice(0, n))!;
        const ext = p.extensions.get(3)!;
        sent.push({
          at: time.now(),
          ssrc: p.ssrc,
          seq: p.sequenceNumber,
          twcc: (ext[0] << 8) | ext[1],
        });
        return true;
      },
      sendRtcp: () => true,
    },
    audioSsrc: 0xa,
    video: { ssrc: 0xb, rtxSsrc: 0xc },
    scheduler: time.scheduler,
  });
  return { time, sent, sender };
}

/** An RTPFB FMT 15 packet: `arrivals[i]` (ms after 0, or null: lost) for base + i. */
function feedback(base: number, arrivals: (number | null)[]): Uint8Array {
  const hex4 = (v: number) => (v & 0xffff).toString(16).padStart(4, "0");
  let chunks = "", deltas = "", last = 0;
  for (let i = 0; i < arrivals.length; i += 7) {
    let chunk = 0xc000;
    for (let j = 0; j < 7; j++) {
      const a = arrivals[i + j];
      if (a === undefined || a === null) continue;
      chunk |= 2 << (12 - 2 * j);
      deltas += hex4(Math.round((a - last) * 4));
      last = a;
    }
    chunks += hex4(chunk);
  }
  let fci = hex4(base) + hex4(arrivals.length) + "000000" + "00" + chunks +
    deltas;
  while (fci.length % 8) fci += "00";
  const words = 2 + fci.length / 8;
  return hex("8fcd" + hex4(words) + "00000001" + "0000000a" + fci);
}

test("transport-cc: one sequence number per packet in send order, shared by audio, video and RTX", () => {
  const { time, sent, sender } = setUp();
  sender.sendAudio(Uint8Array.of(0xfc), 0, 960, 0, -20, true);
  sender.sendVideo(new Uint8Array(10_000).fill(0x11), 0, 0, 40);
  sender.sendAudio(Uint8Array.of(0xfc), 960, 960, 0, -20, true);
  time.advance(40); // the rest of the frame's paced packets
  const videoSeqs = sent.filter((s) => s.ssrc === 0xb).map((s) => s.seq);
  assert.equal(videoSeqs.length, 9);
  const nack = hex(
    "81cd0003" + "00000001" + "0000000b" +
      videoSeqs[3].toString(16).padStart(4, "0") + "0000",
  );
  sender.handleRtcp(nack, nack.length);
  assert.equal(sent.length, 12);
  assert.equal(sent.at(-1)!.ssrc, 0xc, "an RTX packet");
  const twcc = sent.map((s) => s.twcc);
  assert.deepEqual(
    twcc.map((t) => (t - twcc[0]) & 0xffff),
    [...Array(12).keys()],
    `per-packet numbers, got ${twcc}`,
  );
  sender.close();
});

test("transport-cc: feedback gives loss over the last second and queuing delay; REMB the SFU's estimate", () => {
  const { time, sent, sender } = setUp();
  assert.equal(sender.stats().transportCc, undefined);
  assert.ok(Number.isNaN(sender.stats().rembBitrate));
  // 100 audio packets, one every 20 ms. The feedback says one in ten was
  // lost, the first half arrived 30 ms after sending, the second half
  // queued 25 ms more.
  for (let i = 0; i < 100; i++) {
    sender.sendAudio(Uint8Array.of(0xfc), i * 960, 960, time.now(), -20, true);
    time.advance(20);
  }
  const base = sent[0].twcc;
  const arrivals = sent.map((s, i) =>
    i % 10 === 9 ? null : s.at + 30 + (i >= 50 ? 25 : 0)
  );
  const half = (from: number, to: number) => {
    const fb = feedback((base + from) & 0xffff, arrivals.slice(from, to));
    sender.handleRtcp(fb, fb.length);
  };
  half(0, 50);
  time.advance(1000);
  half(50, 100);
  const m = 250000;
  const remb = hex(
    "8fce0005" + "00000001" + "00000000" + "52454d42" + "01" +
      ((2 << 2) | (m >> 16)).toString(16).padStart(2, "0") +
      (m & 0xffff).toString(16).padStart(4, "0") + "0000000a",
  );
  sender.handleRtcp(remb, remb.length);
  const stats = sender.stats();
  assert.equal(stats.rembBitrate, 1_000_000);
  const cc = stats.transportCc!;
  assert.equal(cc.feedbacks, 2);
  assert.equal(cc.packetsReported, 100);
  assert.equal(cc.packetsLost, 10);
  assert.ok(Math.abs(cc.lossFraction - 0.1) < 1e-9, `loss ${cc.lossFraction}`);
  assert.ok(Math.abs(cc.delayMs - 25) < 0.5, `delay ${cc.delayMs}`);
  sender.close();
});

test("transport-cc: send times are kept for every packet younger than 3 s, up to the last 1024", () => {
  // Feedback first on the newest packet (one-way 30 ms, the baseline),
  // then on an older one that arrived 50 ms later: the queuing delay is
  // 50 ms when its send time is still known, and stays 0 when it is not.
  const delayOfOld = (count: number, spacingMs: number, old: number) => {
    const { time, sent, sender } = setUp();
    for (let i = 0; i < count; i++) {
      sender.sendAudio(Uint8Array.of(0xfc), i * 960, 960, time.now(), 0, true);
      time.advance(spacingMs);
    }
    for (const [i, late] of [[count - 1, 30], [old, 80]]) {
      const fb = feedback(sent[i].twcc, [sent[i].at + late]);
      sender.handleRtcp(fb, fb.length);
    }
    const delay = sender.stats().transportCc!.delayMs;
    sender.close();
    return delay;
  };
  // Video rates: the ring grows to 1024 packets.
  assert.equal(delayOfOld(1100, 1, 1100 - 1024), 50);
  assert.equal(delayOfOld(1100, 1, 1100 - 1025), 0);
  // Opus at 50 packets/s: 2.9 s back is known.
  assert.equal(delayOfOld(400, 20, 400 - 145), 50);
});
