/**
 * `mtcuteAdapter` against a real mtcute `TelegramClient` whose RPCs are
 * answered by `@mtcute/test`'s `StubTelegramClient`: the exact TL objects
 * the adapter hands to `tg.call` (and their bytes, serialised by mtcute's own
 * writer), ids as `Long` beyond 2^53 and negative, SSRCs signed on the wire
 * and unsigned across the adapter, errors with Telegram's text kept, and
 * updates mapped from `onRawUpdate`.
 */
import assert from "node:assert/strict";
import { Long, PeersIndex, RawUpdateInfo, tl } from "@mtcute/core";
import { TelegramClient } from "@mtcute/core/client.js";
import { __tlWriterMap, TlBinaryWriter } from "@mtcute/core/utils.js";
import { mtcuteAdapter } from "../../src/adapters/mtcute.ts";
import { MtprotoError, TelegramRpcError } from "../../src/session/errors.ts";
import type { GroupCallUpdate } from "../../src/session/mtproto_adapter.ts";
import { test } from "../_support/harness.ts";

// @mtcute/test's entry also imports vitest and mtcute's TL schema as JSON
// without `with { type: "json" }`, which Node and Deno refuse to load; its
// stub client module needs neither, so it is loaded from beside the entry.
const stubUrl = new URL("./client.js", import.meta.resolve("@mtcute/test"));
const { StubTelegramClient } = (await import(
  stubUrl.href
)) as typeof import("@mtcute/test");
type Stub = InstanceType<typeof StubTelegramClient>;

/** 2^53 + 1 and a negative hash: neither survives a trip through `number`. */
const CALL = { id: 9007199254740993n, accessHash: -8070450532247928832n };
const CALL_TL: tl.RawInputGroupCall = {
  _: "inputGroupCall",
  id: Long.fromString("9007199254740993"),
  accessHash: Long.fromString("-8070450532247928832"),
};
const JOIN_JSON = '{"ufrag":"u","pwd":"p","fingerprints":[],"ssrc":-5}';
const ANSWER = '{"transport":{"ufrag":"a","pwd":"b"}}';

async function withClient(
  fn: (tg: TelegramClient, stub: Stub) => void | Promise<void>,
): Promise<void> {
  const stub = new StubTelegramClient();
  const tg = new TelegramClient({ client: stub });
  try {
    await fn(tg, stub);
  } finally {
    await tg.destroy();
  }
}

/** Records each request of `method` and answers it with `answer`. */
function recordCalls<T extends tl.RpcMethod["_"]>(
  stub: Stub,
  method: T,
  answer: () => unknown,
): tl.FindByName<tl.RpcMethod, T>[] {
  const seen: tl.FindByName<tl.RpcMethod, T>[] = [];
  stub.respondWith(
    method,
    ((request: tl.FindByName<tl.RpcMethod, T>) => {
      seen.push(request);
      return answer();
    }) as never,
  );
  return seen;
}

/** mtcute's own serialisation of a request: what would go on the wire. */
function wireBytes(request: tl.RpcMethod): DataView {
  const bytes = TlBinaryWriter.serializeObject(__tlWriterMap, request);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function updates(...list: tl.TypeUpdate[]): tl.TypeUpdates {
  return { _: "updates", updates: list, users: [], chats: [], date: 0, seq: 0 };
}

const connection = (data: string, presentation?: boolean): tl.TypeUpdate => ({
  _: "updateGroupCallConnection",
  ...(presentation ? { presentation } : {}),
  params: { _: "dataJSON", data },
});

test("getGroupCall resolves a channel through channels.getFullChannel", async () => {
  await withClient(async (tg, stub) => {
    const channelHash = Long.fromString("-1234567890123456789");
    await stub.registerPeers(
      {
        _: "channel",
        id: 1234567890,
        accessHash: channelHash,
        title: "voice",
        photo: { _: "chatPhotoEmpty" },
        date: 0,
      } satisfies tl.RawChannel,
    );
    const full = { _: "channelFull", id: 1234567890, call: CALL_TL };
    const seen = recordCalls(stub, "channels.getFullChannel", () => ({
      _: "messages.chatFull",
      fullChat: full,
      chats: [],
      users: [],
    }));
    const ref = await mtcuteAdapter(tg).getGroupCall(-1001234567890n);
    assert.deepEqual(ref, CALL);
    assert.deepStrictEqual(seen, [{
      _: "channels.getFullChannel",
      channel: {
        _: "inputChannel",
        channelId: 1234567890,
        accessHash: channelHash,
      },
    }]);
  });
});

test("getGroupCall uses messages.getFullChat for a basic group; null without a call", async () => {
  await withClient(async (tg, stub) => {
    await stub.registerPeers(
      {
        _: "chat",
        id: 555,
        title: "g",
        photo: { _: "chatPhotoEmpty" },
        participantsCount: 2,
        date: 0,
        version: 1,
      } satisfies tl.RawChat,
    );
    const seen = recordCalls(stub, "messages.getFullChat", () => ({
      _: "messages.chatFull",
      fullChat: { _: "chatFull", id: 555 },
      chats: [],
      users: [],
    }));
    assert.equal(await mtcuteAdapter(tg).getGroupCall(-555), null);
    assert.deepStrictEqual(seen, [{ _: "messages.getFullChat", chatId: 555 }]);
  });
});

test("joinGroupCall sends phone.joinGroupCall#8fb53057 and returns the main connection", async () => {
  await withClient(async (tg, stub) => {
    const answer = updates(
      connection('{"presentation":1}', true),
      connection(ANSWER),
    );
    const seen = recordCalls(stub, "phone.joinGroupCall", () => answer);
    const handled: tl.TypeUpdates[] = [];
    tg.handleClientUpdate = (u) => void handled.push(u);
    const data = await mtcuteAdapter(tg).joinGroupCall({
      call: CALL,
      params: JOIN_JSON,
      muted: false,
      videoStopped: true,
      inviteHash: "invite",
    });
    assert.equal(data, ANSWER);
    assert.deepStrictEqual(seen, [{
      _: "phone.joinGroupCall",
      call: CALL_TL,
      joinAs: { _: "inputPeerSelf" },
      params: { _: "dataJSON", data: JOIN_JSON },
      muted: false,
      videoStopped: true,
      inviteHash: "invite",
    }]);
    assert.deepEqual(handled, [answer]);
    const wire = wireBytes(seen[0]);
    assert.equal(wire.getUint32(0, true), 0x8fb53057);
    assert.equal(
      wire.getUint32(4, true),
      0b110,
      "flags: invite_hash, video_stopped",
    );
    assert.equal(wire.getUint32(8, true), 0xd8aa840f, "inputGroupCall");
    assert.equal(wire.getBigInt64(12, true), CALL.id);
    assert.equal(wire.getBigInt64(20, true), CALL.accessHash);
  });
});

test("joinGroupCall as a channel; no updateGroupCallConnection is an MtprotoError", async () => {
  await withClient(async (tg, stub) => {
    const seen = recordCalls(
      stub,
      "phone.joinGroupCall",
      () => updates(connection("{}", true)),
    );
    const adapter = mtcuteAdapter(tg, { handleUpdates: false });
    tg.handleClientUpdate = () => assert.fail("handleUpdates: false");
    const joinAs = {
      type: "channel",
      id: 1234567890n,
      accessHash: -(2n ** 63n),
    } as const;
    const error = await adapter.joinGroupCall({
      call: CALL,
      params: JOIN_JSON,
      muted: true,
      videoStopped: false,
      joinAs,
    }).catch((e) => e);
    assert.ok(error instanceof MtprotoError, String(error));
    assert.match(error.message, /no updateGroupCallConnection/);
    assert.deepStrictEqual(seen[0].joinAs, {
      _: "inputPeerChannel",
      channelId: 1234567890,
      accessHash: Long.MIN_VALUE,
    });
    assert.equal(seen[0].inviteHash, undefined);
    assert.ok(!("inviteHash" in seen[0]));
  });
});

test("leave and check send SSRCs as signed int32 and return them unsigned", async () => {
  await withClient(async (tg, stub) => {
    const left = recordCalls(stub, "phone.leaveGroupCall", () => updates());
    const checked = recordCalls(stub, "phone.checkGroupCall", () => [-2]);
    const adapter = mtcuteAdapter(tg);
    await adapter.leaveGroupCall(CALL, 0x80000001);
    assert.deepStrictEqual(left, [{
      _: "phone.leaveGroupCall",
      call: CALL_TL,
      source: -2147483647,
    }]);
    const leaveWire = wireBytes(left[0]);
    assert.equal(leaveWire.getUint32(0, true), 0x500377f9);
    assert.equal(
      leaveWire.getInt32(leaveWire.byteLength - 4, true),
      -2147483647,
    );

    assert.deepEqual(
      await adapter.checkGroupCall(CALL, [0xfffffffe, 5]),
      [0xfffffffe],
    );
    assert.deepStrictEqual(checked, [{
      _: "phone.checkGroupCall",
      call: CALL_TL,
      sources: [-2, 5],
    }]);
    assert.equal(wireBytes(checked[0]).getUint32(0, true), 0xb59cf977);
    await assert.rejects(adapter.leaveGroupCall(CALL, 2 ** 32), {
      code: "INVALID_PARAMS",
    });
  });
});

test("edit participant and presentation join/leave carry only the given fields", async () => {
  await withClient(async (tg, stub) => {
    const edits = recordCalls(
      stub,
      "phone.editGroupCallParticipant",
      () => updates(),
    );
    const joins = recordCalls(
      stub,
      "phone.joinGroupCallPresentation",
      () => updates(connection(ANSWER), connection("screen", true)),
    );
    const leaves = recordCalls(
      stub,
      "phone.leaveGroupCallPresentation",
      () => updates(),
    );
    const adapter = mtcuteAdapter(tg);
    await adapter.editGroupCallParticipant!({
      call: CALL,
      muted: true,
      videoStopped: false,
    });
    assert.deepStrictEqual(edits, [{
      _: "phone.editGroupCallParticipant",
      call: CALL_TL,
      participant: { _: "inputPeerSelf" },
      muted: true,
      videoStopped: false,
    }]);
    assert.equal(wireBytes(edits[0]).getUint32(0, true), 0xa5273abf);
    assert.equal(
      await adapter.joinGroupCallPresentation!(CALL, JOIN_JSON),
      "screen",
    );
    assert.deepStrictEqual(joins, [{
      _: "phone.joinGroupCallPresentation",
      call: CALL_TL,
      params: { _: "dataJSON", data: JOIN_JSON },
    }]);
    await adapter.leaveGroupCallPresentation!(CALL);
    assert.deepStrictEqual(leaves, [{
      _: "phone.leaveGroupCallPresentation",
      call: CALL_TL,
    }]);
  });
});

test("RPC errors become TelegramRpcError with Telegram's text; others MtprotoError", async () => {
  await withClient(async (tg, stub) => {
    const adapter = mtcuteAdapter(tg);
    const join = () =>
      adapter.joinGroupCall({
        call: CALL,
        params: JOIN_JSON,
        muted: false,
        videoStopped: true,
      });
    const duplicate = new tl.RpcError(
      400,
      "GROUPCALL_SSRC_DUPLICATE_MUCH",
    );
    stub.respondWith("phone.joinGroupCall", () => {
      throw duplicate;
    });
    const error = await join().catch((e) => e);
    assert.ok(error instanceof TelegramRpcError, String(error));
    assert.equal(error.method, "phone.joinGroupCall");
    assert.equal(error.telegramCode, 400);
    assert.equal(error.telegramText, "GROUPCALL_SSRC_DUPLICATE_MUCH");
    assert.equal(error.cause, duplicate);

    stub.respondWith("phone.joinGroupCall", () => {
      throw tl.RpcError.fromTl({
        errorCode: 420,
        errorMessage: "FLOOD_WAIT_5",
      });
    });
    const flood = await join().catch((e) => e);
    assert.equal(flood.telegramText, "FLOOD_WAIT_5");
    assert.equal(flood.telegramCode, 420);

    const broken = new Error("connection closed");
    stub.respondWith("phone.checkGroupCall", () => {
      throw broken;
    });
    const other = await adapter.checkGroupCall(CALL, [1]).catch((e) => e);
    assert.ok(other instanceof MtprotoError, String(other));
    assert.equal(other.cause, broken);
    assert.match(other.message, /phone\.checkGroupCall.*connection closed/);
  });
});

test("onUpdate maps participants and a discarded call from onRawUpdate", async () => {
  await withClient((tg) => {
    const got: GroupCallUpdate[] = [];
    const off = mtcuteAdapter(tg).onUpdate((u) => got.push(u));
    const emit = (update: tl.TypeUpdate) =>
      tg.onRawUpdate.emit(new RawUpdateInfo(update, PeersIndex.from({})));
    const participant = (
      source: number,
      flags: Partial<tl.RawGroupCallParticipant>,
    ): tl.RawGroupCallParticipant => ({
      _: "groupCallParticipant",
      peer: { _: "peerUser", userId: 1 },
      date: 0,
      source,
      ...flags,
    });
    const { id, accessHash } = CALL_TL;
    const discarded: tl.TypeUpdate = {
      _: "updateGroupCall",
      call: { _: "groupCallDiscarded", id, accessHash, duration: 60 },
    };
    emit({
      _: "updateGroupCallParticipants",
      call: CALL_TL,
      participants: [
        participant(-2147483647, { self: true, muted: true }),
        participant(7, { left: true, canSelfUnmute: true }),
      ],
      version: 3,
    });
    emit(discarded);
    emit({ _: "updateConfig" });
    off();
    emit(discarded);
    const base = { type: "participant", callId: CALL.id } as const;
    const self = { self: true, left: false, canSelfUnmute: false };
    const other = { self: false, left: true, canSelfUnmute: true };
    assert.deepStrictEqual(got, [
      { ...base, ...self, source: 2147483649, muted: true },
      { ...base, ...other, source: 7, muted: false },
      { type: "discarded", callId: CALL.id },
    ]);
  });
});
