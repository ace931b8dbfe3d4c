/**
 * An {@linkcode MtprotoAdapter} over a GramJS `TelegramClient` (npm
 * `telegram` 2.26). GramJS is frozen at TL layer 198, where
 * `phone.joinGroupCall` is `#d61e1df3` (with `key_fingerprint`), not layer
 * 228's `#8fb53057`; the fields a send-only join uses are the same.
 *
 * The client must be logged in as a user: bots get `BOT_METHOD_INVALID`.
 *
 * @module
 */

import { Api, errors, helpers, type TelegramClient } from "telegram";
import { Raw } from "telegram/events/index.js";
import type { ChatId } from "../client/options.ts";
import { InvalidParamsError } from "../errors.ts";
import type {
  GroupCallRef,
  GroupCallUpdate,
  JoinAsPeer,
  MtprotoAdapter,
} from "../session/mtproto_adapter.ts";
import {
  callMapped,
  chatIdNumber,
  connectionParams,
  definedFlags,
  fromWireSource,
  type RpcErrorFields,
  toWireSource,
} from "./wire_conventions.ts";

/** GramJS's `long`: a `big-integer` value. */
type BigInteger = Api.InputGroupCall["id"];

function toBigInteger(value: bigint): BigInteger {
  return helpers.returnBigInt(BigInt.asIntN(64, value).toString());
}

function fromBigInteger(value: BigInteger): bigint {
  return BigInt.asIntN(64, BigInt(value.toString()));
}

function toInputGroupCall(call: GroupCallRef): Api.InputGroupCall {
  return new Api.InputGroupCall({
    id: toBigInteger(call.id),
    accessHash: toBigInteger(call.accessHash),
  });
}

function toInputPeer(peer: JoinAsPeer = { type: "self" }): Api.TypeInputPeer {
  switch (peer.type) {
    case "self":
      return new Api.InputPeerSelf();
    case "user":
      return new Api.InputPeerUser({
        userId: toBigInteger(peer.id),
        accessHash: toBigInteger(peer.accessHash),
      });
    case "chat":
      return new Api.InputPeerChat({ chatId: toBigInteger(peer.id) });
    case "channel":
      return new Api.InputPeerChannel({
        channelId: toBigInteger(peer.id),
        accessHash: toBigInteger(peer.accessHash),
      });
  }
}

/**
 * GramJS turns `FLOOD_WAIT_5` into a `FloodWaitError` whose `errorMessage`
 * is just `FLOOD` (with `seconds: 5`); the full text is rebuilt from it.
 */
function readRpcError(error: unknown): RpcErrorFields | null {
  if (!(error instanceof errors.RPCError)) return null;
  const seconds = (error as { seconds?: unknown }).seconds;
  const text = error.errorMessage === "FLOOD" && typeof seconds === "number"
    ? `FLOOD_WAIT_${seconds}`
    : error.errorMessage;
  return { code: error.code ?? 0, text };
}

/** `phone.JoinGroupCall` (GramJS's class name) as TL spells it. */
function tlMethodName(request: Api.AnyRequest): string {
  return request.className.replace(
    /\.([A-Z])/,
    (_, first: string) => `.${first.toLowerCase()}`,
  );
}

function updateList(updates: Api.TypeUpdates): Api.TypeUpdate[] {
  if (
    updates instanceof Api.Updates || updates instanceof Api.UpdatesCombined
  ) {
    return updates.updates;
  }
  return updates instanceof Api.UpdateShort ? [updates.update] : [];
}

function connections(updates: Api.TypeUpdate[]) {
  return updates.flatMap((u) =>
    u instanceof Api.UpdateGroupCallConnection
      ? [{ presentation: u.presentation === true, data: u.params.data }]
      : []
  );
}

function toGroupCallUpdates(update: Api.TypeUpdate): GroupCallUpdate[] {
  if (update instanceof Api.UpdateGroupCallParticipants) {
    const callId = fromBigInteger(update.call.id);
    return update.participants.map((p) => ({
      type: "participant",
      callId,
      self: p.self === true,
      source: fromWireSource(p.source),
      left: p.left === true,
      canSelfUnmute: p.canSelfUnmute === true,
      muted: p.muted === true,
    }));
  }
  if (
    update instanceof Api.UpdateGroupCall &&
    update.call instanceof Api.GroupCallDiscarded
  ) {
    return [{ type: "discarded", callId: fromBigInteger(update.call.id) }];
  }
  return [];
}

/**
 * Builds an {@linkcode MtprotoAdapter} from a GramJS client logged in as a
 * user ("assistant") account.
 *
 * GramJS dispatches only the updates Telegram pushes, not those inside an
 * RPC's answer, so the adapter hands the group-call updates of its own
 * join/leave/edit answers (the self participant) to its listeners itself.
 *
 * @example
 * ```ts ignore
 * import { TelegramClient } from "telegram";
 * import { StringSession } from "telegram/sessions/index.js";
 * import { gramjsAdapter } from "@x/tgcall/gramjs";
 *
 * const client = new TelegramClient(new StringSession(saved), 123, "…", {});
 * await client.connect();
 * console.log(await gramjsAdapter(client).getGroupCall(-1001234567890));
 * ```
 */
export function gramjsAdapter(client: TelegramClient): MtprotoAdapter {
  const listeners = new Set<(update: GroupCallUpdate) => void>();
  const emit = (update: Api.TypeUpdate) => {
    for (const mapped of toGroupCallUpdates(update)) {
      for (const listener of [...listeners]) listener(mapped);
    }
  };
  const events = new Raw({
    types: [Api.UpdateGroupCallParticipants, Api.UpdateGroupCall],
  });
  const onRaw = (update: Api.TypeUpdate) => emit(update);

  const invoke = <R extends Api.AnyRequest>(request: R) =>
    callMapped(
      tlMethodName(request),
      () => client.invoke(request) as Promise<R["__response"]>,
      readRpcError,
    );
  const invokeUpdates = async (request: Api.AnyRequest) => {
    const updates = updateList(await invoke(request) as Api.TypeUpdates);
    updates.forEach(emit);
    return updates;
  };

  return {
    async getGroupCall(chatId: ChatId): Promise<GroupCallRef | null> {
      const peer = await callMapped(
        "getInputEntity",
        () => client.getInputEntity(chatIdNumber(chatId)),
        readRpcError,
      );
      let full: Api.messages.ChatFull;
      if (peer instanceof Api.InputPeerChannel) {
        const channel = new Api.InputChannel({
          channelId: peer.channelId,
          accessHash: peer.accessHash,
        });
        full = await invoke(new Api.channels.GetFullChannel({ channel }));
      } else if (peer instanceof Api.InputPeerChat) {
        full = await invoke(
          new Api.messages.GetFullChat({ chatId: peer.chatId }),
        );
      } else {
        throw new InvalidParamsError(`chat ${chatId} is not a group`);
      }
      const ref = full.fullChat.call;
      if (ref === undefined) return null;
      return {
        id: fromBigInteger(ref.id),
        accessHash: fromBigInteger(ref.accessHash),
      };
    },

    async joinGroupCall(request): Promise<string> {
      const updates = await invokeUpdates(
        new Api.phone.JoinGroupCall({
          call: toInputGroupCall(request.call),
          joinAs: toInputPeer(request.joinAs),
          params: new Api.DataJSON({ data: request.params }),
          muted: request.muted,
          videoStopped: request.videoStopped,
          ...(request.inviteHash === undefined
            ? {}
            : { inviteHash: request.inviteHash }),
        }),
      );
      return connectionParams(
        "phone.joinGroupCall",
        connections(updates),
        false,
      );
    },

    async leaveGroupCall(ref, source): Promise<void> {
      await invokeUpdates(
        new Api.phone.LeaveGroupCall({
          call: toInputGroupCall(ref),
          source: toWireSource(source),
        }),
      );
    },

    async checkGroupCall(ref, sources): Promise<number[]> {
      const joined = await invoke(
        new Api.phone.CheckGroupCall({
          call: toInputGroupCall(ref),
          sources: sources.map(toWireSource),
        }),
      );
      return joined.map(fromWireSource);
    },

    async editGroupCallParticipant(request): Promise<void> {
      const { muted, videoStopped, videoPaused, presentationPaused } = request;
      await invokeUpdates(
        new Api.phone.EditGroupCallParticipant({
          call: toInputGroupCall(request.call),
          participant: toInputPeer(request.participant),
          ...definedFlags({
            muted,
            videoStopped,
            videoPaused,
            presentationPaused,
          }),
        }),
      );
    },

    async joinGroupCallPresentation(ref, params): Promise<string> {
      const updates = await invokeUpdates(
        new Api.phone.JoinGroupCallPresentation({
          call: toInputGroupCall(ref),
          params: new Api.DataJSON({ data: params }),
        }),
      );
      return connectionParams(
        "phone.joinGroupCallPresentation",
        connections(updates),
        true,
      );
    },

    async leaveGroupCallPresentation(ref): Promise<void> {
      await invokeUpdates(
        new Api.phone.LeaveGroupCallPresentation({
          call: toInputGroupCall(ref),
        }),
      );
    },

    onUpdate(listener): () => void {
      if (listeners.size === 0) client.addEventHandler(onRaw, events);
      listeners.add(listener);
      return () => {
        if (listeners.delete(listener) && listeners.size === 0) {
          client.removeEventHandler(onRaw, events);
        }
      };
    },
  };
}
