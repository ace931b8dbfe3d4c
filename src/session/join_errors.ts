/**
 * How a session reads adapter failures: which Telegram errors mean "new
 * payload", "re-resolve the call", "wait and retry" or "give up"
 * (telegram-wire.md §8; tdesktop `joinFail`, MadelineProto's retry loop,
 * py-tgcalls' refetch on a stale `InputGroupCall`, pytgcalls#298).
 *
 * @module
 */

import { NotConnectedError, SocketError, TgCallError } from "../errors.ts";
import { MtprotoError, TelegramRpcError } from "./errors.ts";

/** The SSRC collided with another participant's: build a new payload. */
export const SSRC_DUPLICATE = "GROUPCALL_SSRC_DUPLICATE_MUCH";

/**
 * Whatever an adapter threw, as a {@linkcode TgCallError}: tgcall errors
 * pass through (so `TelegramRpcError` keeps Telegram's text), anything else
 * becomes an {@linkcode MtprotoError} with the original as `cause`.
 */
export function adapterError(error: unknown, method: string): TgCallError {
  if (error instanceof TgCallError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new MtprotoError(`${method} failed: ${message}`, { cause: error });
}

/** Telegram's error text, when `error` is an RPC error. */
export function telegramText(error: unknown): string | undefined {
  return error instanceof TelegramRpcError ? error.telegramText : undefined;
}

/**
 * `GROUPCALL_FORBIDDEN` / `GROUPCALL_INVALID`: the cached `InputGroupCall`
 * is stale (the call ended, or was replaced by a new one); fetch it again.
 */
export function isStaleCall(error: unknown): boolean {
  const text = telegramText(error);
  return text === "GROUPCALL_FORBIDDEN" || text === "GROUPCALL_INVALID";
}

/**
 * Errors saying we are no longer (or never were) in the call: a liveness
 * check that gets one rejoins, and `leave()` ignores one.
 */
export function isNotInCall(error: unknown): boolean {
  return telegramText(error) === "GROUPCALL_JOIN_MISSING" ||
    isStaleCall(error) || telegramText(error) === "GROUPCALL_ALREADY_DISCARDED";
}

/** `FLOOD_WAIT_n` / `FLOOD_PREMIUM_WAIT_n`: ms Telegram asks us to wait, else 0. */
export function floodWaitMs(error: unknown): number {
  const match = /^FLOOD_(?:PREMIUM_)?WAIT_(\d+)$/.exec(
    telegramText(error) ?? "",
  );
  return match ? Number(match[1]) * 1000 : 0;
}

/**
 * Whether a failed rejoin is worth another try later: the network or the
 * MTProto connection (no answer from Telegram), our transport (ICE/DTLS did
 * not connect), a flood wait, or a Telegram-side internal error (5xx).
 * Everything else — the call is gone, the account may not join, an RTMP
 * call, bad arguments — stops the session.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof TelegramRpcError) {
    return error.telegramCode >= 500 || floodWaitMs(error) > 0 ||
      error.telegramText === SSRC_DUPLICATE ||
      error.telegramText === "GROUPCALL_JOIN_MISSING";
  }
  return error instanceof MtprotoError || error instanceof NotConnectedError ||
    error instanceof SocketError;
}
