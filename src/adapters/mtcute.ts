/**
 * An {@linkcode MtprotoAdapter} over an mtcute `TelegramClient` (TL layer
 * 227 in `@mtcute/core` 0.30: `phone.joinGroupCall#8fb53057`). mtcute has
 * no group-call API, so every method is a raw `tg.call({ _: "phone.…" })`
 * with camelCase fields and `Long` ids.
 *
 * The client must be logged in as a user: bots get `BOT_METHOD_INVALID`.
 *
 * @module
 */

import { Long, tl } from "@mtcute/core";
import type { TelegramClient } from "@mtcute/core/client.js";
import type { RawUpdateInfo } from "@mtcute/core";
import type { ChatId } from "../client/options.ts";
import { InvalidParamsError } from "../errors.ts";
import { MtprotoError } from "../session/errors.ts";
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

/** Options of {@linkcode mtcuteAdapter}. */
export interface MtcuteAdapterOptions {
  /**
   * Pass the `Updates` that join/leave/edit return to
   * `client.handleClientUpdate` (default `true`), as mtcute asks of raw
   * calls: it keeps pts/seq in sync and dispatches the self participant
   * the join answer carries.
   */
  readonly handleUpdates?: boolean;
}

/** A bigint id as mtcute's `Long` (signed 64-bit, wrapped like TL `long`). */
function toLong(value: bigint): Long {
  const bits = BigInt.asUintN(64, value);
  return Long.fromBits(
    Number(bits & 0xffffffffn),
    Number(bits >> 32n),
    false,
  );
}

/** mtcute's `Long` back to a signed bigint, exactly. */
function fromLong(value: Long): bigint {
  const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return BigInt.asIntN(64, bits);
}

function toInputGroupCall(call: GroupCallRef): tl.RawInputGroupCall {
  return {
    _: "inputGroupCall",
    id: toLong(call.id),
    accessHash: toLong(call.accessHash),
  };
}

function toInputPeer(peer: JoinAsPeer = { type: "self" }): tl.TypeInputPeer {
  switch (peer.type) {
    case "self":
      return { _: "inputPeerSelf" };
    case "user":
      return {
        _: "inputPeerUser",
        userId: chatIdNumber(peer.id),
        accessHash: toLong(peer.accessHash),
      };
    case "chat":
      return { _: "inputPeerChat", chatId: chatIdNumber(peer.id) };
    case "channel":
      return {
        _: "inputPeerChannel",
        channelId: chatIdNumber(peer.id),
        accessHash: toLong(peer.accessHash),
      };
  }
}

const RPC_ARGS = ["seconds", "newDc", "dc", "minutes", "codeLength", "which"];

/**
 * mtcute rewrites `FLOOD_WAIT_5` to `FLOOD_WAIT_%d` with `seconds: 5`
 * (`RpcError.fromTl`); the number goes back so Telegram's text is kept.
 */
function readRpcError(error: unknown): RpcErrorFields | null {
  if (!isRpcError(error)) return null;
  let text = error.text;
  if (text.includes("%d")) {
    const fields = error as unknown as Record<string, unknown>;
    const arg = RPC_ARGS.map((k) => fields[k]).find((v) => v !== undefined);
    if (arg !== undefined) text = text.replace("%d", String(arg));
  }
  return { code: error.code, text };
}

/**
 * `instanceof` fails when the client comes from another copy of mtcute
 * (`jsr:@mtcute/deno`, a nested `@mtcute/core`), so the shape counts too.
 */
function isRpcError(error: unknown): error is { code: number; text: string } {
  if (error instanceof tl.RpcError) return true;
  if (!(error instanceof Error) || error.constructor.name !== "RpcError") {
    return false;
  }
  const { code, text } = error as unknown as Record<string, unknown>;
  return typeof code === "number" && typeof text === "string";
}

function connections(updates: tl.TypeUpdates) {
  const list = updates._ === "updates" || updates._ === "updatesCombined"
    ? updates.updates
    : updates._ === "updateShort"
    ? [updates.update]
    : [];
  return list.flatMap((u) =>
    u._ === "updateGroupCallConnection"
      ? [{ presentation: u.presentation === true, data: u.params.data }]
      : []
  );
}

function toGroupCallUpdates(update: tl.TypeUpdate): GroupCallUpdate[] {
  if (update._ === "updateGroupCallParticipants") {
    if (update.call._ !== "inputGroupCall") return [];
    const callId = fromLong(update.call.id);
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
    update._ === "updateGroupCall" && update.call._ === "groupCallDiscarded"
  ) {
    return [{ type: "discarded", callId: fromLong(update.call.id) }];
  }
  return [];
}

/**
 * Builds an {@linkcode MtprotoAdapter} from an mtcute client logged in as a
 * user ("assistant") account.
 *
 * @example
 * ```ts ignore
 * import { TelegramClient } from "@mtcute/node";
 * import { mtcuteAdapter } from "@x/tgcall/mtcute";
 *
 * const tg = new TelegramClient({ apiId: 123, apiHash: "…", storage: "assistant.session" });
 * await tg.start({ phone: () => tg.input("Phone > "), code: () => tg.input("Code > ") });
 * const adapter = mtcuteAdapter(tg);
 * console.log(await adapter.getGroupCall(-1001234567890)); // { id, accessHash } or null
 * ```
 */
export function mtcuteAdapter(
  client: TelegramClient,
  options: MtcuteAdapterOptions = {},
): MtprotoAdapter {
  const handleUpdates = options.handleUpdates ?? true;
  type Answer<T extends tl.RpcMethod> = tl.RpcCallReturn[T["_"]];
  const rpc = <T extends tl.RpcMethod>(request: T) =>
    callMapped(
      request._,
      () => client.call(request as never) as Promise<Answer<T>>,
      readRpcError,
    );
  /** Join/leave/edit answer with `Updates`, which mtcute wants handed back. */
  const rpcUpdates = async (request: tl.RpcMethod) => {
    const updates = await rpc(request) as tl.TypeUpdates;
    if (handleUpdates) client.handleClientUpdate(updates);
    return updates;
  };

  return {
    async getGroupCall(chatId: ChatId): Promise<GroupCallRef | null> {
      const id = chatIdNumber(chatId);
      const peer = await callMapped(
        "resolvePeer",
        () => client.resolvePeer(id),
        readRpcError,
      );
      let full: tl.messages.TypeChatFull;
      if (peer._ === "inputPeerChannel") {
        const { channelId, accessHash } = peer;
        full = await rpc({
          _: "channels.getFullChannel",
          channel: { _: "inputChannel", channelId, accessHash },
        });
      } else if (peer._ === "inputPeerChat") {
        full = await rpc({ _: "messages.getFullChat", chatId: peer.chatId });
      } else {
        throw new InvalidParamsError(`chat ${chatId} is not a group`);
      }
      const ref = full.fullChat.call;
      if (ref === undefined) return null;
      if (ref._ !== "inputGroupCall") {
        throw new MtprotoError(`fullChat.call is ${ref._}, not inputGroupCall`);
      }
      return { id: fromLong(ref.id), accessHash: fromLong(ref.accessHash) };
    },

    async joinGroupCall(request): Promise<string> {
      const updates = await rpcUpdates({
        _: "phone.joinGroupCall",
        call: toInputGroupCall(request.call),
        joinAs: toInputPeer(request.joinAs),
        params: { _: "dataJSON", data: request.params },
        muted: request.muted,
        videoStopped: request.videoStopped,
        ...(request.inviteHash === undefined
          ? {}
          : { inviteHash: request.inviteHash }),
      });
      return connectionParams(
        "phone.joinGroupCall",
        connections(updates),
        false,
      );
    },

    async leaveGroupCall(ref, source): Promise<void> {
      await rpcUpdates({
        _: "phone.leaveGroupCall",
        call: toInputGroupCall(ref),
        source: toWireSource(source),
      });
    },

    async checkGroupCall(ref, sources): Promise<number[]> {
      const joined = await rpc({
        _: "phone.checkGroupCall",
        call: toInputGroupCall(ref),
        sources: sources.map(toWireSource),
      });
      return joined.map(fromWireSource);
    },

    async editGroupCallParticipant(request): Promise<void> {
      const { muted, videoStopped, videoPaused, presentationPaused } = request;
      await rpcUpdates({
        _: "phone.editGroupCallParticipant",
        call: toInputGroupCall(request.call),
        participant: toInputPeer(request.participant),
        ...definedFlags({
          muted,
          videoStopped,
          videoPaused,
          presentationPaused,
        }),
      });
    },

    async joinGroupCallPresentation(ref, params): Promise<string> {
      const updates = await rpcUpdates({
        _: "phone.joinGroupCallPresentation",
        call: toInputGroupCall(ref),
        params: { _: "dataJSON", data: params },
      });
      return connectionParams(
        "phone.joinGroupCallPresentation",
        connections(updates),
        true,
      );
    },

    async leaveGroupCallPresentation(ref): Promise<void> {
      await rpcUpdates({
        _: "phone.leaveGroupCallPresentation",
        call: toInputGroupCall(ref),
      });
    },

    onUpdate(listener): () => void {
      const handler = (info: RawUpdateInfo) => {
        for (const update of toGroupCallUpdates(info.update)) listener(update);
      };
      client.onRawUpdate.add(handler);
      return () => client.onRawUpdate.remove(handler);
    },
  };
}
