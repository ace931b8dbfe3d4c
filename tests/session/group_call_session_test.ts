/**
 * GroupCallSession against a scripted client and adapter on fake time:
 * the first join — retries, re-resolving, typed errors, stream mode.
 */
import { strict as assert } from "node:assert";
import { test } from "../_support/harness.ts";
import { NotConnectedError, RtmpModeError } from "../../src/errors.ts";
import {
  GroupCallNotFoundError,
  MtprotoError,
  TelegramRpcError,
} from "../../src/session/errors.ts";
import {
  fakeSource,
  ScriptedAdapter,
  scriptedWorld,
} from "./scripted_peers.ts";
import { assertReleased, join, joinsOf, record } from "./scripted_session.ts";

test("session: joins, leaves with our source, stops once", async () => {
  const world = scriptedWorld();
  const session = await join(world, {
    inviteHash: "abc",
    joinAs: { type: "channel", id: 5n, accessHash: 6n },
  });
  const states = record(session);
  assert.equal(session.state, "connected");
  const request = world.adapter.requests.find((r) =>
    r.method === "joinGroupCall"
  )!.args as Record<string, unknown>;
  assert.equal(request.muted, false);
  assert.equal(request.videoStopped, true);
  assert.equal(request.inviteHash, "abc");
  assert.deepEqual(request.joinAs, { type: "channel", id: 5n, accessHash: 6n });
  const source = session.source!;
  assert.equal(source, joinsOf(world.client)[0] >>> 0);

  await Promise.all([session.leave(), session.leave()]);
  await session.leave();
  const leaves = world.adapter.requests.filter((r) =>
    r.method === "leaveGroupCall"
  );
  assert.equal(leaves.length, 1);
  assert.deepEqual(leaves[0].args, { call: session.call, source });
  assert.deepEqual(states, ["stopped:left"]);
  assert.deepEqual(session.stopReason, { kind: "left" });
  assertReleased(world);
  await assert.rejects(session.play(fakeSource()), /stopped/);
});

test("session: GROUPCALL_SSRC_DUPLICATE_MUCH gets fresh payloads, then joins", async () => {
  const world = scriptedWorld();
  world.adapter.failures = [1, 2, 3].map(() =>
    ScriptedAdapter.rpc("GROUPCALL_SSRC_DUPLICATE_MUCH")
  );
  const session = await join(world);
  assert.equal(session.state, "connected");
  const ssrcs = joinsOf(world.client);
  assert.equal(ssrcs.length, 4);
  assert.equal(new Set(ssrcs).size, 4);
  assert.equal(new Set(world.client.payloads).size, 4);
  assert.equal(session.source, ssrcs[3] >>> 0);
  await session.leave();
  assertReleased(world);
});

test("session: five duplicate SSRCs in a row reject with Telegram's text", async () => {
  const world = scriptedWorld();
  world.adapter.permanent = ScriptedAdapter.rpc(
    "GROUPCALL_SSRC_DUPLICATE_MUCH",
  );
  await assert.rejects(join(world), (error: unknown) => {
    assert.ok(error instanceof TelegramRpcError);
    assert.equal(error.telegramText, "GROUPCALL_SSRC_DUPLICATE_MUCH");
    return true;
  });
  assert.equal(world.adapter.count("joinGroupCall"), 5);
  assertReleased(world);
});

test("session: GROUPCALL_FORBIDDEN re-resolves the call once", async () => {
  const world = scriptedWorld();
  world.adapter.failures = [ScriptedAdapter.rpc("GROUPCALL_FORBIDDEN", 403)];
  const joining = join(world);
  // The call was replaced meanwhile: re-resolving finds the new one.
  world.adapter.current = { id: 2n, accessHash: 22n };
  const session = await joining;
  assert.equal(session.call?.id, 2n);
  assert.equal(world.adapter.count("getGroupCall"), 2);
  await session.leave();

  const again = scriptedWorld();
  again.adapter.permanent = ScriptedAdapter.rpc("GROUPCALL_INVALID");
  await assert.rejects(join(again), (error: unknown) => {
    assert.ok(error instanceof TelegramRpcError);
    assert.equal(error.telegramText, "GROUPCALL_INVALID");
    return true;
  });
  assert.equal(again.adapter.count("getGroupCall"), 2);
  assert.equal(again.adapter.count("joinGroupCall"), 2);
  assertReleased(again);
});

test("session: no call, ended call, RTMP call, dead transport → typed errors", async () => {
  const none = scriptedWorld();
  none.adapter.current = null;
  await assert.rejects(join(none), GroupCallNotFoundError);
  assertReleased(none);

  const ended = scriptedWorld();
  ended.adapter.failures = [ScriptedAdapter.rpc("GROUPCALL_FORBIDDEN", 403)];
  const joining = join(ended);
  ended.adapter.current = null;
  await assert.rejects(joining, (error: unknown) => {
    assert.ok(error instanceof GroupCallNotFoundError);
    assert.ok(error.cause instanceof TelegramRpcError);
    return true;
  });
  assertReleased(ended);

  const rtmp = scriptedWorld();
  rtmp.adapter.mode = "rtmp";
  await assert.rejects(join(rtmp), RtmpModeError);
  assertReleased(rtmp);

  const dead = scriptedWorld();
  dead.client.connectScript = ["timeout"];
  await assert.rejects(join(dead), NotConnectedError);
  // Telegram accepted the payload: the participant is taken out again.
  assert.equal(dead.adapter.count("leaveGroupCall"), 1);
  assertReleased(dead);

  const network = scriptedWorld();
  network.adapter.permanent = new Error("socket hang up");
  await assert.rejects(join(network), (error: unknown) => {
    assert.ok(error instanceof MtprotoError);
    assert.match(error.message, /socket hang up/);
    return true;
  });
  assertReleased(network);
});

test("session: stream mode is listening; can_self_unmute rejoins in RTC mode", async () => {
  const world = scriptedWorld();
  world.adapter.mode = "stream";
  const session = await join(world);
  const states = record(session);
  assert.equal(session.state, "listening");
  assert.equal(world.client.calls_.size, 0, "no client call while listening");
  await session.play(fakeSource(), { offsetMs: 2000 });
  assert.equal(world.client.plays.length, 0);

  world.adapter.mode = "rtc";
  world.adapter.emit({
    type: "participant",
    callId: 1n,
    self: true,
    source: session.source!,
    left: false,
    canSelfUnmute: true,
    muted: true,
  });
  await world.run(3000);
  assert.equal(session.state, "connected");
  assert.deepEqual(states, ["rejoining:can_speak", "connected:joined"]);
  assert.deepEqual(world.client.plays.map((p) => p.offsetMs), [2000]);
  await session.leave();
  assertReleased(world);
});
