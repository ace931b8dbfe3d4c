/**
 * GroupCallSession against a scripted client and adapter on fake time:
 * staying in the call — liveness checks, rejoin triggers, backoff bounds,
 * replayed playback, mirrored media state, and the stops.
 */
import { strict as assert } from "node:assert";
import { test } from "../_support/harness.ts";
import {
  CallDiscardedError,
  JoinedElsewhereError,
  TelegramRpcError,
} from "../../src/session/errors.ts";
import type { SessionState } from "../../src/session/session_state.ts";
import {
  fakeSource,
  ScriptedAdapter,
  scriptedWorld,
} from "./scripted_peers.ts";
import { assertReleased, CHAT, join, record } from "./scripted_session.ts";

test("session: disconnected → checkGroupCall every 4 s; recovery cancels it", async () => {
  const world = scriptedWorld();
  const session = await join(world);
  const states = record(session);
  world.client.transport(CHAT, "disconnected");
  await world.run(12_100);
  assert.equal(session.state, "reconnecting");
  assert.equal(world.adapter.count("checkGroupCall"), 3);
  const check = world.adapter.requests.find((r) =>
    r.method === "checkGroupCall"
  )!.args as { sources: number[] };
  assert.deepEqual(check.sources, [session.source]);
  world.client.transport(CHAT, "connected");
  await world.run(10_000);
  assert.equal(world.adapter.count("checkGroupCall"), 3);
  assert.deepEqual(states, [
    "reconnecting:transport_disconnected",
    "connected:transport_recovered",
  ]);
  await session.leave();
  assertReleased(world);
});

test("session: source missing → rejoin with a new payload, playback resumes where it was", async () => {
  const world = scriptedWorld();
  const session = await join(world);
  const states = record(session);
  await session.play(fakeSource(), { offsetMs: 1000 });
  await world.run(5000);
  assert.ok(Math.abs(session.time() - 6000) <= 100, `${session.time()}`);
  world.client.transport(CHAT, "disconnected");
  await world.run(50);
  const frozen = session.time();
  assert.ok(Math.abs(frozen - 6000) <= 150, `${frozen}`);
  const oldSource = session.source;
  world.adapter.joined.clear(); // the SFU restarted: our source is gone
  await world.run(4000);
  assert.equal(session.state, "rejoining");
  assert.equal(session.time(), frozen);
  await world.run(3000);
  assert.equal(session.state, "connected");
  assert.notEqual(session.source, oldSource);
  assert.equal(world.client.payloads.length, 2);
  assert.equal(world.client.plays.at(-1)!.offsetMs, frozen);
  assert.ok(session.time() - frozen < 3000);
  assert.deepEqual(states, [
    "reconnecting:transport_disconnected",
    "rejoining:source_missing",
    "connected:joined",
  ]);
  await session.leave();
  assertReleased(world);
});

test("session: kicked (self left with our source) and failed transport rejoin", async () => {
  const world = scriptedWorld();
  const session = await join(world);
  const states = record(session);
  world.adapter.emit({
    type: "participant",
    callId: 1n,
    self: true,
    source: session.source!,
    left: true,
    canSelfUnmute: true,
    muted: false,
  });
  await world.run(2000);
  assert.equal(session.state, "connected");
  world.client.transport(CHAT, "failed");
  await world.run(4000);
  assert.equal(session.state, "connected");
  assert.deepEqual(states, [
    "rejoining:kicked",
    "connected:joined",
    "rejoining:transport_failed",
    "connected:joined",
  ]);
  assert.equal(world.adapter.count("joinGroupCall"), 3);
  await session.leave();
  assertReleased(world);
});

test("session: permanent failure → at most 5 rejoins a minute, and leave ends it", async () => {
  for (const failure of ["rpc", "transport"] as const) {
    const world = scriptedWorld();
    const session = await join(world, { random: () => 0 });
    const joinsBefore = world.adapter.count("joinGroupCall");
    if (failure === "rpc") world.adapter.permanent = ScriptedAdapter.network();
    else world.client.connectScript = ["connect", "timeout"];
    world.client.transport(CHAT, "failed");
    await world.run(60_000, 250);
    const rejoins = world.adapter.count("joinGroupCall") - joinsBefore;
    assert.ok(rejoins >= 2 && rejoins <= 5, `${failure}: ${rejoins} rejoins`);
    assert.equal(session.state, "rejoining");
    await session.leave();
    assert.equal(session.state, "stopped");
    assertReleased(world);
  }
});

test("session: a connection that held resets the backoff; flapping does not", async () => {
  const world = scriptedWorld();
  const session = await join(world, { random: () => 0 });
  const rejoinAfter = async () => {
    const before = world.adapter.count("joinGroupCall");
    world.client.transport(CHAT, "failed");
    let waited = 0;
    while (world.adapter.count("joinGroupCall") === before) {
      await world.run(100);
      waited += 100;
    }
    await world.run(200);
    return waited;
  };
  await world.run(31_000);
  assert.ok((await rejoinAfter()) <= 1000);
  assert.ok((await rejoinAfter()) >= 2000, "flapping must back off");
  assert.ok((await rejoinAfter()) >= 4000);
  await world.run(31_000);
  assert.ok((await rejoinAfter()) <= 1000);
  await session.leave();
  assertReleased(world);
});

test("session: joined from another device → stopped with JoinedElsewhereError", async () => {
  const world = scriptedWorld();
  const session = await join(world);
  const states: SessionState[] = [];
  session.onStateChange((state) => states.push(state));
  world.adapter.emit({
    type: "participant",
    callId: 1n,
    self: true,
    source: (session.source! + 1) >>> 0,
    left: false,
    canSelfUnmute: true,
    muted: false,
  });
  await world.run(100);
  assert.equal(session.state, "stopped");
  assert.equal(session.stopReason?.kind, "joined_elsewhere");
  assert.ok(session.stopReason?.error instanceof JoinedElsewhereError);
  await session.leave();
  assert.equal(world.adapter.count("leaveGroupCall"), 0);
  assert.deepEqual(states, ["stopped"]);
  assertReleased(world);
});

test("session: discarded while rejoining → stopped once with CallDiscardedError", async () => {
  const world = scriptedWorld();
  const session = await join(world);
  const states: SessionState[] = [];
  session.onStateChange((state) => states.push(state));
  world.adapter.permanent = ScriptedAdapter.network();
  world.client.transport(CHAT, "failed");
  await world.run(1500);
  world.adapter.emit({ type: "discarded", callId: 2n }); // another call
  world.adapter.emit({ type: "discarded", callId: 1n });
  world.adapter.emit({ type: "discarded", callId: 1n });
  await world.run(100);
  assert.equal(session.stopReason?.kind, "discarded");
  assert.ok(session.stopReason?.error instanceof CallDiscardedError);
  assert.deepEqual(states, ["rejoining", "stopped"]);
  await world.run(60_000, 1000);
  assert.deepEqual(states, ["rejoining", "stopped"]);
  assertReleased(world);
});

test("session: a fatal rejoin error stops with it", async () => {
  const world = scriptedWorld();
  const session = await join(world);
  world.adapter.permanent = ScriptedAdapter.rpc("CHAT_ADMIN_REQUIRED");
  world.client.transport(CHAT, "failed");
  await world.run(3000);
  assert.equal(session.stopReason?.kind, "error");
  const error = session.stopReason?.error;
  assert.ok(error instanceof TelegramRpcError);
  assert.equal(error.telegramText, "CHAT_ADMIN_REQUIRED");
  assertReleased(world);
});

test("session: media state mirrored with editGroupCallParticipant, failures only logged", async () => {
  const world = scriptedWorld();
  const warnings: unknown[] = [];
  const session = await join(world, {
    logger: { warn: (...args: unknown[]) => warnings.push(args) },
  });
  const state = (muted: boolean, paused: boolean) => ({
    muted,
    paused: muted || paused,
    videoStopped: true,
    presentationPaused: muted || paused,
  });
  assert.equal(await session.mute(), true);
  world.client.upgrade(CHAT, state(true, false));
  await world.run(50);
  world.adapter.editError = ScriptedAdapter.rpc("PARTICIPANT_ID_INVALID");
  world.client.upgrade(CHAT, state(false, false));
  await world.run(50);
  const edits = world.adapter.requests.filter((r) =>
    r.method === "editGroupCallParticipant"
  ).map((r) => {
    const { call: _call, ...rest } = r.args as Record<string, unknown>;
    return rest;
  });
  assert.deepEqual(edits, [
    { muted: true, videoPaused: true },
    { muted: false, videoPaused: false },
  ]);
  assert.equal(warnings.length, 1);

  // Mute and pause survive a rejoin.
  await session.pause();
  world.client.transport(CHAT, "failed");
  await world.run(3000);
  assert.equal(session.state, "connected");
  assert.equal(await session.mute(), false);
  assert.equal(await session.pause(), false);
  await session.leave();
  assertReleased(world);
});

test("session: play/seek/time while rejoining are remembered", async () => {
  const world = scriptedWorld();
  const session = await join(world);
  world.adapter.permanent = ScriptedAdapter.network();
  world.client.transport(CHAT, "failed");
  await world.run(100);
  await assert.rejects(session.seekBy(1000), /Nothing is playing/);
  await session.play(fakeSource(), { offsetMs: 500 });
  await session.seekBy(1500);
  await assert.rejects(
    session.play(fakeSource(), { offsetMs: -1 }),
    /offsetMs/,
  );
  assert.equal(session.time(), 2000);
  await session.play(fakeSource(false));
  await assert.rejects(session.seekBy(1000), /cannot seek/);
  world.adapter.permanent = undefined;
  await world.run(5000);
  assert.equal(session.state, "connected");
  assert.deepEqual(world.client.plays.map((p) => p.offsetMs), [0]);
  world.client.streamEnd(CHAT);
  await world.run(50);
  world.client.transport(CHAT, "failed");
  await world.run(8000);
  assert.equal(world.client.plays.length, 1, "an ended source is not replayed");
  await session.leave();
  assertReleased(world);
});
