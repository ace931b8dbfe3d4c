/**
 * One join, from payload to connected: `Client.createCall` →
 * `phone.joinGroupCall` → `Client.connect` → wait for the transport.
 *
 * Retries that belong to a single join happen here (telegram-wire.md §8):
 * `GROUPCALL_SSRC_DUPLICATE_MUCH` gets a fresh payload — the previous client
 * call is stopped and a new one created, so SSRCs, ICE ufrag/pwd and the
 * DTLS certificate all change — up to `ssrcTries` payloads; a stale call
 * (`GROUPCALL_FORBIDDEN` / `GROUPCALL_INVALID`) is fetched again with
 * `getGroupCall` and the join retried once, as py-tgcalls does
 * (pytgcalls#298). Waiting between joins is the session's business.
 *
 * @module
 */

import type { ChatId } from "../client/options.ts";
import {
  ConnectionNotFoundError,
  StreamModeError,
  type TgCallError,
} from "../errors.ts";
import { GroupCallNotFoundError } from "./errors.ts";
import {
  adapterError,
  isStaleCall,
  SSRC_DUPLICATE,
  telegramText,
} from "./join_errors.ts";
import type { GroupCallRef, MtprotoAdapter } from "./mtproto_adapter.ts";
import type {
  ResolvedSessionOptions,
  SessionClient,
} from "./session_options.ts";

/** What one join needs from its session. */
export interface JoinAttemptContext {
  /** The client that owns the call. */
  readonly client: SessionClient;
  /** The MTProto side. */
  readonly adapter: MtprotoAdapter;
  /** The chat. */
  readonly chatId: ChatId;
  /** `video`, `joinAs`, `inviteHash` and `ssrcTries` (payloads tried on a duplicate SSRC). */
  readonly options: Pick<
    ResolvedSessionOptions,
    "video" | "joinAs" | "inviteHash" | "ssrcTries"
  >;
  /**
   * Called with the call and the payload's audio source (unsigned) just
   * before `phone.joinGroupCall` is sent: the updates that answer it can
   * arrive before the RPC result.
   */
  onPayload(call: GroupCallRef, source: number): void;
  /** Called once Telegram accepted a payload. */
  onJoined(call: GroupCallRef, source: number): void;
  /** Resolves once the client's call is connected; rejects otherwise. */
  waitConnected(): Promise<void>;
  /** Throws when the session stopped meanwhile. */
  assertLive(): void;
}

/** How a join ended. */
export interface JoinOutcome {
  /** `rtc`: connected; `stream`: Telegram made us a listener. */
  readonly mode: "rtc" | "stream";
  /** The call joined (re-resolved when the cached one was stale). */
  readonly call: GroupCallRef;
  /** Our audio source in it (unsigned). */
  readonly source: number;
}

/**
 * The chat's active call, via the adapter.
 *
 * @throws {GroupCallNotFoundError} when it has none (`cause`: the error that
 * sent us looking again, if any).
 */
export async function resolveGroupCall(
  adapter: MtprotoAdapter,
  chatId: ChatId,
  cause?: TgCallError,
): Promise<GroupCallRef> {
  let call: GroupCallRef | null;
  try {
    call = await adapter.getGroupCall(chatId);
  } catch (error) {
    throw adapterError(error, "getGroupCall");
  }
  if (!call) {
    throw new GroupCallNotFoundError(
      `Chat ${chatId} has no active group call`,
      cause ? { cause } : undefined,
    );
  }
  return call;
}

/** Stops the chat's client call, if there is one. */
export async function stopClientCall(
  client: SessionClient,
  chatId: ChatId,
): Promise<void> {
  try {
    await client.stop(chatId);
  } catch (error) {
    if (!(error instanceof ConnectionNotFoundError)) throw error;
  }
}

/**
 * Joins `call` (resolved first when `undefined`) and waits until connected
 * or made a listener. On failure the client call may still exist: the
 * caller stops it.
 *
 * @throws {TelegramRpcError} with Telegram's text when it refuses the join.
 * @throws {GroupCallNotFoundError} when re-resolving finds no call.
 * @throws {RtmpModeError} for an RTMP call.
 * @throws {NotConnectedError} when the transport does not connect.
 */
export async function joinAttempt(
  context: JoinAttemptContext,
  call: GroupCallRef | undefined,
): Promise<JoinOutcome> {
  const { client, adapter, chatId } = context;
  const { video, joinAs, inviteHash, ssrcTries } = context.options;
  let target = call ?? await resolveGroupCall(adapter, chatId);
  let payloads = 0;
  let reresolved = false;
  for (;;) {
    context.assertLive();
    await stopClientCall(client, chatId);
    const params = await client.createCall(chatId, { video });
    payloads++;
    // The join JSON carries it signed; it crosses the adapter unsigned.
    const source = client.audioSsrc(chatId) >>> 0;
    context.onPayload(target, source);
    let answer: string;
    try {
      answer = await adapter.joinGroupCall({
        call: target,
        params,
        muted: false,
        videoStopped: !video,
        joinAs,
        inviteHash,
      });
    } catch (thrown) {
      const error = adapterError(thrown, "phone.joinGroupCall");
      if (
        telegramText(error) === SSRC_DUPLICATE && payloads < ssrcTries
      ) continue;
      if (isStaleCall(error) && !reresolved) {
        reresolved = true;
        context.assertLive();
        target = await resolveGroupCall(adapter, chatId, error);
        continue;
      }
      throw error;
    }
    context.onJoined(target, source);
    context.assertLive();
    try {
      await client.connect(chatId, answer);
    } catch (error) {
      if (error instanceof StreamModeError) {
        return { mode: "stream", call: target, source };
      }
      throw error;
    }
    await context.waitConnected();
    return { mode: "rtc", call: target, source };
  }
}
