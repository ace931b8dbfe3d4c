/**
 * {@linkcode joinGroupCall} and the {@linkcode GroupCallSession} it returns:
 * a group-call membership that looks after itself. It joins through an
 * {@linkcode MtprotoAdapter}, plays through a {@linkcode Client}, treats
 * stream mode as a state, rejoins after outages and kicks with backoff, and
 * resumes playback at the position played (see `membership.ts` for the
 * rules and their sources).
 *
 * @module
 */

import type { ChatId, StreamSourceOptions } from "../client/options.ts";
import {
  InvalidParamsError,
  NoSourceError,
  SeekUnsupportedError,
} from "../errors.ts";
import { isSeekable, type Source, sourceRecipe } from "../source/sources.ts";
import { Membership } from "./membership.ts";
import type { GroupCallRef, MtprotoAdapter } from "./mtproto_adapter.ts";
import {
  type JoinGroupCallOptions,
  resolveSessionOptions,
  type SessionClient,
} from "./session_options.ts";
import type {
  SessionState,
  SessionStateListener,
  StopReason,
} from "./session_state.ts";

/**
 * One chat's group-call membership. Create with {@linkcode joinGroupCall}.
 *
 * @example
 * ```ts ignore
 * import { Client, fromFile, joinGroupCall } from "jsr:@x/tgcall";
 * import { mtcuteAdapter } from "jsr:@x/tgcall/mtcute";
 *
 * await using client = await Client.create();
 * const session = await joinGroupCall(client, mtcuteAdapter(tg), chatId);
 * session.onStateChange((state, info) => console.log(state, info.reason));
 * await session.play(fromFile("song.mp3"));
 * // … later
 * await session.leave();
 * ```
 */
export class GroupCallSession implements AsyncDisposable {
  readonly #m: Membership;
  #leaving: Promise<void> | undefined;

  private constructor(membership: Membership) {
    this.#m = membership;
  }

  /**
   * Joins and resolves once connected (or listening); see
   * {@linkcode joinGroupCall}.
   */
  static async join(
    client: SessionClient,
    adapter: MtprotoAdapter,
    chatId: ChatId,
    options: JoinGroupCallOptions = {},
  ): Promise<GroupCallSession> {
    const resolved = resolveSessionOptions(options);
    const membership = new Membership(client, adapter, chatId, resolved);
    await membership.start();
    return new GroupCallSession(membership);
  }

  /** The chat. */
  get chatId(): ChatId {
    return this.#m.chatId;
  }

  /** Where the session is; see {@linkcode SessionState}. */
  get state(): SessionState {
    return this.#m.machine.state;
  }

  /** Why it stopped; `undefined` while it runs. */
  get stopReason(): StopReason | undefined {
    return this.#m.stopReason;
  }

  /** The group call joined (changes when a stale call is re-resolved). */
  get call(): GroupCallRef | undefined {
    return this.#m.call;
  }

  /** Our current audio source (unsigned); changes with every rejoin. */
  get source(): number | undefined {
    return this.#m.source;
  }

  /**
   * Reports state changes, in order and never re-entrantly; returns the
   * unsubscribe function. `stopped` comes exactly once.
   */
  onStateChange(listener: SessionStateListener): () => void {
    return this.#m.machine.onChange(listener);
  }

  /**
   * Plays `source` (= `Client.setStreamSources`) and remembers it, so a
   * rejoin resumes it at the position played. While not connected
   * (listening, rejoining) it starts once connected.
   *
   * @throws {ClosedError} after the session stopped.
   * @throws {InvalidParamsError} for a non-source or a bad offset.
   */
  async play(source: Source, options: StreamSourceOptions = {}): Promise<void> {
    this.#m.assertRunning();
    const offsetMs = options.offsetMs ?? 0;
    sourceRecipe(source); // throws InvalidParamsError for a non-source
    if (!Number.isFinite(offsetMs) || offsetMs < 0) {
      throw new InvalidParamsError(
        `offsetMs must be a finite number ≥ 0, got ${offsetMs}`,
      );
    }
    if (this.#m.live) await this.#m.media.playNow(source, offsetMs);
    else this.#m.media.remember(source, offsetMs);
  }

  /** Pauses playback (kept across rejoins); `false` when already paused. */
  pause(): Promise<boolean> {
    return this.#toggle("paused", true, (c, id) => c.pause(id));
  }

  /** Resumes playback; `false` when not paused. */
  resume(): Promise<boolean> {
    return this.#toggle("paused", false, (c, id) => c.resume(id));
  }

  /** Mutes (kept across rejoins); `false` when already muted. */
  mute(): Promise<boolean> {
    return this.#toggle("muted", true, (c, id) => c.mute(id));
  }

  /** Unmutes; `false` when not muted. */
  unmute(): Promise<boolean> {
    return this.#toggle("muted", false, (c, id) => c.unmute(id));
  }

  /**
   * Seeks by `deltaMs` (negative: back).
   *
   * @throws {NoSourceError} when nothing is playing.
   * @throws {SeekUnsupportedError} when the source cannot seek.
   */
  async seekBy(deltaMs: number): Promise<void> {
    const m = this.#m;
    m.assertRunning();
    if (!Number.isFinite(deltaMs)) {
      throw new InvalidParamsError(`Invalid seek delta ${deltaMs}`);
    }
    if (m.live) {
      await m.client.seekBy(m.chatId, deltaMs);
      if (m.machine.state === "connected") m.media.sample();
      else m.media.seekBy(deltaMs);
      return;
    }
    const source = m.media.source;
    if (!source) {
      throw new NoSourceError(`Nothing is playing in chat ${m.chatId}`);
    }
    if (!isSeekable(sourceRecipe(source))) {
      throw new SeekUnsupportedError(`${source.description} cannot seek`);
    }
    m.media.seekBy(deltaMs);
  }

  /**
   * Playback position, ms. While not connected it is the position last
   * played while connected: where playback resumes after a rejoin.
   */
  time(): number {
    const m = this.#m;
    if (m.machine.state !== "connected") return m.media.positionMs;
    try {
      return m.client.time(m.chatId);
    } catch {
      return m.media.positionMs;
    }
  }

  /**
   * Leaves: `phone.leaveGroupCall(call, our audio source)`, the client call
   * stopped, every timer and subscription released, `stopped` reported
   * (kind `left`). Idempotent; after the session stopped by itself it only
   * waits for the release.
   *
   * @throws {TelegramRpcError} when Telegram refused the leave (the
   * session is stopped anyway).
   */
  leave(): Promise<void> {
    return this.#leaving ??= this.#m.leave();
  }

  /** `await using session = await joinGroupCall(…)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.leave();
  }

  async #toggle(
    flag: "paused" | "muted",
    on: boolean,
    apply: (client: SessionClient, chatId: ChatId) => Promise<boolean>,
  ): Promise<boolean> {
    const m = this.#m;
    m.assertRunning();
    const changed = m.media[flag] !== on;
    m.media[flag] = on;
    return m.live ? await apply(m.client, m.chatId) : changed;
  }
}

/**
 * Joins the chat's group call and keeps the membership alive (see
 * {@linkcode GroupCallSession}). Resolves once connected — or listening,
 * when Telegram made the account a listener; it rejoins by itself once
 * allowed to speak. Rejects with a typed error otherwise, leaving nothing
 * running.
 *
 * @throws {GroupCallNotFoundError} when the chat has no active call.
 * @throws {TelegramRpcError} when Telegram refuses the join (its text kept).
 * @throws {RtmpModeError} for an RTMP call.
 * @throws {NotConnectedError} when the transport does not connect.
 *
 * @example
 * ```ts ignore
 * import { Client, fromFile, joinGroupCall } from "jsr:@x/tgcall";
 *
 * await using client = await Client.create();
 * await using session = await joinGroupCall(client, adapter, chatId, {
 *   checkIntervalMs: 4000,
 *   backoff: { baseMs: 1000, maxMs: 30_000 },
 * });
 * await session.play(fromFile("song.mp3"));
 * ```
 */
export function joinGroupCall(
  client: SessionClient,
  adapter: MtprotoAdapter,
  chatId: ChatId,
  options: JoinGroupCallOptions = {},
): Promise<GroupCallSession> {
  return GroupCallSession.join(client, adapter, chatId, options);
}
