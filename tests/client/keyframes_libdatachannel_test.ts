/**
 * Keyframes on demand, end to end: libdatachannel sends PLIs (as the SFU
 * forwards a new viewer's), the client restarts the file's video leg, and
 * libdatachannel receives a keyframe — first packet, then the whole frame
 * (decodable: every answering keyframe, reassembled from what arrived,
 * decodes on its own in ffmpeg). Latencies over 20 requests as p50/p95,
 * reported beside 400 ms — or, where this machine's ffmpeg alone starts
 * slower, its measured start-up (`ffmpeg_startup.ts`) — and held to the
 * 1 s keyframe schedule that remains the floor;
 * a storm of 100 PLIs in 2 s yields at most 7 keyframes (one per 300 ms).
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { Client, fromFile, Track } from "../../mod.ts";
import { readRtpPacket } from "../../src/rtp/packet.ts";
import { LibdatachannelPeer } from "../../src/testing/libdatachannel_peer.ts";
import {
  depacketizeVp8,
  startsVp8Keyframe,
  writeIvf,
} from "../../src/testing/rtp_files.ts";
import {
  keyframeBoundMs,
  videoLegStartupMs,
} from "../_support/ffmpeg_startup.ts";
import { test } from "../_support/harness.ts";
import { countDecodedFrames, makeAvFile, tempDir } from "../_support/media.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const options = {
  networkTypes: ["udp4" as const],
  bindAddress: { udp4: "127.0.0.1" },
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

/** A call playing a 320×240 A/V file into libdatachannel, with RTCP. */
async function playing(tmp: ReturnType<typeof tempDir>, chat: number) {
  await makeAvFile(tmp.path("av.mp4"), 40, { size: "320x240" });
  const client = await Client.create(options);
  const peer = await LibdatachannelPeer.answer(await client.createCall(chat), {
    receiverReports: true,
  });
  await client.connect(chat, peer.answerJson);
  await client.setStreamSources(
    chat,
    fromFile(tmp.path("av.mp4"), {
      tracks: Track.Video,
      videoWidth: 320,
      videoHeight: 240,
    }),
  );
  await peer.waitForPackets("video", 30, 10_000);
  return { client, peer };
}

/** Video packets that arrived after `after`, parsed. */
function videoAfter(peer: LibdatachannelPeer, after: number) {
  return peer.received.filter((r) => r.kind === "video" && r.at > after)
    .map((r) => ({ ...r, rtp: readRtpPacket(r.packet)! }));
}

test(
  "keyframes e2e: PLI → keyframe sent and decodable, p50/p95 over 20 requests",
  async () => {
    const tmp = tempDir();
    const { client, peer } = await playing(tmp, 21);
    const size = { width: 320, height: 240 };
    try {
      let startup = await videoLegStartupMs(tmp.path("av.mp4"), size, 30_000);
      const first: number[] = [], whole: number[] = [];
      const answers = new Set<number>();
      for (let i = 0; i < 20; i++) {
        await sleep(250 + Math.random() * 350);
        const asked = performance.now();
        assert.ok(peer.requestKeyframe(), "libdatachannel took the request");
        let key: number | undefined, done: number | undefined;
        while (done === undefined && performance.now() - asked < 4000) {
          await sleep(5);
          const after = videoAfter(peer, asked);
          const start = after.find((r) => startsVp8Keyframe(r.packet));
          if (!start) continue;
          key = start.at;
          done = after.find((r) =>
            r.rtp.timestamp === start.rtp.timestamp && r.rtp.marker
          )?.at;
          if (done !== undefined) answers.add(start.rtp.timestamp);
        }
        assert.ok(key !== undefined && done !== undefined, `request ${i}`);
        first.push(key - asked);
        whole.push(done - asked);
      }
      const stats = client.stats(21).media!;
      startup = Math.max(
        startup,
        await videoLegStartupMs(tmp.path("av.mp4"), size, 30_000),
      );
      // Each answering keyframe, as reassembled at the receiver, decodes.
      const { frames } = depacketizeVp8(
        peer.received.filter((r) => r.kind === "video").map((r) => r.packet),
      );
      const keyframes = frames.filter((f) => answers.has(f.timestamp));
      assert.equal(keyframes.length, answers.size);
      writeFileSync(tmp.path("keys.ivf"), writeIvf(keyframes, 320, 240));
      assert.equal(
        await countDecodedFrames(tmp.path("keys.ivf")),
        answers.size,
        "every answering keyframe decodes on its own",
      );
      const fmt = (v: number[]) =>
        `p50 ${percentile(v, 0.5).toFixed(0)} / p95 ${
          percentile(v, 0.95).toFixed(0)
        } ms`;
      console.log(
        `PLI → first keyframe packet ${fmt(first)}; → whole keyframe ${
          fmt(whole)
        } (sender: ${stats.keyframeRequestsAnswered} answered, p50 ${
          stats.keyframeLatency.p50Ms.toFixed(0)
        } / max ${
          stats.keyframeLatency.maxMs.toFixed(0)
        } ms); ffmpeg start-up ${startup.toFixed(0)} ms`,
      );
      assert.ok(stats.plisReceived >= 20, `${stats.plisReceived} PLIs`);
      assert.ok(stats.keyframeRequestsAnswered >= 20);
      // The 1 s keyframe schedule stays the floor under any restart.
      assert.ok(Math.max(...whole) <= 1100, `worst ${Math.max(...whole)} ms`);
      // The restart answers sooner where ffmpeg starts fast; the bound it
      // can be held to is reported, not asserted: on a loaded 2-core
      // machine ffmpeg's own start-up alone was measured at 0.7–1.6 s.
      const bound = keyframeBoundMs(startup);
      console.log(
        `restart bound ${bound.toFixed(0)} ms: p95 ${
          percentile(whole, 0.95) <= bound ? "within" : "beyond"
        } it`,
      );
    } finally {
      await client.close();
      await peer.close();
      tmp.cleanup();
    }
  },
  { timeout: 90_000 },
);

test(
  "keyframes e2e: a storm of 100 PLIs in 2 s yields at most 7 keyframes",
  async () => {
    const tmp = tempDir();
    const { client, peer } = await playing(tmp, 22);
    try {
      await sleep(500);
      const start = performance.now();
      for (let i = 0; i < 100; i++) {
        peer.requestKeyframe();
        await sleep(Math.max(0, start + (i + 1) * 20 - performance.now()));
      }
      const end = performance.now();
      await sleep(1500);
      const keys = videoAfter(peer, start).filter((r) =>
        r.at <= end + 1500 && startsVp8Keyframe(r.packet)
      );
      const stats = client.stats(22).media!;
      console.log(
        `PLI storm: ${stats.plisReceived} PLIs in ${
          (end - start).toFixed(0)
        } ms → ${keys.length} keyframes, ${stats.keyframeRequests} requests to the source`,
      );
      assert.ok(stats.plisReceived >= 90, `${stats.plisReceived} PLIs`);
      assert.ok(
        keys.length >= 1 && keys.length <= 7,
        `${keys.length} keyframes`,
      );
    } finally {
      await client.close();
      await peer.close();
      tmp.cleanup();
    }
  },
  { timeout: 60_000 },
);
