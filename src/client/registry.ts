/**
 * A client's calls, one per chat, with gotgcall's registry rules: a second
 * call for a chat is refused synchronously — the first wins, the others
 * fail with {@linkcode ConnectionExistsError} before anything is
 * allocated; failed, timed-out and closed calls are reaped on the next
 * lookup (their resources released in the background), so a retry just
 * works; a stopped call frees its chat id; every operation after `close`
 * throws {@linkcode ClosedError}.
 *
 * @module
 */

import { GroupCall } from "../call/group_call.ts";
import type { RtmpCall } from "../call/rtmp_call.ts";
import {
  ClosedError,
  ConnectionExistsError,
  ConnectionNotFoundError,
  WrongModeError,
} from "../errors.ts";
import type { ConnectionState, MediaState } from "../call/types.ts";
import { type ChatId, chatKey } from "./options.ts";

/** Either kind of call. */
export type Call = GroupCall | RtmpCall;

/** One entry of `Client.calls`. */
export interface CallInfo {
  /** WebRTC group call or RTMP push. */
  mode: "webrtc" | "rtmp";
  /** Connection state. */
  state: ConnectionState | "new";
  /** Whether a source is set and not finished. */
  playing: boolean;
  /** Media state. */
  media: MediaState;
  /** Playback position, ms. */
  timeMs: number;
}

function callInfo(call: Call): CallInfo {
  return {
    mode: call instanceof GroupCall ? "webrtc" : "rtmp",
    state: call.state,
    playing: call.playing,
    media: call.mediaState(),
    timeMs: call.time(),
  };
}

interface Entry {
  chatId: ChatId;
  call: Call;
}

/** The calls of one client, keyed by chat. */
export class CallRegistry {
  readonly #calls = new Map<string, Entry>();
  /** Reaped calls still releasing their resources. */
  readonly #dying = new Set<Promise<void>>();
  #closed = false;

  /**
   * The live call of `chatId` (a dead one is reaped).
   *
   * @throws {ConnectionNotFoundError} when there is none.
   */
  lookup(chatId: ChatId): Call {
    this.#assertOpen();
    const key = chatKey(chatId);
    const entry = this.#calls.get(key);
    if (entry?.call.dead) this.#reap(key, entry.call);
    if (!entry || entry.call.dead) {
      throw new ConnectionNotFoundError(`No call for chat ${chatId}`);
    }
    return entry.call;
  }

  /**
   * The live WebRTC call of `chatId`.
   *
   * @throws {WrongModeError} when it is an RTMP call (`method` names the
   * caller in the message).
   */
  lookupGroup(chatId: ChatId, method: string): GroupCall {
    const call = this.lookup(chatId);
    if (!(call instanceof GroupCall)) {
      throw new WrongModeError(`${method} is not available on an RTMP call`);
    }
    return call;
  }

  /**
   * Registers the call `create` builds for a chat, after checking — all
   * synchronously, so concurrent calls for one chat cannot interleave —
   * that no live call exists (a dead one is reaped). Nothing is allocated
   * for a refused chat, and nothing is registered if `create` throws.
   *
   * @throws {ConnectionExistsError} when the chat has a live call.
   */
  register<C extends Call>(chatId: ChatId, create: () => C): C {
    this.#assertOpen();
    const key = chatKey(chatId);
    const existing = this.#calls.get(key);
    if (existing && !existing.call.dead) {
      throw new ConnectionExistsError(`Chat ${chatId} already has a call`);
    }
    if (existing) this.#reap(key, existing.call);
    const call = create();
    this.#calls.set(key, { chatId, call });
    return call;
  }

  /**
   * Removes the call of `chatId`, dead or alive, for the caller to stop.
   *
   * @throws {ConnectionNotFoundError} when there is none.
   */
  remove(chatId: ChatId): Call {
    this.#assertOpen();
    const key = chatKey(chatId);
    const entry = this.#calls.get(key);
    if (!entry) {
      throw new ConnectionNotFoundError(`No call for chat ${chatId}`);
    }
    this.#calls.delete(key);
    return entry.call;
  }

  /** Every live call by chat id, as given at creation; dead ones are reaped. */
  infos(): Map<ChatId, CallInfo> {
    this.#assertOpen();
    const out = new Map<ChatId, CallInfo>();
    for (const [key, { chatId, call }] of this.#calls) {
      if (call.dead) this.#reap(key, call);
      else out.set(chatId, callInfo(call));
    }
    return out;
  }

  /** Closes the registry, stops every call and waits for reaped ones. */
  async close(): Promise<void> {
    this.#closed = true;
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    await Promise.all(calls.map((e) => e.call.stop()));
    await Promise.all([...this.#dying]);
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError("The client is closed");
  }

  /** Drops a failed/timed-out call and makes sure its resources are gone. */
  #reap(key: string, call: Call): void {
    if (this.#calls.get(key)?.call === call) this.#calls.delete(key);
    const done: Promise<void> = call.dispose().catch(() => {}).finally(() =>
      this.#dying.delete(done)
    );
    this.#dying.add(done);
  }
}
