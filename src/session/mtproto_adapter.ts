/**
 * The MTProto calls a {@linkcode GroupCallSession} needs, in Telegram's own
 * terms (TL layer 228: `phone.joinGroupCall#8fb53057`,
 * `phone.leaveGroupCall#500377f9`, `phone.checkGroupCall#b59cf977`,
 * `phone.editGroupCallParticipant#a5273abf`, `updateGroupCallConnection`,
 * `updateGroupCallParticipants`, `updateGroupCall`).
 *
 * The core never imports an MTProto library: `@x/tgcall/mtcute` and
 * `@x/tgcall/gramjs` build this interface from a client object, and
 * `@x/tgcall/testing` provides one that behaves like Telegram on loopback.
 *
 * Conventions, so every adapter behaves alike:
 * - SSRCs ("sources") cross this interface **unsigned** (what RTP carries);
 *   adapters write them signed int32 on the wire (`x | 0`) and read them back
 *   with `x >>> 0`.
 * - 64-bit ids are `bigint`; adapters convert to `Long` / `BigInteger`.
 * - A failed RPC rejects with {@linkcode TelegramRpcError} carrying
 *   Telegram's code and text (`GROUPCALL_SSRC_DUPLICATE_MUCH`, …); anything
 *   else an adapter meets (network, timeouts) is a {@linkcode MtprotoError}.
 *
 * @module
 */

import type { ChatId } from "../client/client.ts";

/** An `InputGroupCall` (the plain form): what every call method addresses. */
export interface GroupCallRef {
  /** `inputGroupCall.id`. */
  readonly id: bigint;
  /** `inputGroupCall.access_hash`. */
  readonly accessHash: bigint;
}

/**
 * Who the session joins as (`join_as`): the logged-in account itself
 * (default), or a channel / chat / user peer the account may speak for.
 */
export type JoinAsPeer =
  | JoinAsSelf
  | JoinAsUser
  | JoinAsChat
  | JoinAsChannel;

/** `inputPeerSelf`. */
export interface JoinAsSelf {
  /** Discriminant. */
  readonly type: "self";
}

/** `inputPeerUser`. */
export interface JoinAsUser {
  /** Discriminant. */
  readonly type: "user";
  /** User id. */
  readonly id: bigint;
  /** Its access hash. */
  readonly accessHash: bigint;
}

/** `inputPeerChat` (a basic group). */
export interface JoinAsChat {
  /** Discriminant. */
  readonly type: "chat";
  /** Chat id (positive, without the `-` of bot-API ids). */
  readonly id: bigint;
}

/** `inputPeerChannel` (a channel or supergroup the account may speak for). */
export interface JoinAsChannel {
  /** Discriminant. */
  readonly type: "channel";
  /** Channel id (without the `-100` prefix of bot-API ids). */
  readonly id: bigint;
  /** Its access hash. */
  readonly accessHash: bigint;
}

/** Arguments of `phone.joinGroupCall` (and of the presentation join). */
export interface JoinGroupCallRequest {
  /** The call to join. */
  readonly call: GroupCallRef;
  /** The join payload JSON (`DataJSON.data`) from `Client.createCall`. */
  readonly params: string;
  /** `muted`: join with the microphone muted. */
  readonly muted: boolean;
  /** `video_stopped`: join without camera video. */
  readonly videoStopped: boolean;
  /** `join_as`; default `{ type: "self" }`. */
  readonly joinAs?: JoinAsPeer;
  /** From a `?voicechat=` link: lets the account speak in a muted call. */
  readonly inviteHash?: string;
}

/** Arguments of `phone.editGroupCallParticipant` for our own participant. */
export interface EditSelfRequest {
  /** The call. */
  readonly call: GroupCallRef;
  /** Default `{ type: "self" }`: the participant being edited. */
  readonly participant?: JoinAsPeer;
  /** `muted`, when it changes. */
  readonly muted?: boolean;
  /** `video_stopped`, when it changes. */
  readonly videoStopped?: boolean;
  /** `video_paused`, when it changes. */
  readonly videoPaused?: boolean;
  /** `presentation_paused`, when it changes. */
  readonly presentationPaused?: boolean;
}

/** A participant as `updateGroupCallParticipants` reports it. */
export interface ParticipantUpdate {
  /** Discriminant. */
  readonly type: "participant";
  /** The call the participant belongs to. */
  readonly callId: bigint;
  /** `groupCallParticipant.self`: this is the logged-in account. */
  readonly self: boolean;
  /** Its audio source (unsigned). */
  readonly source: number;
  /** `left`: the participant is no longer in the call. */
  readonly left: boolean;
  /** `can_self_unmute`: it may speak (a stream-mode listener may rejoin). */
  readonly canSelfUnmute: boolean;
  /** `muted`: muted (by itself or by an admin). */
  readonly muted: boolean;
}

/** `updateGroupCall` with `groupCallDiscarded`: the call ended for all. */
export interface CallDiscardedUpdate {
  /** Discriminant. */
  readonly type: "discarded";
  /** `groupCallDiscarded.id`. */
  readonly callId: bigint;
}

/** The updates a session acts on. */
export type GroupCallUpdate = ParticipantUpdate | CallDiscardedUpdate;

/**
 * What a {@linkcode GroupCallSession} needs from an MTProto client.
 *
 * @example
 * ```ts
 * import type { MtprotoAdapter } from "./mtproto_adapter.ts";
 *
 * // A chat without an active group call, for illustration.
 * const adapter: MtprotoAdapter = {
 *   getGroupCall: () => Promise.resolve(null),
 *   joinGroupCall: () => Promise.reject(new Error("no call")),
 *   leaveGroupCall: () => Promise.resolve(),
 *   checkGroupCall: () => Promise.resolve([]),
 *   onUpdate: () => () => {},
 * };
 * console.log(await adapter.getGroupCall(-1001234567890)); // null
 * ```
 */
export interface MtprotoAdapter {
  /**
   * The chat's active group call (`channels.getFullChannel` /
   * `messages.getFullChat` → `fullChat.call`), or `null` when it has none.
   * Never cached by the adapter: the session calls it again to re-resolve.
   */
  getGroupCall(chatId: ChatId): Promise<GroupCallRef | null>;
  /**
   * `phone.joinGroupCall`; resolves with `params.data` of the
   * `updateGroupCallConnection` (without `presentation`) in the result.
   */
  joinGroupCall(request: JoinGroupCallRequest): Promise<string>;
  /** `phone.leaveGroupCall(call, source)`; `source` is our audio SSRC. */
  leaveGroupCall(call: GroupCallRef, source: number): Promise<void>;
  /** `phone.checkGroupCall`: the subset of `sources` still joined. */
  checkGroupCall(call: GroupCallRef, sources: number[]): Promise<number[]>;
  /** `phone.editGroupCallParticipant` for ourselves; optional. */
  editGroupCallParticipant?(request: EditSelfRequest): Promise<void>;
  /**
   * `phone.joinGroupCallPresentation`; resolves with the presentation
   * connection's `params.data`. Optional (screen sharing).
   */
  joinGroupCallPresentation?(
    call: GroupCallRef,
    params: string,
  ): Promise<string>;
  /** `phone.leaveGroupCallPresentation`; optional. */
  leaveGroupCallPresentation?(call: GroupCallRef): Promise<void>;
  /**
   * Subscribes to group-call updates (all calls; the session filters by
   * id). Returns the unsubscribe function.
   */
  onUpdate(listener: (update: GroupCallUpdate) => void): () => void;
}
