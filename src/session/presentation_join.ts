/**
 * One presentation join and its undoing (telegram-wire.md §1.2; tdesktop
 * `rejoinPresentation`, py-tgcalls `join_presentation.py`):
 * `Client.createPresentation` → `phone.joinGroupCallPresentation` →
 * `Client.connectPresentation` → `Client.setPresentationSource`, which
 * resolves once connected; and `Client.stopPresentation` →
 * `phone.leaveGroupCallPresentation`. A duplicate SSRC gets a fresh
 * payload, as the main join does.
 *
 * @module
 */

import type { ChatId } from "../client/options.ts";
import { ConnectionNotFoundError, type TgCallError } from "../errors.ts";
import { isSeekable, type Source, sourceRecipe } from "../source/sources.ts";
import { PresentationUnsupportedError } from "./errors.ts";
import {
  adapterError,
  isNotInCall,
  SSRC_DUPLICATE,
  telegramText,
} from "./join_errors.ts";
import type { GroupCallRef, MtprotoAdapter } from "./mtproto_adapter.ts";
import type { SessionClient } from "./session_options.ts";

/** Why a presentation ended; reported once per `present()` that resolved. */
export interface PresentationEnd {
  /**
   * `stopped`: `stopPresenting()`; `ended`: the source played to its end
   * (`error` when it failed); `failed`: Telegram refused a re-join, or a
   * replacing source failed (`error`); `session_stopped`: the session
   * left or stopped.
   */
  readonly kind: "stopped" | "ended" | "failed" | "session_stopped";
  /** The typed error, when there is one. */
  readonly error?: TgCallError;
}

/** `onPresentationEnd` listener. */
export type PresentationEndListener = (end: PresentationEnd) => unknown;

/** The client's presentation methods, bound. */
export interface PresentationClient {
  /** `Client.createPresentation`. */
  create(chatId: ChatId): Promise<string>;
  /** `Client.connectPresentation`. */
  connect(chatId: ChatId, answerJson: string): Promise<void>;
  /** `Client.setPresentationSource`. */
  share(chatId: ChatId, source: Source, offsetMs: number): Promise<void>;
  /** `Client.stopPresentation`; none is not an error. */
  stop(chatId: ChatId): Promise<void>;
}

/**
 * The client's presentation methods, when it and the adapter have what
 * screen sharing needs.
 *
 * @throws {PresentationUnsupportedError} otherwise.
 */
export function presentationClient(
  client: SessionClient,
  adapter: MtprotoAdapter,
): PresentationClient {
  if (
    !adapter.joinGroupCallPresentation || !adapter.leaveGroupCallPresentation
  ) {
    throw new PresentationUnsupportedError(
      "The MTProto adapter has no joinGroupCallPresentation / leaveGroupCallPresentation",
    );
  }
  const { createPresentation, connectPresentation, setPresentationSource } =
    client;
  const { stopPresentation } = client;
  if (
    !createPresentation || !connectPresentation || !setPresentationSource ||
    !stopPresentation
  ) {
    throw new PresentationUnsupportedError(
      "The client has no presentation methods (createPresentation, …)",
    );
  }
  return {
    create: (chatId) => createPresentation.call(client, chatId),
    connect: (chatId, json) => connectPresentation.call(client, chatId, json),
    share: (chatId, source, offsetMs) =>
      setPresentationSource.call(client, chatId, source, { offsetMs }),
    async stop(chatId) {
      try {
        await stopPresentation.call(client, chatId);
      } catch (error) {
        if (!(error instanceof ConnectionNotFoundError)) throw error;
      }
    },
  };
}

/**
 * What is shared, and where it stood: a screen has no playout clock the
 * client reports, so the position is the scheduler time it was shared.
 */
export class SharedScreen {
  /** The source. */
  readonly source: Source;
  /** `present()` resolved: its end is reported. */
  started = false;
  #offsetMs: number;
  #startedAt = NaN;

  /** @param source Shared from `offsetMs`. */
  constructor(source: Source, offsetMs: number) {
    this.source = source;
    this.#offsetMs = offsetMs;
  }

  /** Where a (re-)join starts: the position reached, if it can seek. */
  resumeAt(now: number): number {
    if (!isSeekable(sourceRecipe(this.source))) return 0;
    const elapsed = now - this.#startedAt;
    return this.#offsetMs + (Number.isNaN(elapsed) ? 0 : elapsed);
  }

  /** It started flowing at `offsetMs`. */
  flowing(offsetMs: number, now: number): void {
    this.#offsetMs = offsetMs;
    this.#startedAt = now;
  }

  /** It stopped flowing: keep the position reached. */
  freeze(now: number): void {
    this.#offsetMs = this.resumeAt(now);
    this.#startedAt = NaN;
  }
}

/** What one presentation join needs. */
export interface PresentationJoinContext {
  /** The chat. */
  readonly chatId: ChatId;
  /** The client's presentation methods. */
  readonly client: PresentationClient;
  /** Sends the RPCs. */
  readonly adapter: MtprotoAdapter;
  /** Payloads tried on `GROUPCALL_SSRC_DUPLICATE_MUCH`. */
  readonly ssrcTries: number;
  /** Scheduler time. */
  now(): number;
  /** Telegram accepted the payload with this (unsigned) source. */
  onJoined(call: GroupCallRef, ssrc: number): void;
  /** Throws when the join became pointless (stopped, left, rejoining). */
  assertCurrent(): void;
}

/**
 * Joins `call`'s presentation and shares `screen` from where it stood;
 * resolves once connected. On failure the client's presentation and
 * Telegram's (if accepted: see `onJoined`) may remain: the caller undoes.
 *
 * @throws {TelegramRpcError} with Telegram's text when it refuses.
 * @throws {NotConnectedError} when the presentation does not connect.
 */
export async function joinPresentation(
  context: PresentationJoinContext,
  call: GroupCallRef,
  screen: SharedScreen,
): Promise<void> {
  const { chatId, client } = context;
  for (let payloads = 1;; payloads++) {
    await client.stop(chatId);
    context.assertCurrent();
    const params = await client.create(chatId);
    // The join JSON carries it signed; it crosses the adapter unsigned.
    const ssrc = (JSON.parse(params) as { ssrc: number }).ssrc >>> 0;
    let answer: string;
    try {
      answer = await context.adapter.joinGroupCallPresentation!(call, params);
    } catch (thrown) {
      const error = adapterError(thrown, "phone.joinGroupCallPresentation");
      const duplicate = telegramText(error) === SSRC_DUPLICATE;
      if (duplicate && payloads < context.ssrcTries) continue;
      throw error;
    }
    context.onJoined(call, ssrc);
    context.assertCurrent();
    await client.connect(chatId, answer);
    const offsetMs = screen.resumeAt(context.now());
    await client.share(chatId, screen.source, offsetMs);
    context.assertCurrent();
    screen.flowing(offsetMs, context.now());
    return;
  }
}

/**
 * `phone.leaveGroupCallPresentation(call)`; "not in the call" counts as
 * done.
 *
 * @throws {TgCallError} when Telegram refused.
 */
export async function leavePresentation(
  adapter: MtprotoAdapter,
  call: GroupCallRef,
): Promise<void> {
  try {
    await adapter.leaveGroupCallPresentation!(call);
  } catch (thrown) {
    const error = adapterError(thrown, "phone.leaveGroupCallPresentation");
    if (!isNotInCall(error)) throw error;
  }
}
