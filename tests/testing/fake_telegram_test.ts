/**
 * The fake Telegram of LocalGroupCallServer, driven with our own join JSON:
 * every RPC error and injected fault produces Telegram's documented error
 * text or update (telegram-wire.md §8), requests are recorded, updates
 * arrive asynchronously, and close leaves no peer, socket or timer.
 */
import assert from "node:assert/strict";
import { TelegramRpcError } from "../../src/session/errors.ts";
import type {
  GroupCallRef,
  GroupCallUpdate,
} from "../../src/session/mtproto_adapter.ts";
import {
  buildJoinPayload,
  randomIceCredentials,
  randomSsrc,
} from "../../src/signaling/join_payload.ts";
import { parseJoinResponse } from "../../src/signaling/join_response.ts";
import {
  type FakeTelegram,
  LibdatachannelPeer,
  LocalGroupCallServer,
} from "../../testing.ts";
import { test } from "../_support/harness.ts";

const FINGERPRINT = Array.from(
  { length: 32 },
  (_, i) => (i * 7 + 16).toString(16).toUpperCase().padStart(2, "0"),
).join(":");

function payload(source = randomSsrc()): { params: string; source: number } {
  const params = buildJoinPayload({
    ...randomIceCredentials(),
    fingerprint: FINGERPRINT,
    audioSsrc: source,
  });
  return { params, source };
}

function join(telegram: FakeTelegram, call: GroupCallRef, params: string) {
  return telegram.joinGroupCall({
    call,
    params,
    muted: false,
    videoStopped: true,
  });
}

/** Asserts `promise` rejects with Telegram's `text` (and `code`). */
async function rejectsWith(
  promise: Promise<unknown>,
  text: string,
  code = 400,
): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof TelegramRpcError, String(error));
    assert.equal(error.telegramText, text);
    assert.equal(error.telegramCode, code);
    return true;
  });
}

function recorder(telegram: FakeTelegram) {
  const updates: GroupCallUpdate[] = [];
  const stop = telegram.onUpdate((u) => void updates.push(u));
  return { updates, stop };
}

const tick = () => new Promise((r) => setTimeout(r, 10));

test("fake telegram: joins, errors, duplicates, leave and the request log", async () => {
  const server = await LocalGroupCallServer.start();
  try {
    const chat = -1002000000001n;
    assert.equal(await server.telegram.getGroupCall(chat), null);
    const call = server.createGroupCall(chat);
    assert.deepEqual(server.createGroupCall(chat), call, "one active call");
    const { updates } = recorder(server.telegram);
    await rejectsWith(join(server.telegram, call, "{"), "DATA_JSON_INVALID");
    await rejectsWith(
      join(server.telegram, call, JSON.stringify({ ssrc: 5, ufrag: "x" })),
      "DATA_JSON_INVALID",
    );
    await rejectsWith(
      join(
        server.telegram,
        { ...call, accessHash: call.accessHash + 1n },
        "{}",
      ),
      "GROUPCALL_INVALID",
    );
    const mine = payload();
    const answer = await join(server.telegram, call, mine.params);
    const parsed = parseJoinResponse(answer);
    assert.equal(parsed.mode, "rtc");
    assert.equal(updates.length, 0, "updates are asynchronous");
    await tick();
    assert.deepEqual(updates, [{
      type: "participant",
      callId: call.id,
      self: true,
      source: mine.source,
      left: false,
      canSelfUnmute: true,
      muted: false,
    }]);
    // The same source from another account is a duplicate.
    await rejectsWith(
      join(server.newAccount(), call, payload(mine.source).params),
      "GROUPCALL_SSRC_DUPLICATE_MUCH",
    );
    assert.deepEqual(
      await server.telegram.checkGroupCall(call, [mine.source, 12345]),
      [mine.source],
    );
    assert.equal(server.participants().length, 1);
    await server.telegram.editGroupCallParticipant({ call, muted: true });
    await server.telegram.leaveGroupCall(call, mine.source);
    await tick();
    assert.deepEqual(
      updates.slice(1).map((
        u,
      ) => [u.type, "left" in u && u.left, "muted" in u && u.muted]),
      [
        ["participant", false, true],
        ["participant", true, true],
      ],
    );
    assert.equal(server.participants().length, 0);
    assert.equal(server.participant(mine.source)?.state, "closed");
    assert.deepEqual(
      server.telegram.requests.find((r) => r.method === "leaveGroupCall"),
      { method: "leaveGroupCall", args: { call, source: mine.source } },
    );
    assert.deepEqual(
      server.telegram.requests.map((r) => r.method),
      [
        "getGroupCall",
        "joinGroupCall",
        "joinGroupCall",
        "joinGroupCall",
        "joinGroupCall",
        "checkGroupCall",
        "editGroupCallParticipant",
        "leaveGroupCall",
      ],
    );
  } finally {
    await server.close();
    await server.close(); // idempotent
  }
  assert.equal(LibdatachannelPeer.openPeers, 0);
});

test("fake telegram: failNextJoins rejects the next joins with the given text and code", async () => {
  await using server = await LocalGroupCallServer.start();
  const call = server.createGroupCall(1);
  server.telegram.failNextJoins("FLOOD_WAIT_3", 2, 420);
  await rejectsWith(
    join(server.telegram, call, payload().params),
    "FLOOD_WAIT_3",
    420,
  );
  await rejectsWith(
    join(server.telegram, call, payload().params),
    "FLOOD_WAIT_3",
    420,
  );
  server.telegram.failNextJoins("GROUPCALL_SSRC_DUPLICATE_MUCH");
  await rejectsWith(
    join(server.telegram, call, payload().params),
    "GROUPCALL_SSRC_DUPLICATE_MUCH",
  );
  assert.equal(
    parseJoinResponse(await join(server.telegram, call, payload().params)).mode,
    "rtc",
  );
});

test("fake telegram: stream mode answers stream, allowSpeaking lets the listener speak", async () => {
  await using server = await LocalGroupCallServer.start();
  const chat = -1002000000002n;
  const call = server.createGroupCall(chat);
  const { updates } = recorder(server.telegram);
  server.telegram.setStreamMode(chat, true);
  const mine = payload();
  assert.equal(
    await join(server.telegram, call, mine.params),
    '{"stream":true}',
  );
  assert.equal(server.participants().length, 0, "no SFU connection");
  assert.deepEqual(await server.telegram.checkGroupCall(call, [mine.source]), [
    mine.source,
  ]);
  server.telegram.allowSpeaking(chat);
  await tick();
  assert.deepEqual(
    updates.map((u) =>
      u.type === "participant" &&
      [u.self, u.source, u.left, u.canSelfUnmute, u.muted]
    ),
    [[true, mine.source, false, false, true], [
      true,
      mine.source,
      false,
      true,
      true,
    ]],
  );
  const next = payload();
  assert.equal(
    parseJoinResponse(await join(server.telegram, call, next.params)).mode,
    "rtc",
  );
  assert.deepEqual(
    await server.telegram.checkGroupCall(call, [mine.source, next.source]),
    [next.source],
    "the rejoin replaced the listener",
  );
});

test("fake telegram: kickSelf and joinFromAnotherDevice announce what TD reacts to", async () => {
  await using server = await LocalGroupCallServer.start();
  const chat = -1002000000003n;
  const call = server.createGroupCall(chat);
  const { updates } = recorder(server.telegram);
  const first = payload();
  await join(server.telegram, call, first.params);
  assert.equal(await server.telegram.kickSelf(chat), true);
  assert.equal(await server.telegram.kickSelf(chat), false);
  await tick();
  assert.deepEqual(updates.at(-1), {
    type: "participant",
    callId: call.id,
    self: true,
    source: first.source,
    left: true,
    canSelfUnmute: true,
    muted: false,
  });
  assert.deepEqual(
    await server.telegram.checkGroupCall(call, [first.source]),
    [],
  );
  const second = payload();
  await join(server.telegram, call, second.params);
  const elsewhere = await server.telegram.joinFromAnotherDevice(chat);
  assert.notEqual(elsewhere, second.source);
  await tick();
  const last = updates.at(-1)!;
  assert.ok(last.type === "participant");
  assert.deepEqual([last.self, last.left, last.source], [
    true,
    false,
    elsewhere,
  ]);
  assert.equal(
    server.participants().length,
    0,
    "this device's connection closed",
  );
});

test("fake telegram: discard ends the call; replaceCall moves the chat to a new id", async () => {
  await using server = await LocalGroupCallServer.start();
  const chat = -1002000000004n;
  const call = server.createGroupCall(chat);
  const { updates } = recorder(server.telegram);
  const mine = payload();
  await join(server.telegram, call, mine.params);
  const newCall = await server.telegram.replaceCall(chat);
  assert.notEqual(newCall.id, call.id);
  assert.deepEqual(await server.telegram.getGroupCall(chat), newCall);
  await rejectsWith(
    join(server.telegram, call, payload().params),
    "GROUPCALL_INVALID",
  );
  await rejectsWith(
    server.telegram.checkGroupCall(call, [mine.source]),
    "GROUPCALL_INVALID",
  );
  assert.equal(server.participants().length, 0);
  await join(server.telegram, newCall, payload().params);
  await server.telegram.discard(chat);
  await tick();
  assert.deepEqual(updates.at(-1), { type: "discarded", callId: newCall.id });
  assert.equal(server.participants().length, 0);
  assert.equal(await server.telegram.getGroupCall(chat), null);
  await rejectsWith(
    join(server.telegram, newCall, payload().params),
    "GROUPCALL_FORBIDDEN",
    403,
  );
  await rejectsWith(
    server.telegram.leaveGroupCall(newCall, 1),
    "GROUPCALL_FORBIDDEN",
    403,
  );
  assert.notEqual(
    server.createGroupCall(chat).id,
    newCall.id,
    "a new call after the end",
  );
});

test("fake telegram: close drops pending updates and later calls fail", async () => {
  const server = await LocalGroupCallServer.start();
  const call = server.createGroupCall(7);
  const { updates } = recorder(server.telegram);
  const pending = join(server.telegram, call, payload().params);
  await server.close();
  await assert.rejects(pending);
  await tick();
  assert.deepEqual(updates, []);
  await assert.rejects(server.telegram.checkGroupCall(call, [1]));
  assert.throws(() => server.createGroupCall(8));
  assert.equal(LibdatachannelPeer.openPeers, 0);
});

test("fake telegram: a presentation is a second connection without audio", async () => {
  await using server = await LocalGroupCallServer.start();
  const call = server.createGroupCall(9);
  const screen = payload();
  await rejectsWith(
    server.telegram.joinGroupCallPresentation(call, screen.params),
    "GROUPCALL_JOIN_MISSING",
  );
  const mine = payload();
  await join(server.telegram, call, mine.params);
  const answer = JSON.parse(
    await server.telegram.joinGroupCallPresentation(call, screen.params),
  );
  assert.equal(answer.audio, undefined);
  assert.equal(answer.transport.candidates.length, 1);
  assert.deepEqual(
    server.participants().map((p) => [p.source, p.presentation]),
    [[mine.source, false], [screen.source, true]],
  );
  assert.deepEqual(
    await server.telegram.checkGroupCall(call, [mine.source, screen.source]),
    [mine.source, screen.source],
  );
  await server.telegram.leaveGroupCallPresentation(call);
  assert.deepEqual(
    await server.telegram.checkGroupCall(call, [mine.source, screen.source]),
    [mine.source],
  );
  assert.equal(server.participant(screen.source)?.state, "closed");
});
