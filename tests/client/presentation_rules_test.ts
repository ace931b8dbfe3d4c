/**
 * Presentation (screen sharing) rules that need no media peer: its join
 * JSON (own credentials and SSRCs, one video FID group), the registry-like
 * rules (needs a group call, one at a time, a timed-out one is replaced,
 * reuse after stop), typed refusals, pause/resume reported once per change
 * in `presentationPaused`, and stop(chatId) ending both connections.
 */
import assert from "node:assert/strict";
import {
  Client,
  ConnectionExistsError,
  ConnectionNotFoundError,
  fromFile,
  fromShell,
  InvalidParamsError,
  type MediaState,
  type NetworkInfo,
  StreamModeError,
  Track,
  WrongModeError,
} from "../../mod.ts";
import { test } from "../_support/harness.ts";

const options = {
  networkTypes: ["udp4" as const],
  bindAddress: { udp4: "127.0.0.1" },
};

/** A presentation answer (no `audio` section) whose candidate never answers. */
function deadPresentationAnswer(): string {
  return JSON.stringify({
    transport: {
      ufrag: "abcd",
      pwd: "0123456789012345678901",
      fingerprints: [{
        hash: "sha-256",
        setup: "passive",
        fingerprint: Array(32).fill("AB").join(":"),
      }],
      candidates: [{
        generation: "0",
        component: "1",
        protocol: "udp",
        port: "9",
        ip: "127.0.0.1",
        foundation: "1",
        id: "1",
        priority: "2130706431",
        type: "host",
        network: "1",
      }],
    },
    video: {
      endpoint: "screen",
      "payload-types": [{ id: 100, name: "VP8", clockrate: 90000 }],
      "rtp-hdrexts": [],
    },
  });
}

test("presentation: its join JSON has its own credentials and SSRCs and one video FID group", async () => {
  await using client = await Client.create(options);
  const call = JSON.parse(await client.createCall(1));
  const screen = JSON.parse(await client.createPresentation(1));
  assert.notEqual(screen.ufrag, call.ufrag);
  assert.notEqual(screen.pwd, call.pwd);
  assert.notEqual(
    screen.fingerprints[0].fingerprint,
    call.fingerprints[0].fingerprint,
    "a certificate of its own",
  );
  assert.equal(screen.fingerprints[0].setup, "active");
  // tgcalls/ntgcalls write an `ssrc` in a presentation join too.
  assert.ok(Number.isInteger(screen.ssrc) && screen.ssrc !== 0);
  assert.deepEqual(
    screen["ssrc-groups"].map((g: { semantics: string }) => g.semantics),
    ["FID"],
  );
  const screenSsrcs = [screen.ssrc, ...screen["ssrc-groups"][0].sources];
  const callSsrcs = [call.ssrc, ...call["ssrc-groups"][0].sources];
  assert.equal(new Set([...screenSsrcs, ...callSsrcs]).size, 6);
  assert.equal(client.audioSsrc(1), call.ssrc, "the call is untouched");
});

test("presentation: refusals are typed — no call, RTMP call, a live one, no presentation, a source without video", async () => {
  await using client = await Client.create(options);
  await assert.rejects(client.createPresentation(1), ConnectionNotFoundError);
  await client.startRtmp(2, "rtmp://127.0.0.1:1/live/key");
  await assert.rejects(client.createPresentation(2), WrongModeError);
  await client.createCall(3, { video: false });
  for (
    const op of [
      () => client.connectPresentation(3, deadPresentationAnswer()),
      () =>
        client.setPresentationSource(
          3,
          fromShell("ffmpeg -f lavfi -i testsrc2", Track.Video),
        ),
      () => client.pausePresentation(3),
      () => client.resumePresentation(3),
      () => client.stopPresentation(3),
    ]
  ) await assert.rejects(op(), ConnectionNotFoundError);
  // An audio-only main call may still share a screen.
  await client.createPresentation(3);
  await assert.rejects(client.createPresentation(3), ConnectionExistsError);
  await assert.rejects(
    client.setPresentationSource(3, fromFile("talk.mp3")),
    InvalidParamsError,
  );
  await assert.rejects(
    client.setPresentationSource(3, {} as never),
    InvalidParamsError,
  );
  await assert.rejects(
    client.connectPresentation(3, '{"stream": true}'),
    StreamModeError,
  );
  await assert.rejects(
    client.connectPresentation(3, "not json"),
    InvalidParamsError,
  );
  // Stopped, it can be opened again; the call never noticed.
  await client.stopPresentation(3);
  await assert.rejects(client.stopPresentation(3), ConnectionNotFoundError);
  await client.createPresentation(3);
  assert.equal(client.calls().get(3)?.state, "new");
});

test("presentation: pause/resume report presentationPaused once per change; the call's own state is separate", async () => {
  await using client = await Client.create(options);
  const upgrades: MediaState[] = [];
  client.onUpgrade((_, state) => void upgrades.push(state));
  await client.createCall(4);
  await client.createPresentation(4);
  assert.equal(await client.pausePresentation(4), true);
  assert.equal(await client.pausePresentation(4), false);
  assert.deepEqual(client.mediaState(4), {
    muted: false,
    paused: false,
    videoStopped: true,
    presentationPaused: true,
  });
  assert.equal(await client.pause(4), true);
  assert.equal(await client.resumePresentation(4), true);
  assert.equal(await client.resumePresentation(4), false);
  await client.idle();
  const base = { muted: false, videoStopped: true };
  assert.deepEqual(upgrades, [
    { ...base, paused: false, presentationPaused: true },
    { ...base, paused: true, presentationPaused: true },
    { ...base, paused: true, presentationPaused: false },
  ]);
  // A paused presentation that is stopped takes its pause with it, silently.
  assert.equal(await client.pausePresentation(4), true);
  await client.stopPresentation(4);
  assert.equal(client.mediaState(4).presentationPaused, false);
  await client.createPresentation(4);
  assert.equal(client.mediaState(4).presentationPaused, false, "a new one");
  await client.stop(4);
  await client.idle();
  assert.equal(upgrades.length, 4, "stops fire no onUpgrade");
});

test("presentation: a timed-out presentation leaves the call alone and is replaced by the next createPresentation", async () => {
  await using client = await Client.create({
    ...options,
    connectTimeoutMs: 300,
  });
  const changes: NetworkInfo[] = [];
  client.onConnectionChange((_, info) => void changes.push(info));
  await client.createCall(5);
  await client.createPresentation(5);
  await client.connectPresentation(5, deadPresentationAnswer());
  const deadline = Date.now() + 3000;
  while (!changes.some((c) => c.state === "timeout") && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await client.idle();
  assert.deepEqual(changes, [
    { state: "connecting", kind: "presentation" },
    { state: "timeout", kind: "presentation" },
  ]);
  assert.equal(client.calls().get(5)?.state, "new", "the call goes on");
  await assert.rejects(client.pausePresentation(5), ConnectionNotFoundError);
  await client.createPresentation(5);
  await client.stop(5);
  await client.idle();
  assert.deepEqual(changes.slice(2), [
    { state: "closed", kind: "presentation" },
    { state: "closed", kind: "normal" },
  ]);
  await assert.rejects(client.createPresentation(5), ConnectionNotFoundError);
});
