/**
 * Screen sharing end to end: a chat's call (camera + microphone) and its
 * presentation are two connections, each answered here by its own
 * libdatachannel peer — the presentation's answer without an `audio`
 * section, as Telegram sends it. Both streams must arrive at once and
 * decode (VP8 through ffmpeg), the screen must carry video only, its end
 * and its pause/resume must be reported exactly once, stopping it must
 * leave the call streaming, and stop(chatId) must end both and leave
 * nothing behind.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import {
  Client,
  fromFile,
  fromShell,
  type MediaState,
  SCREENCAST,
  type StreamType,
  Track,
} from "../../mod.ts";
import { openResources } from "../../src/runtime/resources.ts";
import { sourceRecipe } from "../../src/source/sources.ts";
import {
  LibdatachannelPeer,
  type ReceivedRtp,
} from "../../src/testing/libdatachannel_peer.ts";
import { depacketizeVp8, writeIvf } from "../../src/testing/rtp_files.ts";
import { test } from "../_support/harness.ts";
import {
  countDecodedFrames,
  makeAvFile,
  makeToneWav,
  run,
  tempDir,
} from "../_support/media.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const options = {
  networkTypes: ["udp4" as const],
  bindAddress: { udp4: "127.0.0.1" },
};

/** A presentation answer has no `audio` section (TWEB, §2.3 of the wire notes). */
function presentationAnswer(peer: LibdatachannelPeer): string {
  const answer = JSON.parse(peer.answerJson);
  delete answer.audio;
  return JSON.stringify(answer);
}

const count = (peer: LibdatachannelPeer, kind: StreamType) =>
  peer.received.filter((r) => r.kind === kind).length;

/** Decodes the VP8 a peer received; returns [frames received, frames decoded]. */
async function decodeVideo(
  received: ReceivedRtp[],
  path: string,
): Promise<[number, number]> {
  const { frames, incomplete } = depacketizeVp8(
    received.filter((r) => r.kind === "video").map((r) => r.packet),
  );
  assert.equal(incomplete, 0, "no frame lost a packet");
  writeFileSync(path, writeIvf(frames, 320, 240));
  return [frames.length, await countDecodedFrames(path)];
}

test(
  "presentation e2e: a camera+audio call and a screen share of one chat stream at once and decode; the share is video only; stopping it leaves the call streaming",
  async () => {
    const tmp = tempDir();
    const client = await Client.create(options);
    const peers: LibdatachannelPeer[] = [];
    const chat = -1001234567890n;
    try {
      await makeAvFile(tmp.path("camera.mp4"), 20, { size: "320x240" });
      await makeAvFile(tmp.path("screen.mp4"), 2, {
        size: "320x240",
        frequency: 880,
      });
      const screenFile = fromFile(tmp.path("screen.mp4"), {
        ...SCREENCAST,
        videoWidth: 320,
        videoHeight: 240,
        videoFps: 15,
      });
      const ends: string[] = [];
      const changes: string[] = [];
      const upgrades: MediaState[] = [];
      client.onStreamEnd((_, type, device, error) =>
        void ends.push(`${type}:${device}:${error ? "error" : "ok"}`)
      );
      client.onConnectionChange((_, { kind, state }) =>
        void changes.push(`${kind}:${state}`)
      );
      client.onUpgrade((_, state) => void upgrades.push(state));

      const camera = await LibdatachannelPeer.answer(
        await client.createCall(chat),
      );
      peers.push(camera);
      await client.connect(chat, camera.answerJson);
      const screen = await LibdatachannelPeer.answer(
        await client.createPresentation(chat),
      );
      peers.push(screen);
      await client.connectPresentation(chat, presentationAnswer(screen));
      await Promise.all([
        client.setStreamSources(
          chat,
          fromFile(tmp.path("camera.mp4"), {
            tracks: Track.Video,
            videoWidth: 320,
            videoHeight: 240,
          }),
        ),
        // An A/V file: only its video leg is shared.
        client.setPresentationSource(chat, screenFile),
      ]);
      const deadline = Date.now() + 10_000;
      while (ends.length === 0 && Date.now() < deadline) await sleep(50);
      await sleep(300);
      await client.idle();
      assert.deepEqual(ends, ["video:screen:ok"], "the screen ended once");
      assert.equal(count(screen, "audio"), 0, "no sound on the share");
      assert.ok(count(camera, "audio") > 50 && count(camera, "video") > 30);

      const [screenFrames, screenDecoded] = await decodeVideo(
        screen.received,
        tmp.path("screen.ivf"),
      );
      // As many frames as ffmpeg makes of the file on its own.
      const leg = sourceRecipe(screenFile).legs(0).find((l) =>
        l.kind === "video"
      )!;
      await run("ffmpeg", [
        "-y",
        ...leg.args.slice(0, -1),
        tmp.path("ref.ivf"),
      ]);
      const expected = await countDecodedFrames(tmp.path("ref.ivf"));
      assert.ok(expected >= 30, `${expected} frames in 2 s at 15 fps`);
      assert.equal(screenFrames, expected, "every screen frame arrived");
      assert.equal(screenDecoded, screenFrames, "every screen frame decodes");

      await client.stopPresentation(chat);
      await screen.waitForState("closed", 3000);
      const audio = count(camera, "audio"), video = count(camera, "video");
      await sleep(500);
      assert.ok(count(camera, "audio") >= audio + 15, "audio keeps arriving");
      assert.ok(count(camera, "video") >= video + 5, "so does the camera");
      const [cameraFrames, cameraDecoded] = await decodeVideo(
        camera.received,
        tmp.path("camera.ivf"),
      );
      assert.ok(cameraFrames > 60, `${cameraFrames} camera frames`);
      assert.equal(cameraDecoded, cameraFrames, "every camera frame decodes");

      await client.stop(chat);
      await camera.waitForState("closed", 3000);
      await client.idle();
      assert.deepEqual(
        changes.filter((c) => c.startsWith("presentation:")),
        [
          "presentation:connecting",
          "presentation:connected",
          "presentation:closed",
        ],
      );
      assert.deepEqual(
        changes.filter((c) => c.startsWith("normal:")),
        ["normal:connecting", "normal:connected", "normal:closed"],
      );
      assert.deepEqual(ends, ["video:screen:ok"], "stops add no end event");
      assert.deepEqual(upgrades, [], "nothing changed the media state");
    } finally {
      await client.close();
      for (const peer of peers) await peer.close();
      tmp.cleanup();
    }
    assert.equal(openResources().subprocesses, 0);
  },
  { timeout: 60_000 },
);

test(
  "presentation e2e: a paused share sends nothing until resumed (presentationPaused once per change); stop(chatId) ends both and leaves nothing",
  async () => {
    const tmp = tempDir();
    const base = openResources();
    const client = await Client.create(options);
    const peers: LibdatachannelPeer[] = [];
    const chat = 77;
    try {
      await makeToneWav(tmp.path("tone.wav"), 20, 440);
      const changes: string[] = [];
      const upgrades: MediaState[] = [];
      client.onConnectionChange((_, { kind, state }) =>
        void changes.push(`${kind}:${state}`)
      );
      client.onUpgrade((_, state) => void upgrades.push(state));

      const call = await LibdatachannelPeer.answer(
        await client.createCall(chat, { video: false }),
      );
      peers.push(call);
      await client.connect(chat, call.answerJson);
      const screen = await LibdatachannelPeer.answer(
        await client.createPresentation(chat),
      );
      peers.push(screen);
      await client.connectPresentation(chat, presentationAnswer(screen));
      await client.setStreamSources(chat, fromFile(tmp.path("tone.wav")));
      await client.setPresentationSource(
        chat,
        fromShell(
          'ffmpeg -re -f lavfi -i "testsrc2=size=320x240:rate=15:duration=30"',
          Track.Video,
        ),
      );
      await screen.waitForPackets("video", 10, 5000);
      assert.equal(openResources().subprocesses, base.subprocesses + 2);

      assert.equal(await client.pausePresentation(chat), true);
      assert.equal(await client.pausePresentation(chat), false);
      assert.equal(client.mediaState(chat).presentationPaused, true);
      assert.equal(
        openResources().subprocesses,
        base.subprocesses + 1,
        "the screen's ffmpeg stops while paused",
      );
      await sleep(200);
      const pausedAt = count(screen, "video");
      const audioAt = count(call, "audio");
      await sleep(500);
      assert.equal(count(screen, "video"), pausedAt, "no video while paused");
      assert.ok(count(call, "audio") >= audioAt + 15, "the call goes on");

      assert.equal(await client.resumePresentation(chat), true);
      assert.equal(await client.resumePresentation(chat), false);
      await screen.waitForPackets("video", pausedAt + 10, 5000);
      await client.idle();
      const state = { muted: false, paused: false, videoStopped: true };
      assert.deepEqual(upgrades, [
        { ...state, presentationPaused: true },
        { ...state, presentationPaused: false },
      ]);

      await client.stop(chat);
      await Promise.all(peers.map((p) => p.waitForState("closed", 3000)));
      await client.idle();
      assert.deepEqual(changes.slice(-2), [
        "presentation:closed",
        "normal:closed",
      ]);
      assert.equal(client.calls().size, 0);
      const now = openResources();
      assert.equal(now.subprocesses, base.subprocesses, "both ffmpegs gone");
      assert.equal(now.udpSockets, base.udpSockets, "both sockets closed");
      assert.equal(upgrades.length, 2, "stop fires no onUpgrade");
    } finally {
      await client.close();
      for (const peer of peers) await peer.close();
      tmp.cleanup();
    }
  },
  { timeout: 60_000 },
);
