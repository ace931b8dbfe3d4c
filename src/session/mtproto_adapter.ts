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
  | { readonly type: "self" }
  | { readonly type: "user"; readonly id: bigint; readonly accessHash: bigint }
  | { readonly type: "chat"; readonly id: bigint }
  | {
    readonly type: "channel";
    readonly id: bigint;
    readonly accessHash: bigint;
  };

/** Arguments of `phone.joinGroupCall` (and of the presentation join). */
export interface JoinGroupCallRequest {
  readonly call: GroupCallRef;
  /** The join payload JSON (`DataJSON.data`) from `Client.createCall`. */
  readonly params: string;
  readonly muted: boolean;
  readonly videoStopped: boolean;
  /** Default `{ type: "self" }`. */
  readonly joinAs?: JoinAsPeer;
  /** From a `?voicechat=` link: lets the account speak in a muted call. */
  readonly inviteHash?: string;
}

/** Arguments of `phone.editGroupCallParticipant` for our own participant. */
export interface EditSelfRequest {
  readonly call: GroupCallRef;
  /** Default `{ type: "self" }`: the participant being edited. */
  readonly participant?: JoinAsPeer;
  readonly muted?: boolean;
  readonly videoStopped?: boolean;
  readonly videoPaused?: boolean;
  readonly presentationPaused?: boolean;
}

/** A participant as `updateGroupCallParticipants` reports it. */
export interface ParticipantUpdate {
  readonly type: "participant";
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
  readonly type: "discarded";
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
