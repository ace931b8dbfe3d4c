/**
 * Issue #14 on a fake clock: a source that falls behind real time (ffmpeg
 * starved for 400 ms) must not shift RTP time against the wall clock. The
 * idle silence fills the gap in real time; the late frames it stood in for
 * are dropped; the first source packet after the stall is 400 ms of RTP
 * time further on than contiguity would put it, and every packet's
 * arrival − media time offset stays within one frame of the first.
 *
 * And a new source's first frame due in a slot that idle silence covered
 * (the loop was held up; or its video leg set the clock) must not put the
 * source ahead of its deadlines: that lead came back later as a whole-frame
 * step in RTP time against the wall clock (50-call soak, 7 of 50 calls,
 * 20–140 ms).
 */
import assert from "node:assert/strict";
import { AudioFeed } from "../../src/call/audio_feed.ts";
import type { ConnectionTracker } from "../../src/call/connection_tracker.ts";
import { FramePacer } from "../../src/media/frame_pacer.ts";
import { MediaSender } from "../../src/media/media_sender.ts";
import { parseRtcp } from "../../src/rtp/rtcp.ts";
import { Scheduler } from "../../src/runtime/scheduler.ts";
import { fakeTimers } from "../_support/fake_time.ts";
import { test } from "../_support/harness.ts";

/** A loud 20 ms Opus frame stand-in (the feed tells silence by its bytes). */
const TONE = new Uint8Array(80).fill(0xfc);
/** Source timestamps as a long-running stream has them (a minute in). */
const SOURCE_START = 48_000 * 60;

/** A fake clock that can also jump, as when something holds the event loop. */
function heldClock() {
  const timers = fakeTimers();
  let heldMs = 0;
  const now = () => timers.now() + heldMs;
  const scheduler = new Scheduler({
    clock: { now },
    timers: timers.timers,
    earlyMs: 0,
  });
  const hold = (ms: number) => heldMs += ms;
  return { scheduler, now, advance: timers.advance, hold };
}

function setUp() {
  const time = heldClock();
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
    nextSourceDeadline: () => pacer.nextDeadline,
  });
  const pacer = new FramePacer<number>({
    clockRate: 48_000,
    scheduler: time.scheduler,
    // As Playback does (SourcePlayer → Playback.delay): a lead moves the
    // rest of the source later.
    onFrame: (ts, deadline) => {
      const lead = feed.send(TONE, ts, 960, deadline, -20);
      if (lead > 0) pacer.shift(lead);
    },
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
  /** arrival − RTP time of packet `p`, against the first packet sent. */
  const offset = (p: { at: number; ts: number }) =>
    p.at - sent[0].at - ((p.ts - sent[0].ts) >>> 0) / 48;
  return { time, sent, srs, feed, pacer, push, close, offset };
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

test("audio-run: a source due while the event loop was held up is not pushed ahead by the silence that ran first", () => {
  const { time, sent, srs, feed, pacer, push, close, offset } = setUp();
  feed.start();
  time.advance(110); // idle silence in slots 0, 20, … 100
  feed.sourceStarted();
  const origin = time.now() + 40; // 150: between silence slots 140 and 160
  pacer.anchor(SOURCE_START, origin);
  push(0, 100);
  // Something holds the loop from 135 to 235: the silence task (due at
  // 140) then runs before the pacer (due at 150), at 235.
  const hog = time.scheduler.task(() => time.hold(100));
  hog.at(135);
  time.advance(2000);
  hog.cancel();
  close();

  const loud = sent.filter((p) => p.loud);
  assert.equal(loud.length, 100, "every source frame sent");
  assert.ok(
    !sent.some((p) => !p.loud && p.at > 200 && p.at < loud[99].at),
    "no silence over the source",
  );
  // Once on time again, source and silence keep one offset to the clock.
  for (const p of sent.filter((p) => p.at < 135 || p.at > 300)) {
    assert.ok(Math.abs(offset(p)) <= 10, `offset ${offset(p)} ms at ${p.at}`);
  }
  for (const r of srs.filter((r) => r.at > 300)) {
    const o = offset({ at: r.at, ts: r.rtp });
    assert.ok(Math.abs(o) <= 10, `SR offset ${o} ms at ${r.at}`);
  }
});

test("audio-run: a source whose first frame is due inside a silence slot already sent plays that much later", () => {
  const { time, sent, srs, feed, pacer, push, close, offset } = setUp();
  feed.start();
  time.advance(141); // silence in slots 0 … 140; 140 is on the wire
  // The clock was set earlier (by the video leg): audio is due at 143,
  // 17 ms inside the slot silence took.
  feed.sourceStarted();
  pacer.anchor(SOURCE_START, 143);
  push(0, 100);
  time.advance(2500);
  close();

  const loud = sent.filter((p) => p.loud);
  assert.equal(loud.length, 100, "every source frame sent");
  assert.equal(loud[0].at, 143, "the first frame goes out when due");
  // Its RTP time is the next slot's (160); the rest plays from there.
  assert.equal(offset(loud[0]), -17);
  assert.equal(loud[1].at, 180, "the source plays 17 ms later from here");
  for (const p of sent.filter((p) => p !== loud[0])) {
    assert.ok(Math.abs(offset(p)) <= 0.5, `offset ${offset(p)} ms at ${p.at}`);
  }
  for (const r of srs.filter((r) => r.at > 200)) {
    const o = offset({ at: r.at, ts: r.rtp });
    assert.ok(Math.abs(o) <= 1, `SR offset ${o} ms at ${r.at}`);
  }
});
