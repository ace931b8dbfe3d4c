/**
 * Telegram's state behind the local group-call server: which chat has
 * which call, who is in each, and the SFU connections they hold. The RPCs
 * that change it live in {@linkcode FakeTelegram}; this file keeps the
 * bookkeeping and the call-wide events (stream mode, discard, replacement,
 * SFU drops and restarts).
 *
 * Calls are addressed as Telegram does (telegram-wire.md §8): an unknown
 * id or access hash is `GROUPCALL_INVALID`, so is a call replaced by a new
 * one; an ended call is `GROUPCALL_FORBIDDEN` (403).
 *
 * A participant is `"rtc"` (an SFU connection), `"listener"` (joined in
 * stream mode: no connection) or `"elsewhere"` (the same account on another
 * device). Closed connections are kept for statistics and recordings.
 *
 * @module
 */

import type { ChatId } from "../client/options.ts";
import { MtprotoError, TelegramRpcError } from "../session/errors.ts";
import type { GroupCallRef } from "../session/mtproto_adapter.ts";
import type { SfuEndpoint } from "./sfu_endpoint.ts";
import { type AccountId, UpdateBus } from "./update_bus.ts";

/** Opens the SFU side of a join (the server supplies it). */
export type OpenEndpoint = (
  joinJson: string,
  presentation: boolean,
) => Promise<SfuEndpoint>;

/** One participant of a call. */
export interface Member {
  /** The account it belongs to. */
  readonly account: AccountId;
  /** Its audio source (unsigned). */
  readonly source: number;
  /** How it is connected. */
  readonly kind: "rtc" | "listener" | "elsewhere";
  /** `muted`, as Telegram reports it. */
  muted: boolean;
  /** `can_self_unmute`. */
  canSelfUnmute: boolean;
  /** Its SFU connection (`"rtc"`, once answered). */
  endpoint?: SfuEndpoint;
  /** Its screen-sharing connection. */
  presentation?: SfuEndpoint;
}

/** A chat's settings. */
export interface ChatRecord {
  /** Its latest call. */
  call?: CallRecord;
  /** Joins answer `{"stream": true}`. */
  streamMode: boolean;
}

/** One group call. */
export interface CallRecord {
  /** Its `InputGroupCall`. */
  readonly ref: GroupCallRef;
  /** The chat it belongs to. */
  readonly chat: ChatRecord;
  /** Active, ended for all, or superseded by a new call id. */
  status: "active" | "discarded" | "replaced";
  /** Its participants. */
  members: Member[];
}

function randomId(): bigint {
  const [high, low] = crypto.getRandomValues(new Uint32Array(2));
  return (BigInt(high & 0x7fffffff) << 32n) | BigInt(low) || 1n;
}

/** The calls, their participants and their SFU connections. */
export class GroupCallRegistry {
  /** Where updates go. */
  readonly bus: UpdateBus = new UpdateBus();
  readonly #open: OpenEndpoint;
  readonly #chats = new Map<string, ChatRecord>();
  readonly #calls = new Map<bigint, CallRecord>();
  readonly #departed = new Map<number, SfuEndpoint>();
  readonly #opening = new Set<Promise<SfuEndpoint>>();
  readonly #closing = new Set<Promise<void>>();
  #closed = false;

  /** A registry whose joins open SFU connections with `open`. */
  constructor(open: OpenEndpoint) {
    this.#open = open;
  }

  /** The chat's record, created on first use. */
  chat(chatId: ChatId): ChatRecord {
    const key = String(chatId);
    let chat = this.#chats.get(key);
    if (!chat) this.#chats.set(key, chat = { streamMode: false });
    return chat;
  }

  /** Gives `chatId` an active call (keeps the one it has). */
  createCall(chatId: ChatId): GroupCallRef {
    const chat = this.chat(chatId);
    if (chat.call?.status === "active") return chat.call.ref;
    let id = randomId();
    while (this.#calls.has(id)) id = randomId();
    const call: CallRecord = {
      ref: { id, accessHash: randomId() },
      chat,
      status: "active",
      members: [],
    };
    this.#calls.set(id, call);
    chat.call = call;
    return call.ref;
  }

  /** The chat's active call, if any. */
  activeCall(chatId: ChatId): CallRecord | undefined {
    const call = this.#chats.get(String(chatId))?.call;
    return call?.status === "active" ? call : undefined;
  }

  /** The call `ref` addresses, or Telegram's error for `method`. */
  resolve(method: string, ref: GroupCallRef): CallRecord {
    if (this.#closed) throw new MtprotoError("the local server is closed");
    const call = this.#calls.get(ref.id);
    if (
      call?.status === "discarded" && call.ref.accessHash === ref.accessHash
    ) {
      throw new TelegramRpcError(method, 403, "GROUPCALL_FORBIDDEN");
    }
    if (call?.status !== "active" || call.ref.accessHash !== ref.accessHash) {
      throw new TelegramRpcError(method, 400, "GROUPCALL_INVALID");
    }
    return call;
  }

  /** Whether `source` is taken in `call` (audio or presentation). */
  sourceInUse(call: CallRecord, source: number): boolean {
    return call.members.some((m) =>
      m.source === source || m.presentation?.source === source
    );
  }

  /**
   * Opens an SFU connection, tracked so `close` waits for it; one that
   * finishes after `close` is closed at once. A failure is Telegram's
   * `INTERNAL` (500) for `method`.
   */
  openEndpoint(
    method: string,
    params: string,
    presentation: boolean,
  ): Promise<SfuEndpoint> {
    const opening = this.#open(params, presentation).then(
      (endpoint) => {
        if (!this.#closed) return endpoint;
        this.retire(endpoint);
        throw new MtprotoError("the local server is closed");
      },
      (error) => {
        if (this.#closed) throw error;
        throw new TelegramRpcError(method, 500, "INTERNAL", { cause: error });
      },
    );
    this.#opening.add(opening);
    opening.then(() => {}, () => {}).finally(() =>
      this.#opening.delete(opening)
    );
    return opening;
  }

  /** Queues a participant update about `member` for every account. */
  announce(call: CallRecord, member: Member, left: boolean): void {
    this.bus.participant({
      type: "participant",
      owner: member.account,
      callId: call.ref.id,
      source: member.source,
      left,
      canSelfUnmute: member.canSelfUnmute,
      muted: member.muted,
    });
  }

  /** Takes `member` out of `call` and closes its connections. */
  remove(call: CallRecord, member: Member): Promise<void> {
    call.members = call.members.filter((m) => m !== member);
    const closing = [member.endpoint, member.presentation]
      .filter((e): e is SfuEndpoint => e !== undefined)
      .map((e) => this.retire(e));
    return Promise.all(closing).then(() => {});
  }

  /** Closes a connection, keeping it for statistics and recordings. */
  retire(endpoint: SfuEndpoint): Promise<void> {
    this.#departed.set(endpoint.source, endpoint);
    const closing = endpoint.close();
    this.#closing.add(closing);
    return closing.finally(() => this.#closing.delete(closing));
  }

  /** Stream mode off; every listener may now speak (and is told so). */
  allowSpeaking(chatId: ChatId): void {
    this.chat(chatId).streamMode = false;
    const call = this.activeCall(chatId);
    for (const member of call?.members ?? []) {
      if (member.kind !== "listener") continue;
      member.canSelfUnmute = true;
      this.announce(call!, member, false);
    }
  }

  /** Ends the chat's call for everyone (`groupCallDiscarded`). */
  async discard(chatId: ChatId): Promise<void> {
    const call = this.activeCall(chatId);
    if (!call) return;
    call.status = "discarded";
    this.bus.discarded(call.ref.id);
    await Promise.all(call.members.map((m) => this.remove(call, m)));
  }

  /** Gives the chat a new call id; the old call answers `GROUPCALL_INVALID`. */
  async replaceCall(chatId: ChatId): Promise<GroupCallRef> {
    const old = this.activeCall(chatId);
    if (old) old.status = "replaced";
    const ref = this.createCall(chatId);
    if (old) await Promise.all(old.members.map((m) => this.remove(old, m)));
    return ref;
  }

  /** Every open SFU connection, in every call. */
  connected(): { member: Member; endpoint: SfuEndpoint }[] {
    const out: { member: Member; endpoint: SfuEndpoint }[] = [];
    for (const call of this.#calls.values()) {
      for (const member of call.members) {
        if (member.endpoint) out.push({ member, endpoint: member.endpoint });
        if (member.presentation) {
          out.push({ member, endpoint: member.presentation });
        }
      }
    }
    return out;
  }

  /** The latest closed connection with `source`. */
  departed(source: number): SfuEndpoint | undefined {
    return this.#departed.get(source);
  }

  /**
   * The SFU closes the connection of `source`: a participant's main one is
   * announced as a self `left`; a presentation just closes. False if none.
   */
  async drop(source: number): Promise<boolean> {
    for (const call of this.#calls.values()) {
      for (const member of call.members) {
        if (member.presentation?.source === source) {
          const endpoint = member.presentation;
          member.presentation = undefined;
          await this.retire(endpoint);
          return true;
        }
        if (member.kind === "rtc" && member.source === source) {
          this.announce(call, member, true);
          await this.remove(call, member);
          return true;
        }
      }
    }
    return false;
  }

  /** Every SFU connection closes and its participant is forgotten. */
  async restart(): Promise<void> {
    const removals: Promise<void>[] = [];
    for (const call of this.#calls.values()) {
      for (const member of call.members) {
        if (member.kind === "rtc") removals.push(this.remove(call, member));
      }
    }
    await Promise.all(removals);
  }

  /** Closes every connection and drops pending updates; idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.bus.close();
    for (const call of this.#calls.values()) {
      for (const member of call.members) void this.remove(call, member);
    }
    while (this.#opening.size > 0 || this.#closing.size > 0) {
      await Promise.allSettled([...this.#opening, ...this.#closing]);
    }
  }
}
