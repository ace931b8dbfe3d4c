/**
 * Client rules that need no media peer: the join JSON, registry rules
 * (dedupe, reaping, reuse after stop, not-found, closed), typed errors for
 * every answer shape and for fuzzed answers, connection timeout, and the
 * waits of setStreamSources.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  Client,
  ClosedError,
  ConnectionExistsError,
  ConnectionNotFoundError,
  FFmpegSpawnError,
  fromFile,
  InvalidParamsError,
  type NetworkInfo,
  NotConnectedError,
  RtmpModeError,
  StreamModeError,
  TgCallError,
  WrongModeError,
} from "../../mod.ts";
import { test } from "../_support/harness.ts";

const options = {
  networkTypes: ["udp4" as const],
  bindAddress: { udp4: "127.0.0.1" },
};

/** An answer whose only candidate never answers (UDP discard port on loopback). */
function deadAnswer(port = 9): string {
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
        port: String(port),
        ip: "127.0.0.1",
        foundation: "1",
        id: "1",
        priority: "2130706431",
        type: "host",
        network: "1",
      }],
    },
    audio: {
      "payload-types": [{
        id: 111,
        name: "opus",
        clockrate: 48000,
        channels: 2,
        parameters: { minptime: "10", useinbandfec: "1" },
      }],
      "rtp-hdrexts": [{
        id: 1,
        uri: "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
      }],
    },
  });
}

test("client: create fails fast with FFmpegSpawnError when ffmpeg is missing", async () => {
  await assert.rejects(
    Client.create({ ffmpegPath: "/nonexistent/tgcall-ffmpeg" }),
    (e: unknown) => e instanceof FFmpegSpawnError && /ffmpeg/.test(e.message),
  );
  await assert.rejects(Client.create({ networkTypes: [] }), InvalidParamsError);
  await assert.rejects(
    Client.create({ connectTimeoutMs: 0 }),
    InvalidParamsError,
  );
});

test("client: createCall JSON has credentials, a sha-256 active fingerprint, signed SSRCs and one FID group", async () => {
  await using client = await Client.create(options);
  const join = JSON.parse(await client.createCall(1));
  assert.match(join.ufrag, /^[A-Za-z0-9+/]{4,}$/);
  assert.ok(join.pwd.length >= 22);
  assert.equal(join.fingerprints.length, 1);
  assert.equal(join.fingerprints[0].hash, "sha-256");
  assert.equal(join.fingerprints[0].setup, "active");
  assert.match(
    join.fingerprints[0].fingerprint,
    /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/,
  );
  for (const ssrc of [join.ssrc, ...join["ssrc-groups"][0].sources]) {
    assert.ok(
      Number.isInteger(ssrc) && ssrc !== 0 && ssrc >= -(2 ** 31) &&
        ssrc < 2 ** 31,
      String(ssrc),
    );
  }
  assert.deepEqual(Object.keys(join["ssrc-groups"][0]), [
    "semantics",
    "sources",
  ]);
  assert.equal(join["ssrc-groups"].length, 1);
  assert.equal(join["ssrc-groups"][0].semantics, "FID");
  assert.equal(client.audioSsrc(1), join.ssrc);
  // Audio-only: no ssrc-groups at all.
  const audioOnly = JSON.parse(await client.createCall(2n, { video: false }));
  assert.equal(audioOnly["ssrc-groups"], undefined);
  // Every call gets its own credentials and certificate.
  assert.notEqual(audioOnly.ufrag, join.ufrag);
  assert.notEqual(
    audioOnly.fingerprints[0].fingerprint,
    join.fingerprints[0].fingerprint,
  );
  // number and bigint name the same chat.
  await assert.rejects(client.createCall(2), ConnectionExistsError);
  await assert.rejects(client.createCall(1.5), InvalidParamsError);
});

test("client: concurrent createCall for one chat — the first wins, the rest get ConnectionExistsError", async () => {
  await using client = await Client.create(options);
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, () => client.createCall(-1001)),
  );
  const ok = results.filter((r) => r.status === "fulfilled");
  const refused = results.filter((r) => r.status === "rejected");
  assert.equal(ok.length, 1);
  assert.equal(refused.length, 19);
  for (const r of refused) {
    assert.ok(
      (r as PromiseRejectedResult).reason instanceof ConnectionExistsError,
    );
  }
  assert.equal(results[0].status, "fulfilled", "the first call wins");
  // startRtmp is deduplicated against WebRTC calls and itself too.
  await assert.rejects(
    client.startRtmp(-1001, "rtmp://127.0.0.1/live/k"),
    ConnectionExistsError,
  );
  const rtmp = await Promise.allSettled([
    client.startRtmp(-2, "rtmps://x/s/k"),
    client.startRtmp(-2, "rtmps://x/s/k"),
  ]);
  assert.deepEqual(rtmp.map((r) => r.status), ["fulfilled", "rejected"]);
  assert.equal(client.calls().size, 2);
});

test("client: unknown chats, stopped chats and a closed client give typed errors", async () => {
  const client = await Client.create(options);
  await assert.rejects(
    client.connect(5, deadAnswer()),
    ConnectionNotFoundError,
  );
  await assert.rejects(client.pause(5), ConnectionNotFoundError);
  assert.throws(() => client.time(5), ConnectionNotFoundError);
  await client.createCall(5);
  await client.stop(5);
  await assert.rejects(client.stop(5), ConnectionNotFoundError);
  assert.throws(() => client.mediaState(5), ConnectionNotFoundError);
  // The chat id is free again.
  await client.createCall(5);
  await client.close();
  await client.close(); // idempotent
  for (
    const attempt of [
      () => client.createCall(6),
      () => client.connect(5, deadAnswer()),
      () => client.setStreamSources(5, fromFile("x.mp3")),
      () => client.pause(5),
      () => client.resume(5),
      () => client.mute(5),
      () => client.unmute(5),
      () => client.seekBy(5, 1000),
      () => client.stop(5),
      () => client.startRtmp(7, "rtmp://x/l/k"),
    ]
  ) {
    await assert.rejects(attempt(), ClosedError);
  }
  assert.throws(() => client.time(5), ClosedError);
  assert.throws(() => client.calls(), ClosedError);
  assert.throws(() => client.audioSsrc(5), ClosedError);
});

test("client: each answer shape gives its typed error; RTMP calls refuse WebRTC methods", async () => {
  await using client = await Client.create(options);
  await client.createCall(1);
  await assert.rejects(client.connect(1, '{"stream":true}'), StreamModeError);
  await assert.rejects(
    client.connect(1, '{"stream":true,"rtmp":true}'),
    (e) => e instanceof StreamModeError || e instanceof RtmpModeError,
  );
  await assert.rejects(
    client.connect(1, '{"rtmp":{"url":"rtmps://x","key":"k"}}'),
    RtmpModeError,
  );
  for (
    const bad of [
      "",
      "null",
      "[]",
      "{",
      '{"transport":null}',
      '{"transport":{}}',
      '{"transport":{"ufrag":"a","pwd":"b","fingerprints":[],"candidates":[]}}',
      "\u0000",
    ]
  ) {
    await assert.rejects(client.connect(1, bad), InvalidParamsError, bad);
  }
  await client.startRtmp(2, "rtmp://127.0.0.1/live/key");
  await assert.rejects(client.connect(2, deadAnswer()), WrongModeError);
  assert.throws(() => client.audioSsrc(2), WrongModeError);
  assert.throws(() => client.stats(2), WrongModeError);
  await assert.rejects(
    client.startRtmp(3, "http://x/live"),
    InvalidParamsError,
  );
});

test("client: fuzzed answer JSON only ever gives TgCallError subclasses", async () => {
  await using client = await Client.create(options);
  await client.createCall(1, { video: false });
  const valid = JSON.parse(deadAnswer());
  const mutated = fc.tuple(
    fc.constantFrom("transport", "audio", "video", "stream", "rtmp"),
    fc.oneof(fc.jsonValue(), fc.constant(undefined)),
    fc.constantFrom(
      "ufrag",
      "pwd",
      "fingerprints",
      "candidates",
      "payload-types",
      "rtp-hdrexts",
      "x",
    ),
  ).map(([section, value, field]) => {
    const copy = structuredClone(valid);
    if (copy[section] && typeof copy[section] === "object") {
      copy[section][field] = value;
    } else copy[section] = value;
    return JSON.stringify(copy);
  });
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.json(), fc.string(), mutated),
      async (text) => {
        try {
          await client.connect(1, text);
        } catch (error) {
          assert.ok(
            error instanceof TgCallError,
            `${String(error)} for ${text}`,
          );
        }
      },
    ),
    { numRuns: 300 },
  );
});

test("client: no connection within connectTimeoutMs → timeout, NotConnectedError, and the call is reaped", async () => {
  await using client = await Client.create({
    ...options,
    connectTimeoutMs: 400,
  });
  const states: NetworkInfo["state"][] = [];
  client.onConnectionChange((_, info) => void states.push(info.state));
  await client.createCall(9);
  await client.connect(9, deadAnswer());
  const started = Date.now();
  await assert.rejects(
    client.setStreamSources(9, fromFile("x.mp3")),
    (error: Error) => {
      assert.ok(error instanceof NotConnectedError, String(error));
      // The error says where it stopped: no check was ever answered.
      assert.match(
        error.message,
        /not connected within 400 ms \(ICE checking 1 candidate: [1-9]\d* checks sent, 0 answered/,
      );
      return true;
    },
  );
  const waited = Date.now() - started;
  assert.ok(waited >= 300 && waited < 1500, `waited ${waited} ms`);
  await client.idle();
  assert.deepEqual(states, ["connecting", "timeout"]);
  // Reaped: a retry on the same chat just works.
  await client.createCall(9);
  assert.equal(client.calls().get(9)?.state, "new");
});

test("client: setStreamSources waits for Connected and then gives up with NotConnectedError", async () => {
  await using client = await Client.create({
    ...options,
    connectTimeoutMs: 300,
  });
  await client.createCall(3);
  // Never connected at all.
  await assert.rejects(
    client.setStreamSources(3, fromFile("x.mp3")),
    NotConnectedError,
  );
  await assert.rejects(
    client.setStreamSources(3, {} as never),
    InvalidParamsError,
  );
});

test("client: mute/unmute/pause/resume report changes once; no-ops return false and stay silent", async () => {
  await using client = await Client.create(options);
  const upgrades: unknown[] = [];
  client.onUpgrade((_, state) => void upgrades.push(state));
  await client.createCall(4);
  assert.equal(await client.mute(4), true);
  assert.equal(await client.mute(4), false);
  assert.equal(await client.pause(4), true);
  assert.equal(await client.pause(4), false);
  assert.deepEqual(client.mediaState(4), {
    muted: true,
    paused: true,
    videoStopped: true,
    presentationPaused: false,
  });
  assert.equal(await client.unmute(4), true);
  assert.equal(await client.unmute(4), false);
  assert.equal(await client.resume(4), true);
  assert.equal(await client.resume(4), false);
  await client.idle();
  assert.deepEqual(upgrades, [
    {
      muted: true,
      paused: true,
      videoStopped: true,
      presentationPaused: false,
    },
    {
      muted: true,
      paused: true,
      videoStopped: true,
      presentationPaused: false,
    },
    {
      muted: false,
      paused: true,
      videoStopped: true,
      presentationPaused: false,
    },
    {
      muted: false,
      paused: false,
      videoStopped: true,
      presentationPaused: false,
    },
  ]);
  await client.stop(4);
  await client.idle();
  assert.equal(upgrades.length, 4, "stop fires no onUpgrade");
});

test("client: a throwing callback is logged and later events still arrive; unsubscribe works", async () => {
  const errors: unknown[][] = [];
  await using client = await Client.create({
    ...options,
    logger: { error: (...a: unknown[]) => void errors.push(a) },
  });
  const seen: string[] = [];
  client.onUpgrade(() => {
    throw new Error("boom");
  });
  const off = client.onUpgrade((_, s) =>
    void seen.push(s.muted ? "muted" : "unmuted")
  );
  await client.createCall(1);
  await client.mute(1);
  await client.unmute(1);
  await client.idle();
  off();
  await client.mute(1);
  await client.idle();
  assert.deepEqual(seen, ["muted", "unmuted"]);
  assert.equal(errors.length, 3);
  assert.match(String(errors[0][0]), /onUpgrade/);
});

test("client: silent by default — nothing is written to the console", async () => {
  const original = { ...console };
  const written: unknown[] = [];
  for (const k of ["log", "debug", "info", "warn", "error"] as const) {
    console[k] = (...a: unknown[]) => void written.push(a);
  }
  try {
    const client = await Client.create({
      ...options,
      connectTimeoutMs: 200,
      dispatchBuffer: 1,
    });
    client.onUpgrade(() => {
      throw new Error("ignored");
    });
    await client.createCall(1);
    await client.mute(1);
    await client.unmute(1);
    await client.mute(1);
    await client.connect(1, deadAnswer());
    await new Promise((r) => setTimeout(r, 300));
    await client.close();
  } finally {
    Object.assign(console, original);
  }
  assert.deepEqual(written, []);
});

test("client: a slow consumer makes the full event queue drop its oldest event, with a warning", async () => {
  const warnings: string[] = [];
  await using client = await Client.create({
    ...options,
    dispatchBuffer: 2,
    logger: { warn: (m: unknown) => void warnings.push(String(m)) },
  });
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const seen: boolean[] = [];
  client.onUpgrade(async (_, s) => {
    seen.push(s.muted);
    if (seen.length === 1) await gate; // the first callback blocks the queue
  });
  await client.createCall(1);
  await client.mute(1); // delivered, blocks
  await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < 4; i++) {
    await client.unmute(1);
    await client.mute(1);
  }
  release();
  await client.idle();
  // 1 delivered + 8 queued into room for 2: the 6 oldest were dropped.
  assert.equal(seen.length, 3);
  assert.deepEqual(seen.slice(1), [false, true], "the newest two survive");
  assert.equal(warnings.length, 6);
  assert.match(warnings[0], /dropped the oldest event/);
});
