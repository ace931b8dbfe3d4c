/**
 * GroupCallSession screen sharing against a scripted client and adapter on
 * fake time: the typed refusals, the presentation source in
 * `checkGroupCall`, re-joins when Telegram drops it, re-presenting after a
 * session rejoin at the position reached, the ends reported once, and the
 * order of the leaves.
 */
import { strict as assert } from "node:assert";
import { NotConnectedError } from "../../src/errors.ts";
import {
  PresentationUnsupportedError,
  TelegramRpcError,
} from "../../src/session/errors.ts";
import type { GroupCallSession } from "../../src/session/group_call_session.ts";
import { test } from "../_support/harness.ts";
import { fakeSource, ScriptedAdapter } from "./scripted_peers.ts";
import { presentingWorld } from "./scripted_presentation.ts";
import { assertReleased, CHAT, join, record } from "./scripted_session.ts";

type World = ReturnType<typeof presentingWorld>;

/** Advances fake time until `promise` settles; returns its outcome. */
async function settle<T>(world: World, promise: Promise<T>): Promise<T> {
  let done = false;
  promise.then(() => done = true, () => done = true);
  for (let i = 0; i < 400 && !done; i++) await world.run(50);
  return await promise;
}

function ends(session: GroupCallSession): string[] {
  const seen: string[] = [];
  session.onPresentationEnd((end) =>
    seen.push(end.error ? `${end.kind}:${end.error.code}` : end.kind)
  );
  return seen;
}

const methods = (world: World) => world.adapter.requests.map((r) => r.method);

test("session presentation: no adapter support → PresentationUnsupportedError, nothing sent", async () => {
  const world = presentingWorld();
  const plain = new ScriptedAdapter();
  const session = await join({ ...world, adapter: plain });
  await assert.rejects(
    session.present(fakeSource()),
    PresentationUnsupportedError,
  );
  assert.equal(world.client.presentationPayloads.length, 0);
  assert.equal(session.presenting, false);
  await session.stopPresenting(); // nothing to stop: a no-op
  await session.leave();
  assertReleased({ ...world, adapter: plain });
});

test("session presentation: a listener cannot present (NotConnectedError)", async () => {
  const world = presentingWorld();
  world.adapter.mode = "stream";
  const session = await join(world);
  assert.equal(session.state, "listening");
  await assert.rejects(session.present(fakeSource()), NotConnectedError);
  await session.leave();
  assertReleased(world);
});

test("session presentation: a refused join keeps Telegram's text and leaves nothing presenting", async () => {
  const world = presentingWorld();
  const session = await join(world);
  const seen = ends(session);
  world.adapter.presentationFailures.push(
    new TelegramRpcError(
      "phone.joinGroupCallPresentation",
      403,
      "PARTICIPANT_JOIN_MISSING",
    ),
  );
  await assert.rejects(
    settle(world, session.present(fakeSource())),
    (error: unknown) =>
      error instanceof TelegramRpcError &&
      error.telegramText === "PARTICIPANT_JOIN_MISSING",
  );
  assert.equal(session.presenting, false);
  assert.equal(world.client.presentation(CHAT), undefined);
  assert.equal(world.adapter.count("leaveGroupCallPresentation"), 0);
  // A duplicate SSRC gets a fresh payload, as the main join does.
  world.adapter.presentationFailures.push(
    new TelegramRpcError(
      "phone.joinGroupCallPresentation",
      400,
      "GROUPCALL_SSRC_DUPLICATE_MUCH",
    ),
  );
  await settle(world, session.present(fakeSource()));
  assert.equal(world.client.presentationPayloads.length, 3);
  assert.equal(session.presenting, true);
  await session.leave();
  assert.deepEqual(seen, ["session_stopped"]);
  assertReleased(world);
});

test("session presentation: checkGroupCall carries the presentation source; dropped by Telegram → re-joined", async () => {
  const world = presentingWorld();
  const session = await join(world);
  const seen = ends(session);
  await settle(world, session.present(fakeSource()));
  const first = session.presentationSource!;
  assert.equal(
    first,
    JSON.parse(world.client.presentationPayloads[0]).ssrc >>> 0,
  );
  world.client.transport(CHAT, "disconnected");
  await world.run(4100);
  const checks = world.adapter.requests.filter((r) =>
    r.method === "checkGroupCall"
  );
  assert.equal(checks.length, 1);
  assert.deepEqual((checks[0].args as { sources: number[] }).sources, [
    session.source,
    first,
  ]);
  world.adapter.dropPresentation();
  await world.run(4100);
  assert.equal(world.adapter.count("joinGroupCallPresentation"), 2);
  const second = session.presentationSource!;
  assert.notEqual(second, first);
  assert.equal(session.state, "reconnecting", "the call itself is fine");
  world.client.transport(CHAT, "connected");
  // Its own transport failing re-joins it too.
  world.client.presentationTransport(CHAT, "failed");
  await world.run(500);
  assert.equal(world.adapter.count("joinGroupCallPresentation"), 3);
  assert.deepEqual(seen, []);
  await session.stopPresenting();
  await session.stopPresenting();
  assert.deepEqual(seen, ["stopped"]);
  assert.equal(world.adapter.count("leaveGroupCallPresentation"), 1);
  await session.leave();
  assert.deepEqual(seen, ["stopped"]);
  assertReleased(world);
});

test("session presentation: a session rejoin re-presents the same source at the position reached", async () => {
  const world = presentingWorld();
  const session = await join(world);
  const states = record(session);
  const source = fakeSource();
  await settle(world, session.present(source, { offsetMs: 1000 }));
  await world.run(5000);
  world.adapter.emit({
    type: "participant",
    callId: 1n,
    self: true,
    source: session.source!,
    left: true,
    canSelfUnmute: true,
    muted: false,
  });
  await world.run(3000);
  assert.deepEqual(states, ["rejoining:kicked", "connected:joined"]);
  const shares = world.client.shares;
  assert.equal(shares.length, 2);
  assert.equal(shares[1].source, source);
  // 1 000 + ~5 000 shared before the kick.
  assert.ok(
    Math.abs(shares[1].offsetMs - 6000) <= 200,
    `${shares[1].offsetMs}`,
  );
  assert.equal(session.presenting, true);
  assert.equal(
    session.presentationSource,
    JSON.parse(world.client.presentationPayloads[1]).ssrc >>> 0,
  );
  await session.leave();
  assertReleased(world);
});

test("session presentation: a source that cannot seek is re-presented from its start", async () => {
  const world = presentingWorld();
  const session = await join(world);
  await settle(world, session.present(fakeSource(false)));
  await world.run(2000);
  world.client.transport(CHAT, "failed");
  await world.run(3000);
  assert.equal(session.state, "connected");
  assert.deepEqual(world.client.shares.map((s) => s.offsetMs), [0, 0]);
  await session.leave();
  assertReleased(world);
});

test("session presentation: the source's end ends it once; leave sends leaveGroupCallPresentation before leaveGroupCall", async () => {
  const world = presentingWorld();
  const session = await join(world);
  const seen = ends(session);
  await settle(world, session.present(fakeSource()));
  world.client.screenEnd(CHAT);
  await world.run(100);
  assert.deepEqual(seen, ["ended"]);
  assert.equal(session.presenting, false);
  assert.equal(world.client.presentation(CHAT), undefined);
  assert.equal(world.adapter.count("leaveGroupCallPresentation"), 1);
  await settle(world, session.present(fakeSource()));
  await session.leave();
  await session.leave();
  assert.deepEqual(
    methods(world).filter((m) => m.startsWith("leave")),
    [
      "leaveGroupCallPresentation",
      "leaveGroupCallPresentation",
      "leaveGroupCall",
    ],
  );
  assert.deepEqual(seen, ["ended", "session_stopped"]);
  await assert.rejects(session.present(fakeSource()));
  assertReleased(world);
});

test("session presentation: a discarded call ends it with session_stopped and no RPC", async () => {
  const world = presentingWorld();
  const session = await join(world);
  const seen = ends(session);
  await settle(world, session.present(fakeSource()));
  world.adapter.emit({ type: "discarded", callId: 1n });
  await world.run(100);
  assert.equal(session.state, "stopped");
  assert.deepEqual(seen, ["session_stopped"]);
  await session.leave();
  assert.equal(world.adapter.count("leaveGroupCallPresentation"), 0);
  assertReleased(world);
});
