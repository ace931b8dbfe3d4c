/**
 * The whole send path per packet — frame → RTP header + header extensions
 * (audio level, abs-send-time, transport-cc) → SRTP → UDP socket — through
 * `MediaSender` into a connected `PeerTransport` (see `send_path_fixture.ts`),
 * against SRTP protect plus a bare send of the same datagram (same runtime,
 * same socket backend, same sink) in the same run. Goal: at most 1 µs per
 * packet over that baseline.
 *
 * The asynchronous socket backends (Deno, Node) hold at most 256 sends in
 * flight, so both sides send in batches of {@linkcode BATCH} and yield to
 * I/O between batches; the time includes the yields and the send
 * completions, on both sides alike. Packets the socket dropped are counted
 * in `notes.dropped` (0 expected).
 *
 * @module
 */

import { MediaSender } from "../src/media/media_sender.ts";
import type { RtpSink } from "../src/media/rtp_sink.ts";
import { SrtpContext } from "../src/srtp/context.ts";
import { allocationPerOp, subarrayBytes } from "./alloc_probe.ts";
import {
  type BenchCase,
  BenchUnavailable,
  type Measurement,
  round,
} from "./harness.ts";
import {
  type SendPathFixture,
  sendPathFixture,
  yieldToIo,
} from "./send_path_fixture.ts";

const BATCH = 64;
const WARMUP_CALLS = 100;
const AUDIO_PACKETS = 20_000;
const VIDEO_FRAMES = 2_000;
/** An Opus 20 ms frame at ~64 kbit/s. */
const OPUS_FRAME = new Uint8Array(160).fill(0xfc);
/** An inter frame (first bit set) that splits into 10 packets of ~1180 B. */
const VP8_FRAME = new Uint8Array(11_500).fill(0x55);
/** Packets per allocation interval, and intervals per run (≥ 1 M in all). */
const ALLOC_INTERVAL = 10_000;
const ALLOC_INTERVALS = 20;

/** A MediaSender into the fixture's transport, timed in media time. */
function sender(f: SendPathFixture) {
  const media = new MediaSender({
    sink: f.transport,
    audioSsrc: f.audioSsrc,
    video: f.video,
  });
  let audioTs = 0, videoTs = 0;
  let audioDue = performance.now(), videoDue = audioDue;
  return {
    media,
    audio() {
      media.sendAudio(
        OPUS_FRAME,
        audioTs += 960,
        960,
        audioDue += 20,
        -30,
        true,
      );
    },
    video() {
      media.sendVideo(VP8_FRAME, videoTs += 3000, videoDue += 1000 / 30, 0);
    },
  };
}

/** The datagrams one audio frame and one video frame become, unprotected. */
function packetShapes(f: SendPathFixture): Uint8Array[][] {
  const captured: Uint8Array[] = [];
  const recorder: RtpSink = {
    sendRtp: (buf, n) => captured.push(buf.slice(0, n + 16)) > 0,
    sendRtcp: () => true,
  };
  const media = new MediaSender({
    sink: recorder,
    audioSsrc: f.audioSsrc,
    video: f.video,
  });
  media.sendAudio(OPUS_FRAME, 960, 960, performance.now(), -30, true);
  const audio = captured.splice(0);
  media.sendVideo(VP8_FRAME, 3000, performance.now(), 0);
  const video = captured.splice(0);
  media.close();
  return [audio, video];
}

/** µs per packet of `send` (`perCall` packets each), in batches with yields. */
async function timed(
  calls: number,
  perCall: number,
  send: () => void,
): Promise<number> {
  const perBatch = Math.max(1, Math.floor(BATCH / perCall));
  const run = async (count: number) => {
    for (let done = 0; done < count;) {
      for (let i = 0; i < perBatch && done < count; i++, done++) send();
      await yieldToIo();
    }
  };
  await run(WARMUP_CALLS);
  const start = performance.now();
  await run(calls);
  return ((performance.now() - start) * 1000) / (calls * perCall);
}

async function sendPath(kind: "audio" | "video"): Promise<Measurement> {
  const f = await sendPathFixture();
  const s = sender(f);
  const sent0 = f.transport.stats.rtpSent;
  const calls = kind === "audio" ? AUDIO_PACKETS : VIDEO_FRAMES;
  const perCall = kind === "audio" ? 1 : packetShapes(f)[1].length;
  const value = await timed(
    calls,
    perCall,
    kind === "audio" ? s.audio : s.video,
  );
  s.media.close();
  const dropped = (calls + WARMUP_CALLS) * perCall -
    (f.transport.stats.rtpSent - sent0);
  return {
    value,
    notes: {
      dropped: Math.max(0, dropped),
      profile: f.transport.srtpProfile?.name ?? "?",
      sink: f.sinkKind,
    },
  };
}

/** SRTP protect + bare socket send of the datagrams one frame becomes. */
function bareSender(f: SendPathFixture, kind: "audio" | "video") {
  const profile = f.transport.srtpProfile!;
  const ctx = new SrtpContext(
    profile,
    crypto.getRandomValues(new Uint8Array(profile.keyLength)),
    crypto.getRandomValues(new Uint8Array(profile.saltLength)),
  );
  const shapes = packetShapes(f)[kind === "audio" ? 0 : 1];
  const lengths = shapes.map((p) => p.length - 16);
  let seq = 0;
  const send = () => {
    for (let i = 0; i < shapes.length; i++) {
      const buf = shapes[i];
      seq = (seq + 1) & 0xffff;
      buf[2] = seq >> 8;
      buf[3] = seq;
      const n = ctx.protectRtp(buf, lengths[i]);
      f.bare.send(buf.subarray(0, n), f.sinkPort, "127.0.0.1");
    }
  };
  const meanBytes = lengths.reduce((a, b) => a + b, 0) / lengths.length;
  return { send, perCall: shapes.length, meanBytes };
}

async function protectAndSend(kind: "audio" | "video"): Promise<Measurement> {
  const f = await sendPathFixture();
  const bare = bareSender(f, kind);
  const dropped0 = f.bare.stats.dropped;
  const calls = kind === "audio" ? AUDIO_PACKETS : VIDEO_FRAMES;
  const value = await timed(calls, bare.perCall, bare.send);
  return {
    value,
    notes: {
      dropped: f.bare.stats.dropped - dropped0,
      rtpBytes: round(bare.meanBytes),
    },
  };
}

/** Allocations per audio packet of `send` (see `alloc_probe.ts`). */
async function allocations(send: () => void): Promise<Measurement> {
  const unit = await subarrayBytes();
  if (!(unit > 0)) {
    // JavaScriptCore's heap counters (process.memoryUsage, bun:jsc
    // heapSize/heapStats/memoryUsage) do not advance with allocations
    // between collections, so growth cannot be read off them.
    throw new BenchUnavailable(
      "heap counters do not grow with allocations on this runtime",
    );
  }
  const loop = async (count: number, step: () => void) => {
    for (let done = 0; done < count;) {
      for (let i = 0; i < BATCH && done < count; i++, done++) step();
      await yieldToIo();
    }
  };
  const est = await allocationPerOp(
    (count) => loop(count, send),
    (count) => loop(count, () => {}),
    ALLOC_INTERVAL,
    ALLOC_INTERVALS,
  );
  const packets = ALLOC_INTERVAL * (ALLOC_INTERVALS + 1);
  return {
    value: est.bytesPerOp / unit,
    notes: {
      bytesPerPkt: round(est.bytesPerOp),
      harnessBytesPerPkt: round(est.harnessBytesPerOp),
      subarrayBytes: round(unit),
      heapDropsPer1MPkt: round((est.heapDrops * 1e6) / packets),
      packets,
    },
  };
}

async function audioAllocations(): Promise<Measurement> {
  const s = sender(await sendPathFixture());
  try {
    return await allocations(s.audio);
  } finally {
    s.media.close();
  }
}

async function bareAllocations(): Promise<Measurement> {
  return allocations(bareSender(await sendPathFixture(), "audio").send);
}

/** Cases in this file. */
export const cases: BenchCase[] = [
  {
    name: "send-path-audio",
    unit: "us/pkt",
    run: () => sendPath("audio"),
    baseline: {
      name: "srtp+bare-send",
      run: () => protectAndSend("audio"),
    },
  },
  {
    name: "send-path-video-1200",
    unit: "us/pkt",
    run: () => sendPath("video"),
    baseline: {
      name: "srtp+bare-send",
      run: () => protectAndSend("video"),
    },
  },
  {
    name: "send-path-audio-allocs",
    unit: "allocs/pkt",
    run: audioAllocations,
    baseline: { name: "srtp+bare-send", run: bareAllocations },
  },
];
