/**
 * `gramjsAdapter` against a real GramJS `TelegramClient` (a blank
 * `StringSession`, never connected) whose `invoke` is stubbed: the exact
 * request objects and their `getBytes()` serialisation (GramJS's layer 198
 * uses `phone.joinGroupCall#d61e1df3`, not layer 228's `#8fb53057`),
 * `big-integer` ids beyond 2^53 and negative, SSRCs signed on the wire and
 * unsigned across the adapter, `RPCError`s with Telegram's text kept, and
 * updates from `Raw` event handlers and from RPC answers.
 */
import assert from "node:assert/strict";
import { Api, errors, Logger, TelegramClient } from "telegram";
import { LogLevel } from "telegram/extensions/Logger.js";
import { StringSession } from "telegram/sessions/index.js";
import { _handleUpdate } from "telegram/client/updates.js";
import bigInt from "big-integer";
import { gramjsAdapter } from "../../src/adapters/gramjs.ts";
import { MtprotoError, TelegramRpcError } from "../../src/session/errors.ts";
import type { GroupCallUpdate } from "../../src/session/mtproto_adapter.ts";
import { test } from "../_support/harness.ts";

/** 2^53 + 1 and a negative hash: neither survives a trip through `number`. */
const CALL = { id: 9007199254740993n, accessHash: -8070450532247928832n };
const JOIN_JSON = '{"ufrag":"u","pwd":"p","fingerprints":[],"ssrc":-5}';
const ANSWER = '{"transport":{"ufrag":"a","pwd":"b"}}';

type Answer = (request: Api.AnyRequest) => unknown;

/** A real client that never connects; `invoke` records and answers. */
function stubbedClient(answer: Answer) {
  const client = new TelegramClient(new StringSession(""), 1, "hash", {
    baseLogger: new Logger(LogLevel.NONE),
  });
  const requests: Api.AnyRequest[] = [];
  (client as { invoke: unknown }).invoke = (request: Api.AnyRequest) => {
    requests.push(request);
    return Promise.resolve().then(() => answer(request));
  };
  return { client, requests };
}

function sameBig(actual: unknown, expected: bigint, what: string): void {
  assert.ok(bigInt.isInstance(actual), `${what} is a big-integer`);
  assert.equal(String(actual), String(expected), what);
}

function assertCall(call: unknown): void {
  assert.ok(call instanceof Api.InputGroupCall);
  sameBig(call.id, CALL.id, "call.id");
  sameBig(call.accessHash, CALL.accessHash, "call.accessHash");
}

function wire(request: Api.AnyRequest): DataView {
  const bytes = request.getBytes();
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const updates = (...list: Api.TypeUpdate[]) =>
  new Api.Updates({ updates: list, users: [], chats: [], date: 0, seq: 0 });
const connection = (data: string, presentation = false) =>
  new Api.UpdateGroupCallConnection({
    presentation,
    params: new Api.DataJSON({ data }),
  });
const inputCall = () =>
  new Api.InputGroupCall({
    id: bigInt(CALL.id.toString()),
    accessHash: bigInt(CALL.accessHash.toString()),
  });

test("getGroupCall: channels.GetFullChannel for a cached channel", async () => {
  const { client, requests } = stubbedClient(() =>
    new Api.messages.ChatFull({
      fullChat: new Api.ChannelFull({ call: inputCall() } as never),
      chats: [],
      users: [],
    })
  );
  const channelHash = bigInt("-1234567890123456789");
  client.session.processEntities({
    chats: [
      new Api.Channel({
        id: bigInt(1234567890),
        accessHash: channelHash,
        title: "voice",
        photo: new Api.ChatPhotoEmpty(),
        date: 0,
      }),
    ],
    users: [],
  });
  assert.deepEqual(
    await gramjsAdapter(client).getGroupCall(-1001234567890n),
    CALL,
  );
  const [request] = requests;
  assert.ok(request instanceof Api.channels.GetFullChannel);
  assert.ok(request.channel instanceof Api.InputChannel);
  sameBig(request.channel.channelId, 1234567890n, "channelId");
  sameBig(request.channel.accessHash, -1234567890123456789n, "accessHash");
});

test("getGroupCall: messages.GetFullChat for a basic group; null without a call", async () => {
  const { client, requests } = stubbedClient(() =>
    new Api.messages.ChatFull({
      fullChat: new Api.ChatFull({ id: bigInt(555) } as never),
      chats: [],
      users: [],
    })
  );
  assert.equal(await gramjsAdapter(client).getGroupCall(-555), null);
  const [request] = requests;
  assert.ok(request instanceof Api.messages.GetFullChat);
  sameBig(request.chatId, 555n, "chatId");
});

test("joinGroupCall sends phone.joinGroupCall#d61e1df3 and returns the main connection", async () => {
  const self = new Api.GroupCallParticipant({
    self: true,
    peer: new Api.PeerUser({ userId: bigInt(1) }),
    date: 0,
    source: -2147483647,
  });
  const { client, requests } = stubbedClient(() =>
    updates(
      connection('{"presentation":1}', true),
      new Api.UpdateGroupCallParticipants({
        call: inputCall(),
        participants: [self],
        version: 1,
      }),
      connection(ANSWER),
    )
  );
  const adapter = gramjsAdapter(client);
  const got: GroupCallUpdate[] = [];
  const off = adapter.onUpdate((u) => got.push(u));
  const data = await adapter.joinGroupCall({
    call: CALL,
    params: JOIN_JSON,
    muted: false,
    videoStopped: true,
    inviteHash: "invite",
  });
  off();
  assert.equal(data, ANSWER);
  const [request] = requests;
  assert.ok(request instanceof Api.phone.JoinGroupCall);
  assert.equal(request.className, "phone.JoinGroupCall");
  assert.equal(request.CONSTRUCTOR_ID, 0xd61e1df3);
  assertCall(request.call);
  assert.ok(request.joinAs instanceof Api.InputPeerSelf);
  assert.ok(request.params instanceof Api.DataJSON);
  assert.equal(request.params.data, JOIN_JSON);
  assert.equal(request.muted, false);
  assert.equal(request.videoStopped, true);
  assert.equal(request.inviteHash, "invite");
  const bytes = wire(request);
  assert.equal(bytes.getUint32(0, true), 0xd61e1df3);
  assert.equal(
    bytes.getUint32(4, true),
    0b110,
    "flags: invite_hash, video_stopped",
  );
  assert.equal(bytes.getUint32(8, true), 0xd8aa840f, "inputGroupCall");
  assert.equal(bytes.getBigInt64(12, true), CALL.id);
  assert.equal(bytes.getBigInt64(20, true), CALL.accessHash);
  assert.equal(bytes.getUint32(28, true), 0x7da07ec9, "inputPeerSelf");
  assert.deepStrictEqual(got, [{
    type: "participant",
    callId: CALL.id,
    self: true,
    source: 2147483649,
    left: false,
    canSelfUnmute: false,
    muted: false,
  }]);
});

test("joinGroupCall as a channel; no updateGroupCallConnection is an MtprotoError", async () => {
  const { client, requests } = stubbedClient(() =>
    updates(connection("{}", true))
  );
  const error = await gramjsAdapter(client).joinGroupCall({
    call: CALL,
    params: JOIN_JSON,
    muted: true,
    videoStopped: false,
    joinAs: { type: "channel", id: 1234567890n, accessHash: -(2n ** 63n) },
  }).catch((e) => e);
  assert.ok(error instanceof MtprotoError, String(error));
  assert.match(error.message, /no updateGroupCallConnection/);
  const request = requests[0] as Api.phone.JoinGroupCall;
  assert.ok(request.joinAs instanceof Api.InputPeerChannel);
  sameBig(request.joinAs.channelId, 1234567890n, "channelId");
  sameBig(request.joinAs.accessHash, -(2n ** 63n), "accessHash");
  assert.equal(request.inviteHash, undefined);
  assert.equal(wire(request).getUint32(4, true), 0b1, "flags: muted only");
});

test("leave and check send SSRCs as signed int32 and return them unsigned", async () => {
  const { client, requests } = stubbedClient((request) =>
    request instanceof Api.phone.CheckGroupCall ? [-2] : updates()
  );
  const adapter = gramjsAdapter(client);
  await adapter.leaveGroupCall(CALL, 0x80000001);
  assert.deepEqual(
    await adapter.checkGroupCall(CALL, [0xfffffffe, 5]),
    [0xfffffffe],
  );
  const [leave, check] = requests;
  assert.ok(leave instanceof Api.phone.LeaveGroupCall);
  assertCall(leave.call);
  assert.equal(leave.source, -2147483647);
  const leaveBytes = wire(leave);
  assert.equal(leaveBytes.getUint32(0, true), 0x500377f9);
  assert.equal(
    leaveBytes.getInt32(leaveBytes.byteLength - 4, true),
    -2147483647,
  );
  assert.ok(check instanceof Api.phone.CheckGroupCall);
  assertCall(check.call);
  assert.deepEqual(check.sources, [-2, 5]);
  assert.equal(wire(check).getUint32(0, true), 0xb59cf977);
});

test("edit participant and presentation join/leave carry only the given fields", async () => {
  const { client, requests } = stubbedClient((request) =>
    request instanceof Api.phone.JoinGroupCallPresentation
      ? updates(connection(ANSWER), connection("screen", true))
      : updates()
  );
  const adapter = gramjsAdapter(client);
  await adapter.editGroupCallParticipant!({
    call: CALL,
    muted: true,
    videoStopped: false,
  });
  assert.equal(
    await adapter.joinGroupCallPresentation!(CALL, JOIN_JSON),
    "screen",
  );
  await adapter.leaveGroupCallPresentation!(CALL);
  const [edit, join, leave] = requests;
  assert.ok(edit instanceof Api.phone.EditGroupCallParticipant);
  assertCall(edit.call);
  assert.ok(edit.participant instanceof Api.InputPeerSelf);
  assert.equal(edit.muted, true);
  assert.equal(edit.videoStopped, false);
  assert.equal(edit.videoPaused, undefined);
  assert.equal(edit.presentationPaused, undefined);
  assert.equal(edit.volume, undefined);
  const editBytes = wire(edit);
  assert.equal(editBytes.getUint32(0, true), 0xa5273abf);
  assert.equal(
    editBytes.getUint32(4, true),
    0b1001,
    "flags: muted, video_stopped",
  );
  assert.ok(join instanceof Api.phone.JoinGroupCallPresentation);
  assertCall(join.call);
  assert.equal((join.params as Api.DataJSON).data, JOIN_JSON);
  assert.equal(wire(join).getUint32(0, true), 0xcbea6bc4);
  assert.ok(leave instanceof Api.phone.LeaveGroupCallPresentation);
  assertCall(leave.call);
  assert.equal(wire(leave).getUint32(0, true), 0x1c50d144);
});

test("RPCError becomes TelegramRpcError with Telegram's text; others MtprotoError", async () => {
  let failure: unknown;
  const { client } = stubbedClient(() => {
    throw failure;
  });
  const adapter = gramjsAdapter(client);
  const join = () =>
    adapter.joinGroupCall({
      call: CALL,
      params: JOIN_JSON,
      muted: false,
      videoStopped: true,
    });
  failure = new errors.RPCError(
    "GROUPCALL_SSRC_DUPLICATE_MUCH",
    new Api.phone.JoinGroupCall({}),
    400,
  );
  const error = await join().catch((e) => e);
  assert.ok(error instanceof TelegramRpcError, String(error));
  assert.equal(error.method, "phone.joinGroupCall");
  assert.equal(error.telegramCode, 400);
  assert.equal(error.telegramText, "GROUPCALL_SSRC_DUPLICATE_MUCH");
  assert.equal(error.cause, failure);

  // GramJS's own conversion of an rpc_error: FLOOD_WAIT_5 → FloodWaitError.
  failure = errors.RPCMessageToError(
    new Api.RpcError({ errorCode: 420, errorMessage: "FLOOD_WAIT_5" }),
    new Api.phone.JoinGroupCall({}),
  );
  const flood = await join().catch((e) => e);
  assert.ok(flood instanceof TelegramRpcError, String(flood));
  assert.equal(flood.telegramCode, 420);
  assert.equal(flood.telegramText, "FLOOD_WAIT_5");

  failure = new Error("Cannot send requests while disconnected");
  const other = await adapter.checkGroupCall(CALL, [1]).catch((e) => e);
  assert.ok(other instanceof MtprotoError, String(other));
  assert.equal(other.cause, failure);
  assert.match(other.message, /phone\.checkGroupCall.*disconnected/);
});

test("onUpdate: pushed updates reach Raw handlers, mapped", async () => {
  // GramJS asks for the logged-in user before its first dispatch.
  const me = new Api.User({
    id: bigInt(1),
    self: true,
    accessHash: bigInt(2),
  });
  const { client } = stubbedClient((request) =>
    request instanceof Api.users.GetUsers ? [me] : updates()
  );
  const adapter = gramjsAdapter(client);
  const got: GroupCallUpdate[] = [];
  const off = adapter.onUpdate((u) => got.push(u));
  // What MTProtoSender's update callback does with a pushed Updates.
  const push = async (...list: Api.TypeUpdate[]) => {
    _handleUpdate(client, updates(...list) as unknown as Api.TypeUpdate);
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  const participant = (source: number, flags: object) =>
    new Api.GroupCallParticipant({
      peer: new Api.PeerUser({ userId: bigInt(1) }),
      date: 0,
      source,
      ...flags,
    });
  await push(
    new Api.UpdateGroupCallParticipants({
      call: inputCall(),
      participants: [
        participant(-2147483647, { self: true, muted: true }),
        participant(7, { left: true, canSelfUnmute: true }),
      ],
      version: 3,
    }),
  );
  const discarded = new Api.UpdateGroupCall({
    call: new Api.GroupCallDiscarded({
      id: bigInt(CALL.id.toString()),
      accessHash: bigInt(CALL.accessHash.toString()),
      duration: 60,
    }),
  });
  await push(discarded, new Api.UpdateConfig());
  off();
  assert.equal(client.listEventHandlers().length, 0);
  await push(discarded);
  const base = { type: "participant", callId: CALL.id } as const;
  assert.deepStrictEqual(got, [
    {
      ...base,
      self: true,
      source: 2147483649,
      left: false,
      canSelfUnmute: false,
      muted: true,
    },
    {
      ...base,
      self: false,
      source: 7,
      left: true,
      canSelfUnmute: true,
      muted: false,
    },
    { type: "discarded", callId: CALL.id },
  ]);
});
