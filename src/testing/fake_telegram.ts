/**
 * An {@linkcode MtprotoAdapter} that behaves like Telegram for one account
 * of a {@linkcode LocalGroupCallServer}: joins are answered by the local
 * SFU in Telegram's JSON, errors carry Telegram's texts, and participant
 * updates arrive asynchronously as an MTProto client would deliver them.
 *
 * Semantics (telegram-wire.md §2, §8):
 * - `joinGroupCall` parses the join payload (`DATA_JSON_INVALID` if
 *   malformed), refuses a source already in the call
 *   (`GROUPCALL_SSRC_DUPLICATE_MUCH`), replaces this account's previous
 *   participant (one per account per call, no update for the old one), and
 *   announces the new self participant (`left: false`, its source).
 * - In stream mode a join answers `{"stream":true}` and the account is a
 *   muted listener that may not unmute; no SFU connection exists.
 * - `leaveGroupCall` closes the participant and announces a self `left`;
 *   leaving with a source that is not joined does nothing, and source 0
 *   means "my participant", as pytgcalls sends it.
 * - `checkGroupCall` returns the given sources this account still has in
 *   the call (audio or presentation), as given.
 *
 * @module
 */

import type { ChatId } from "../client/options.ts";
import { TelegramRpcError } from "../session/errors.ts";
import type {
  EditSelfRequest,
  GroupCallRef,
  GroupCallUpdate,
  JoinGroupCallRequest,
  MtprotoAdapter,
} from "../session/mtproto_adapter.ts";
import type {
  CallRecord,
  GroupCallRegistry,
  Member,
} from "./group_call_registry.ts";
import { type JoinPayload, parseJoinPayload } from "./telegram_sdp.ts";
import type { AccountId } from "./update_bus.ts";

/** One request the fake Telegram received, for assertions. */
export interface TelegramRequest {
  /** The adapter method, e.g. `"joinGroupCall"`, `"leaveGroupCall"`. */
  method: string;
  /**
   * Its arguments: the request object for `joinGroupCall` and
   * `editGroupCallParticipant`; otherwise `{ chatId }`, `{ call, source }`,
   * `{ call, sources }`, `{ call, params }` or `{ call }`.
   */
  args: unknown;
}

/**
 * One Telegram account on a {@linkcode LocalGroupCallServer}
 * (`server.telegram`, or `server.newAccount()` for another participant in
 * the same call).
 *
 * @example
 * ```ts
 * import { LocalGroupCallServer } from "./local_group_call_server.ts";
 *
 * await using server = await LocalGroupCallServer.start();
 * const call = server.createGroupCall(-100123);
 * server.telegram.failNextJoins("GROUPCALL_FORBIDDEN", 1, 403);
 * await server.telegram.joinGroupCall({ call, params: "{}", muted: true, videoStopped: true })
 *   .catch((error) => console.log(error.telegramText)); // "GROUPCALL_FORBIDDEN"
 * console.log(server.telegram.requests.map((r) => r.method)); // ["joinGroupCall"]
 * ```
 */
export class FakeTelegram implements MtprotoAdapter {
  /** Every request received, in order. */
  readonly requests: TelegramRequest[] = [];
  readonly #registry: GroupCallRegistry;
  readonly #account: AccountId;
  #failures: { text: string; code: number }[] = [];

  /** @internal Created by {@linkcode LocalGroupCallServer}. */
  constructor(registry: GroupCallRegistry, account: AccountId) {
    this.#registry = registry;
    this.#account = account;
  }

  /** The chat's active call, or null (ended or never started). */
  getGroupCall(chatId: ChatId): Promise<GroupCallRef | null> {
    this.requests.push({ method: "getGroupCall", args: { chatId } });
    return Promise.resolve(this.#registry.activeCall(chatId)?.ref ?? null);
  }

  /** `phone.joinGroupCall`: the answer JSON, or `{"stream":true}`. */
  async joinGroupCall(request: JoinGroupCallRequest): Promise<string> {
    this.requests.push({ method: "joinGroupCall", args: request });
    const method = "phone.joinGroupCall";
    await Promise.resolve(); // an RPC never answers synchronously
    const failure = this.#failures.shift();
    if (failure) throw new TelegramRpcError(method, failure.code, failure.text);
    const registry = this.#registry;
    const call = registry.resolve(method, request.call);
    const join = this.#parse(method, request.params, call);
    const previous = call.members.find((m) => m.account === this.#account);
    if (previous) void registry.remove(call, previous);
    const stream = call.chat.streamMode;
    const member: Member = {
      account: this.#account,
      source: join.audioSsrc,
      kind: stream ? "listener" : "rtc",
      muted: stream || request.muted,
      canSelfUnmute: !stream,
    };
    call.members.push(member);
    if (stream) {
      registry.announce(call, member, false);
      return JSON.stringify({ stream: true });
    }
    let endpoint;
    try {
      endpoint = await registry.openEndpoint(method, request.params, false);
    } catch (error) {
      call.members = call.members.filter((m) => m !== member);
      throw error;
    }
    if (call.status !== "active" || !call.members.includes(member)) {
      void registry.retire(endpoint);
      // Ended meanwhile: its error. Dropped by a restart: a dead answer.
      registry.resolve(method, request.call);
      return endpoint.answerJson;
    }
    member.endpoint = endpoint;
    registry.announce(call, member, false);
    return endpoint.answerJson;
  }

  #parse(method: string, params: string, call: CallRecord): JoinPayload {
    let join: JoinPayload;
    try {
      join = parseJoinPayload(params);
    } catch (error) {
      throw new TelegramRpcError(method, 400, "DATA_JSON_INVALID", {
        cause: error,
      });
    }
    if (this.#registry.sourceInUse(call, join.audioSsrc)) {
      throw new TelegramRpcError(method, 400, "GROUPCALL_SSRC_DUPLICATE_MUCH");
    }
    return join;
  }

  #own(method: string, call: CallRecord): Member {
    const member = call.members.find((m) => m.account === this.#account);
    if (!member) {
      throw new TelegramRpcError(method, 400, "GROUPCALL_JOIN_MISSING");
    }
    return member;
  }

  /** `phone.leaveGroupCall(call, source)`. */
  async leaveGroupCall(call: GroupCallRef, source: number): Promise<void> {
    this.requests.push({ method: "leaveGroupCall", args: { call, source } });
    await Promise.resolve();
    const record = this.#registry.resolve("phone.leaveGroupCall", call);
    const member = record.members.find((m) =>
      m.account === this.#account &&
      (source === 0 || m.source === source >>> 0)
    );
    if (!member) return;
    this.#registry.announce(record, member, true);
    await this.#registry.remove(record, member);
  }

  /** `phone.checkGroupCall`: the subset of `sources` still joined. */
  async checkGroupCall(
    call: GroupCallRef,
    sources: number[],
  ): Promise<number[]> {
    this.requests.push({ method: "checkGroupCall", args: { call, sources } });
    await Promise.resolve();
    const record = this.#registry.resolve("phone.checkGroupCall", call);
    return sources.filter((s) =>
      record.members.some((m) =>
        m.account === this.#account &&
        (m.source === s >>> 0 || m.presentation?.source === s >>> 0)
      )
    );
  }

  /** `phone.editGroupCallParticipant` for ourselves; announces the result. */
  async editGroupCallParticipant(request: EditSelfRequest): Promise<void> {
    this.requests.push({ method: "editGroupCallParticipant", args: request });
    await Promise.resolve();
    const method = "phone.editGroupCallParticipant";
    const call = this.#registry.resolve(method, request.call);
    const member = this.#own(method, call);
    if (request.muted !== undefined) member.muted = request.muted;
    this.#registry.announce(call, member, false);
  }

  /** `phone.joinGroupCallPresentation`: a second SFU connection, video only. */
  async joinGroupCallPresentation(
    call: GroupCallRef,
    params: string,
  ): Promise<string> {
    this.requests.push({
      method: "joinGroupCallPresentation",
      args: { call, params },
    });
    await Promise.resolve();
    const method = "phone.joinGroupCallPresentation";
    const registry = this.#registry;
    const record = registry.resolve(method, call);
    const member = this.#own(method, record);
    this.#parse(method, params, record);
    if (member.presentation) void registry.retire(member.presentation);
    member.presentation = undefined;
    const endpoint = await registry.openEndpoint(method, params, true);
    if (record.status !== "active" || !record.members.includes(member)) {
      void registry.retire(endpoint);
      registry.resolve(method, call);
      throw new TelegramRpcError(method, 400, "GROUPCALL_JOIN_MISSING");
    }
    member.presentation = endpoint;
    return endpoint.answerJson;
  }

  /** `phone.leaveGroupCallPresentation`. */
  async leaveGroupCallPresentation(call: GroupCallRef): Promise<void> {
    this.requests.push({
      method: "leaveGroupCallPresentation",
      args: { call },
    });
    await Promise.resolve();
    const record = this.#registry.resolve(
      "phone.leaveGroupCallPresentation",
      call,
    );
    const member = record.members.find((m) => m.account === this.#account);
    const endpoint = member?.presentation;
    if (member) member.presentation = undefined;
    if (endpoint) await this.#registry.retire(endpoint);
  }

  /** Subscribes to updates of every call; returns the unsubscribe function. */
  onUpdate(listener: (update: GroupCallUpdate) => void): () => void {
    return this.#registry.bus.subscribe(this.#account, listener);
  }

  /** The next `times` joins reject with `TelegramRpcError(code, text)`. */
  failNextJoins(text: string, times = 1, code = 400): void {
    for (let i = 0; i < times; i++) this.#failures.push({ text, code });
  }

  /**
   * Stream mode for the chat: joins answer `{"stream":true}` and the
   * account becomes a muted listener (`canSelfUnmute: false`).
   */
  setStreamMode(chatId: ChatId, on: boolean): void {
    this.#registry.chat(chatId).streamMode = on;
  }

  /**
   * An admin lets listeners speak: stream mode off, and every listener is
   * announced with `canSelfUnmute: true` (still muted).
   */
  allowSpeaking(chatId: ChatId): void {
    this.#registry.allowSpeaking(chatId);
  }

  /**
   * The SFU drops this account's participant: its connection closes and a
   * self `left: true` with its source is announced. False if not joined.
   */
  async kickSelf(chatId: ChatId): Promise<boolean> {
    const call = this.#registry.activeCall(chatId);
    const member = call?.members.find((m) => m.account === this.#account);
    if (!call || !member) return false;
    this.#registry.announce(call, member, true);
    await this.#registry.remove(call, member);
    return true;
  }

  /**
   * The account joins the chat's call from another device: a self
   * participant with a new source (`left: false`) is announced and this
   * device's participant is closed. Returns the new source.
   */
  async joinFromAnotherDevice(chatId: ChatId): Promise<number> {
    const method = "phone.joinGroupCall";
    const registry = this.#registry;
    const call = registry.activeCall(chatId);
    if (!call) throw new TelegramRpcError(method, 400, "GROUPCALL_INVALID");
    let source = 0;
    while (source === 0 || registry.sourceInUse(call, source)) {
      source = crypto.getRandomValues(new Uint32Array(1))[0] & 0x7fffffff;
    }
    const previous = call.members.find((m) => m.account === this.#account);
    const member: Member = {
      account: this.#account,
      source,
      kind: "elsewhere",
      muted: false,
      canSelfUnmute: true,
    };
    call.members.push(member);
    registry.announce(call, member, false);
    if (previous) await registry.remove(call, previous);
    return source;
  }

  /**
   * Ends the chat's call for everyone: `{ type: "discarded" }` is
   * announced, every connection closes, later calls get
   * `GROUPCALL_FORBIDDEN` and `getGroupCall` returns null.
   */
  discard(chatId: ChatId): Promise<void> {
    return this.#registry.discard(chatId);
  }

  /**
   * The chat gets a new call id (its participants' connections close
   * silently); the old id answers `GROUPCALL_INVALID`. Returns the new call.
   */
  replaceCall(chatId: ChatId): Promise<GroupCallRef> {
    return this.#registry.replaceCall(chatId);
  }
}
