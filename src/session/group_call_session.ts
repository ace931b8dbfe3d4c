/**
 * {@linkcode joinGroupCall} and the {@linkcode GroupCallSession} it returns:
 * a group-call membership that looks after itself. It joins through an
 * {@linkcode MtprotoAdapter}, plays through a {@linkcode Client}, treats
 * stream mode as a state, rejoins after outages and kicks with backoff,
 * resumes playback at the position played, and keeps a screen share up
 * alongside (see `membership.ts` and `presentation_leg.ts` for the rules
 * and their sources).
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
import type { PresentationEndListener } from "./presentation_join.ts";
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
 * import { Client, fromFile, joinGroupCall, SCREENCAST } from "jsr:@x/tgcall";
 * import { mtcuteAdapter } from "jsr:@x/tgcall/mtcute";
 *
 * await using client = await Client.create();
 * const session = await joinGroupCall(client, mtcuteAdapter(tg), chatId);
 * session.onStateChange((state, info) => console.log(state, info.reason));
 * await session.play(fromFile("song.mp3"));
 * // Screen sharing: a second, video-only connection; the song goes on.
 * session.onPresentationEnd((end) => console.log("screen", end.kind));
 * await session.present(fromFile("slides.mp4", SCREENCAST));
 * await session.stopPresenting();
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
   * Shares `source`'s video as a presentation (screen sharing): a second,
   * video-only connection of our participant (`Client.createPresentation`
   * → `phone.joinGroupCallPresentation` → `Client.connectPresentation` →
   * `Client.setPresentationSource`). Resolves once it is connected and
   * sharing; while sharing, replaces the source. What {@linkcode play}
   * plays goes on. The presentation is kept up: re-joined when Telegram
   * drops it or its transport fails, and after every session rejoin (same
   * source, at the position reached when it can seek); it ends when the
   * source ends, on {@linkcode stopPresenting} and on {@linkcode leave},
   * each reported once to {@linkcode onPresentationEnd}.
   *
   * @throws {PresentationUnsupportedError} when the adapter (or client)
   * has no presentation methods.
   * @throws {NotConnectedError} unless the session is `connected`, or when
   * the presentation does not connect.
   * @throws {TelegramRpcError} when Telegram refuses (its text kept).
   * @throws {ClosedError} after the session stopped.
   * @throws {InvalidParamsError} for a non-source, a bad offset or a
   * source without video.
   */
  async present(
    source: Source,
    options: StreamSourceOptions = {},
  ): Promise<void> {
    this.#m.assertRunning();
    const offsetMs = options.offsetMs ?? 0;
    sourceRecipe(source); // throws InvalidParamsError for a non-source
    if (!Number.isFinite(offsetMs) || offsetMs < 0) {
      throw new InvalidParamsError(
        `offsetMs must be a finite number ≥ 0, got ${offsetMs}`,
      );
    }
    await this.#m.presentation.present(source, offsetMs);
  }

  /**
   * Ends the presentation: `Client.stopPresentation`, then
   * `phone.leaveGroupCallPresentation`. The call and what it plays go on.
   * Idempotent (nothing shared: nothing happens).
   *
   * @throws {TelegramRpcError} when Telegram refused the leave (the
   * presentation is ended anyway).
   */
  stopPresenting(): Promise<void> {
    return this.#m.presentation.stop();
  }

  /** Whether a presentation is shared (also while it is being re-joined). */
  get presenting(): boolean {
    return this.#m.presentation.presenting;
  }

  /** The presentation's source (unsigned) while Telegram has it joined. */
  get presentationSource(): number | undefined {
    return this.#m.presentation.ssrc;
  }

  /**
   * Reports the end of each presentation {@linkcode present} started,
   * exactly once (see `PresentationEnd.kind`); returns the unsubscribe.
   */
  onPresentationEnd(listener: PresentationEndListener): () => void {
    return this.#m.presentation.onEnd(listener);
  }

  /**
   * Leaves: the presentation first (`phone.leaveGroupCallPresentation`),
   * then `phone.leaveGroupCall(call, our audio source)`, the client call
   * stopped, every timer and subscription released, `stopped` reported
   * (kind `left`). Idempotent; after the session stopped by itself it only
   * waits for the release.
   *
   * @throws {TelegramRpcError} when Telegram refused the leave (the
   * session is stopped anyway).
   */
  leave(): Promise<void> {
    const m = this.#m;
    return this.#leaving ??= m.presentation.leave().then(() => m.leave());
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
