/**
 * Issue #14 on a fake clock: a source that falls behind real time (ffmpeg
 * starved for 400 ms) must not shift RTP time against the wall clock. The
 * idle silence fills the gap in real time; the late frames it stood in for
 * are dropped; the first source packet after the stall is 400 ms of RTP
 * time further on than contiguity would put it, and every packet's
 * arrival − media time offset stays within one frame of the first.
 */
import assert from "node:assert/strict";
import { AudioFeed } from "../../src/call/audio_feed.ts";
import type { ConnectionTracker } from "../../src/call/connection_tracker.ts";
import { FramePacer } from "../../src/media/frame_pacer.ts";
import { MediaSender } from "../../src/media/media_sender.ts";
import { parseRtcp } from "../../src/rtp/rtcp.ts";
import { fakeScheduler } from "../_support/fake_time.ts";
import { test } from "../_support/harness.ts";

/** A loud 20 ms Opus frame stand-in (the feed tells silence by its bytes). */
const TONE = new Uint8Array(80).fill(0xfc);
/** Source timestamps as a long-running stream has them (a minute in). */
const SOURCE_START = 48_000 * 60;

function setUp() {
  const time = fakeScheduler();
  const sent: { at: number; ts: number; loud: boolean }[] = [];
  const srs: { at: number; rtp: number }[] = [];
  const sender = new MediaSender({
    sink: {
      sendRtp: (buf, n) => {
        const ts = new DataView(buf.buffer, buf.byteOffset).getUint32(4);
        sent.push({ at: time.now(), ts, loud: n > 60 });
        return true;
      },
      sendRtcp: (buf, n) => {
        for (const p of parseRtcp(buf, n).packets) {
          if (p.type === "sr") {
            srs.push({ at: time.now(), rtp: p.rtpTimestamp });
          }
        }
        return true;
      },
    },
    audioSsrc: 0xa,
    scheduler: time.scheduler,
  });
  const connection = {
    live: true,
    stopped: false,
    state: "connected",
  } as unknown as ConnectionTracker;
  const feed = new AudioFeed({
    scheduler: time.scheduler,
    connection,
    sender: () => sender,
    muted: () => false,
  });
  const pacer = new FramePacer<number>({
    clockRate: 48_000,
    scheduler: time.scheduler,
    onFrame: (ts, deadline) => feed.send(TONE, ts, 960, deadline, -20),
  });
  /** Pushes source frames `from` … `to − 1` (20 ms each). */
  const push = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      pacer.push(SOURCE_START + i * 960, SOURCE_START + i * 960);
    }
  };
  const close = () => {
    pacer.clear();
    feed.stop();
    sender.close();
  };
  return { time, sent, srs, feed, pacer, push, close };
}

test("audio-underrun: a 400 ms source stall moves RTP time by 400 ms, in step with the wall clock", () => {
  const { time, sent, srs, feed, pacer, push, close } = setUp();
  feed.start();
  time.advance(100); // idle silence before the source
  feed.sourceStarted();
  const origin = time.now() + 40;
  pacer.anchor(SOURCE_START, origin);
  push(0, 50); // one second of frames ahead
  time.advance(origin + 990 - time.now());
  // Frame 50 was due at origin + 1000; ffmpeg delivers it 400 ms late, and
  // what it produced meanwhile with it.
  time.advance(400);
  push(50, 150);
  time.advance(3000);
  close();

  const loud = sent.filter((p) => p.loud);
  const before = loud.findLastIndex((p) => p.at <= origin + 980);
  const [last, next] = [loud[before], loud[before + 1]];
  assert.equal(last.at, origin + 980, "frame 49 on time");
  assert.equal(next.at, origin + 1400, "source back 400 ms later");
  assert.equal(
    (next.ts - last.ts) >>> 0,
    960 + 19_200,
    "RTP time skips the 400 ms nothing of the source was sent",
  );
  assert.ok(
    sent.some((p) => !p.loud && p.at > last.at && p.at < next.at),
    "silence kept the stream alive meanwhile",
  );
  // arrival − media time, over everything sent from the source's first
  // packet on, within one frame of where it started.
  const first = loud[0];
  for (const p of sent.filter((p) => p.at >= first.at)) {
    const media = ((p.ts - first.ts) >>> 0) / 48;
    const offset = p.at - first.at - media;
    assert.ok(Math.abs(offset) <= 20, `offset ${offset} ms at ${p.at}`);
  }
  // Sender Reports (RFC 3550 §6.4.1) map RTP time to the same clock.
  const reports = srs.filter((r) => r.at > first.at);
  assert.ok(reports.length >= 2, `${reports.length} SRs`);
  for (const r of reports) {
    const offset = r.at - first.at - ((r.rtp - first.ts) >>> 0) / 48;
    assert.ok(Math.abs(offset) <= 20, `SR offset ${offset} ms at ${r.at}`);
  }
  // Nothing sent twice for one slot: 20 ms of RTP time per 20 ms of wall.
  const span = sent.filter((p) => p.at >= first.at);
  assert.equal(
    ((span.at(-1)!.ts - first.ts) >>> 0) / 48,
    span.at(-1)!.at - first.at,
  );
});
