/**
 * The public API end to end: Client → libdatachannel on loopback (its SDP
 * answer turned into Telegram's answer JSON) → RTP decrypted there → Ogg
 * rebuilt → decoded by ffmpeg. The tone must come out at its frequency,
 * pause and mute must show as silent gaps and resumption, events must fire
 * exactly once and in order (stop from inside onStreamEnd included), and
 * nothing may remain afterwards.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import {
  Client,
  type ConnectionState,
  fromFile,
  type StreamType,
  type TgCallError,
  Track,
} from "../../mod.ts";
import { openResources } from "../../src/runtime/resources.ts";
import { LibdatachannelPeer } from "../../src/testing/libdatachannel_peer.ts";
import {
  depacketizeVp8,
  opusRtpToOgg,
  startsVp8Keyframe,
  writeIvf,
} from "../../src/testing/rtp_files.ts";
import {
  keyframeBoundMs,
  videoLegStartupMs,
} from "../_support/ffmpeg_startup.ts";
import { test } from "../_support/harness.ts";
import {
  countDecodedFrames,
  decodePcm,
  makeAvFile,
  makeToneWav,
  tempDir,
  windowLevels,
  zeroCrossingHz,
} from "../_support/media.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const options = {
  networkTypes: ["udp4" as const],
  bindAddress: { udp4: "127.0.0.1" },
};

/** Runs of consecutive 20 ms windows above / below -40 dBFS. */
function runs(levels: number[]): { loud: boolean; frames: number }[] {
  const out: { loud: boolean; frames: number }[] = [];
  for (const l of levels) {
    const loud = l > -40;
    if (out.length && out.at(-1)!.loud === loud) out.at(-1)!.frames++;
    else out.push({ loud, frames: 1 });
  }
  return out;
}

test(
  "client e2e: a tone arrives at its frequency; pause and mute are silent gaps; the end fires once",
  async () => {
    const tmp = tempDir();
    const client = await Client.create(options);
    let peer: LibdatachannelPeer | undefined;
    const chat = -1001234567890n;
    try {
      await makeToneWav(tmp.path("tone.wav"), 3, 660);
      const states: ConnectionState[] = [];
      const ends: [StreamType, TgCallError | undefined][] = [];
      client.onConnectionChange((id, info) => {
        assert.equal(id, chat);
        states.push(info.state);
      });
      client.onStreamEnd(async (id, type, _device, error) => {
        ends.push([type, error]);
        await client.stop(id); // re-entering the API from a callback
      });
      peer = await LibdatachannelPeer.answer(
        await client.createCall(chat, { video: false }),
      );
      await client.connect(chat, peer.answerJson);
      await client.setStreamSources(chat, fromFile(tmp.path("tone.wav")));
      await sleep(800);
      assert.equal(await client.pause(chat), true);
      const pausedAt = client.time(chat);
      await sleep(600);
      assert.equal(client.time(chat), pausedAt, "time() frozen while paused");
      assert.equal(await client.resume(chat), true);
      await sleep(700);
      assert.equal(await client.mute(chat), true);
      await sleep(500);
      assert.equal(await client.unmute(chat), true);
      const deadline = Date.now() + 10_000;
      while (ends.length === 0 && Date.now() < deadline) await sleep(50);
      await client.idle();
      assert.deepEqual(ends, [["audio", undefined]]);
      assert.deepEqual(states, ["connecting", "connected", "closed"]);
      assert.equal(
        client.calls().size,
        0,
        "stop inside onStreamEnd removed the call",
      );

      writeFileSync(
        tmp.path("received.ogg"),
        opusRtpToOgg(
          peer.received.filter((r) => r.kind === "audio").map((r) => r.packet),
        ),
      );
      const pcm = await decodePcm(tmp.path("received.ogg"));
      const levels = windowLevels(pcm);
      const pattern = runs(levels);
      // Drop the silence before the source started and after it ended.
      while (pattern.length && !pattern[0].loud) pattern.shift();
      while (pattern.length && !pattern.at(-1)!.loud) pattern.pop();
      const loud = pattern.filter((r) => r.loud),
        quiet = pattern.filter((r) => !r.loud);
      console.log(
        `received: ${
          pattern.map((r) => `${r.loud ? "tone" : "gap"} ${r.frames * 20} ms`)
            .join(", ")
        }`,
      );
      assert.equal(loud.length, 3, "tone, pause, tone, mute, tone");
      assert.equal(quiet.length, 2);
      // The pause gap is the 600 ms slept plus ffmpeg's restart on resume,
      // which a loaded machine stretches.
      assert.ok(
        quiet[0].frames * 20 >= 500 && quiet[0].frames * 20 <= 1300,
        `pause gap ${quiet[0].frames * 20} ms`,
      );
      assert.ok(
        Math.abs(quiet[1].frames * 20 - 500) <= 150,
        `mute gap ${quiet[1].frames * 20} ms`,
      );
      // Pausing loses nothing; muting drops what played meanwhile: ~3 s − 0.5 s of tone.
      const toneMs = loud.reduce((n, r) => n + r.frames * 20, 0);
      assert.ok(toneMs > 2200 && toneMs < 2800, `${toneMs} ms of tone`);
      // The tone itself, from the longest loud stretch.
      let at = 0, best = { start: 0, frames: 0 };
      for (const r of runs(levels)) {
        if (r.loud && r.frames > best.frames) {
          best = { start: at, frames: r.frames };
        }
        at += r.frames;
      }
      const hz = zeroCrossingHz(
        pcm.subarray(
          (best.start + 2) * 960,
          (best.start + best.frames - 2) * 960,
        ),
      );
      assert.ok(Math.abs(hz - 660) < 5, `decoded tone at ${hz.toFixed(1)} Hz`);
    } finally {
      await client.close();
      await peer?.close();
      tmp.cleanup();
    }
    assert.equal(openResources().subprocesses, 0);
  },
  { timeout: 60_000 },
);

test(
  "client e2e: an A/V source ends once per leg, video first; video frames decode",
  async () => {
    const tmp = tempDir();
    const client = await Client.create(options);
    let peer: LibdatachannelPeer | undefined;
    try {
      await makeAvFile(tmp.path("av.mp4"), 1.5, { size: "320x240" });
      const events: string[] = [];
      client.onStreamEnd((_, type, device, error) =>
        void events.push(`end:${type}:${device}:${error ? "error" : "ok"}`)
      );
      client.onUpgrade((_, s) =>
        void events.push(`upgrade:videoStopped=${s.videoStopped}`)
      );
      peer = await LibdatachannelPeer.answer(await client.createCall(42));
      await client.connect(42, peer.answerJson);
      await client.setStreamSources(
        42,
        fromFile(tmp.path("av.mp4"), {
          tracks: Track.Video,
          videoWidth: 320,
          videoHeight: 240,
        }),
      );
      assert.deepEqual(client.mediaState(42).videoStopped, false);
      const deadline = Date.now() + 10_000;
      while (
        events.filter((e) => e.startsWith("end")).length < 2 &&
        Date.now() < deadline
      ) await sleep(50);
      await sleep(300);
      await client.idle();
      assert.deepEqual(events, [
        "end:video:camera:ok",
        "upgrade:videoStopped=true",
        "end:audio:microphone:ok",
      ]);
      const stats = client.stats(42);
      assert.equal(stats.state, "connected");
      assert.ok(
        stats.media!.video!.packets > 0 && stats.media!.audio.packets >= 75,
      );
      const video = await peer.waitForPackets(
        "video",
        stats.media!.video!.packets,
        5000,
      );
      assert.ok(video.length > 45, `${video.length} video packets`);
      const { frames, incomplete } = depacketizeVp8(video.map((r) => r.packet));
      assert.equal(incomplete, 0);
      assert.ok(
        Math.abs(frames.length - 45) <= 1,
        `${frames.length} video frames`,
      );
      writeFileSync(tmp.path("out.ivf"), writeIvf(frames, 320, 240));
      const decoded = await countDecodedFrames(tmp.path("out.ivf"));
      assert.equal(
        decoded,
        frames.length,
        "every received frame decodes",
      );
      // Silence keeps the audio stream alive after the end.
      const before = peer.received.filter((r) => r.kind === "audio").length;
      await sleep(300);
      assert.ok(
        peer.received.filter((r) => r.kind === "audio").length >= before + 10,
        "silence after the end",
      );
      await client.stop(42);
      // close_notify tells libdatachannel the call is over at once (without
      // it, libdatachannel would wait for its ICE consent to time out).
      await peer.waitForState("closed", 3000);
      await client.idle();
      assert.equal(events.length, 3, "stop adds no stream events");
    } finally {
      await client.close();
      await peer?.close();
      tmp.cleanup();
    }
  },
  { timeout: 60_000 },
);

test(
  "client e2e: sharedUdpMux carries two calls on one socket; the socket survives stop and closes with the client",
  async () => {
    const tmp = tempDir();
    const base = openResources().udpSockets;
    const client = await Client.create({ ...options, sharedUdpMux: true });
    const peers: LibdatachannelPeer[] = [];
    try {
      assert.equal(openResources().udpSockets, base + 1);
      await makeToneWav(tmp.path("a.wav"), 5, 440);
      for (const chat of [1, 2]) {
        const peer = await LibdatachannelPeer.answer(
          await client.createCall(chat, { video: false }),
        );
        peers.push(peer);
        await client.connect(chat, peer.answerJson);
      }
      await Promise.all(
        [1, 2].map((chat) =>
          client.setStreamSources(chat, fromFile(tmp.path("a.wav")))
        ),
      );
      assert.equal(
        openResources().udpSockets,
        base + 1,
        "both calls on the shared socket",
      );
      await Promise.all(peers.map((p) => p.waitForPackets("audio", 20, 5000)));
      await client.stop(1);
      const n = peers[1].received.length;
      await sleep(300);
      assert.ok(
        peers[1].received.length > n + 5,
        "call 2 continues after call 1 stopped",
      );
      assert.equal(
        openResources().udpSockets,
        base + 1,
        "the mux survives stop",
      );
    } finally {
      await client.close();
      for (const p of peers) await p.close();
      tmp.cleanup();
    }
    assert.equal(openResources().udpSockets, base);
  },
  { timeout: 60_000 },
);

test(
  "client e2e: connect again replaces the remote params; a source set while paused starts at 0 on resume",
  async () => {
    const tmp = tempDir();
    const client = await Client.create({ ...options, connectTimeoutMs: 5000 });
    let peer: LibdatachannelPeer | undefined;
    try {
      await makeToneWav(tmp.path("a.wav"), 3, 440);
      const states: ConnectionState[] = [];
      client.onConnectionChange((_, info) => void states.push(info.state));
      const join = await client.createCall(7, { video: false });
      peer = await LibdatachannelPeer.answer(join);
      // First an answer whose only candidate is a dead port, then the real one.
      const dead = JSON.parse(peer.answerJson);
      dead.transport.candidates = dead.transport.candidates.map((
        c: Record<string, unknown>,
      ) => ({ ...c, port: "9" }));
      await client.connect(7, JSON.stringify(dead));
      await sleep(200);
      await client.connect(7, peer.answerJson);
      await peer.waitForState("connected", 5000);
      assert.equal(await client.pause(7), true);
      await client.setStreamSources(7, fromFile(tmp.path("a.wav")));
      await sleep(400);
      assert.equal(client.time(7), 0, "recorded, not started, while paused");
      const loudBefore = peer.received.filter((r) =>
        r.kind === "audio" && r.packet.length > 40
      ).length;
      assert.equal(loudBefore, 0, "only silence while paused");
      assert.equal(await client.resume(7), true);
      const loud = () =>
        peer!.received.filter((r) => r.kind === "audio" && r.packet.length > 40)
          .length;
      const deadline = Date.now() + 5000;
      while (loud() < 5 && Date.now() < deadline) await sleep(10);
      // A handful of frames in, the position is a handful of frames from 0.
      const t = client.time(7);
      assert.ok(t > 0 && t < 400, `started at 0 on resume, now at ${t} ms`);
      await client.idle();
      assert.deepEqual(states, ["connecting", "connected"]);
    } finally {
      await client.close();
      await peer?.close();
      tmp.cleanup();
    }
  },
  { timeout: 60_000 },
);

test(
  "client e2e: a PLI from the receiver is answered by a keyframe within the 1 s schedule, sooner by a restart",
  async () => {
    const tmp = tempDir();
    const client = await Client.create(options);
    let peer: LibdatachannelPeer | undefined;
    try {
      await makeAvFile(tmp.path("av.mp4"), 8, { size: "320x240" });
      peer = await LibdatachannelPeer.answer(await client.createCall(3), {
        receiverReports: true,
      });
      await client.connect(3, peer.answerJson);
      await client.setStreamSources(
        3,
        fromFile(tmp.path("av.mp4"), {
          tracks: Track.Video,
          videoWidth: 320,
          videoHeight: 240,
        }),
      );
      await peer.waitForPackets("video", 20, 5000);
      const waits: number[] = [];
      for (let i = 0; i < 4; i++) {
        await sleep(150 + Math.random() * 600);
        const asked = performance.now();
        assert.ok(peer.requestKeyframe(), "libdatachannel took the request");
        const deadline = asked + 3000;
        let answered: number | undefined;
        while (answered === undefined && performance.now() < deadline) {
          answered = peer.received.find((r) =>
            r.kind === "video" && r.at > asked && startsVp8Keyframe(r.packet)
          )?.at;
          if (answered === undefined) await sleep(10);
        }
        assert.ok(answered !== undefined, "no keyframe after the PLI");
        waits.push(answered - asked);
      }
      const stats = client.stats(3).media!;
      console.log(
        `PLI → keyframe: ${
          waits.map((w) => w.toFixed(0)).join(", ")
        } ms (${stats.plisReceived} PLIs received)`,
      );
      assert.ok(
        stats.plisReceived >= 4,
        `${stats.plisReceived} PLIs reached the sender`,
      );
      assert.ok(stats.keyframeRequests >= 1);
      // The file's video leg restarts on the request (400 ms where ffmpeg
      // starts fast enough), and its 1 s keyframe schedule stays the
      // floor: no request waits longer than it did before (≤ 1.05 s).
      const bound = Math.min(
        1050,
        keyframeBoundMs(
          await videoLegStartupMs(tmp.path("av.mp4"), {
            width: 320,
            height: 240,
          }, 3000),
        ),
      );
      const worst = Math.max(...waits);
      assert.ok(
        worst <= 1050,
        `keyframe ${worst.toFixed(0)} ms after the PLI (schedule floor 1050)`,
      );
      console.log(
        `restart bound ${bound.toFixed(0)} ms; within it: ${
          waits.filter((w) => w <= bound).length
        }/${waits.length}`,
      );
    } finally {
      await client.close();
      await peer?.close();
      tmp.cleanup();
    }
  },
  { timeout: 60_000 },
);

test(
  "client e2e: switching sources fires no end for the replaced one; verbose logs go to the logger only",
  async () => {
    const tmp = tempDir();
    const debug: string[] = [];
    const client = await Client.create({
      ...options,
      verboseConnectionLogs: true,
      ffmpegStderrLog: true,
      logger: {
        debug: (...a: unknown[]) => void debug.push(a.map(String).join(" ")),
      },
    });
    let peer: LibdatachannelPeer | undefined;
    try {
      await makeToneWav(tmp.path("long.wav"), 10, 440);
      await makeToneWav(tmp.path("short.wav"), 0.5, 880);
      const ends: string[] = [];
      client.onStreamEnd((_, type) => void ends.push(type));
      peer = await LibdatachannelPeer.answer(
        await client.createCall(8, { video: false }),
      );
      await client.connect(8, peer.answerJson);
      await client.setStreamSources(8, fromFile(tmp.path("long.wav")));
      await sleep(300);
      await client.setStreamSources(8, fromFile(tmp.path("short.wav")));
      const deadline = Date.now() + 5000;
      while (ends.length === 0 && Date.now() < deadline) await sleep(20);
      await sleep(300);
      await client.idle();
      assert.deepEqual(ends, ["audio"], "only the short source's end");
      assert.ok(
        client.time(8) < 1000,
        `time ${client.time(8)} restarted with the new source`,
      );
      assert.ok(
        debug.some((l) => /remote candidate host udp 127\.0\.0\.1:\d+/.test(l)),
        "per-candidate log",
      );
      assert.ok(debug.some((l) => /transport connected/.test(l)), "state log");
      assert.ok(
        debug.some((l) => /^ffmpeg\[8\/audio\] /.test(l)),
        "ffmpeg stderr tee",
      );
    } finally {
      await client.close();
      await peer?.close();
      tmp.cleanup();
    }
  },
  { timeout: 60_000 },
);
