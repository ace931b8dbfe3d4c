/**
 * Errors of the Telegram half: what an {@linkcode MtprotoAdapter} reports
 * and why a {@linkcode GroupCallSession} stopped. All extend
 * {@linkcode TgCallError}, so one `instanceof` catches every tgcall error.
 *
 * @module
 */

import { TgCallError } from "../errors.ts";

/**
 * Telegram answered an RPC with an error (`rpc_error`), e.g.
 * `GROUPCALL_SSRC_DUPLICATE_MUCH`, `GROUPCALL_FORBIDDEN`, `FLOOD_WAIT_5`.
 * Telegram's code and text are kept as they came.
 *
 * @example
 * ```ts
 * import { TelegramRpcError } from "./errors.ts";
 *
 * const error = new TelegramRpcError("phone.joinGroupCall", 400, "GROUPCALL_INVALID");
 * console.log(error.code, error.telegramText); // "TELEGRAM_RPC" "GROUPCALL_INVALID"
 * ```
 */
export class TelegramRpcError extends TgCallError {
  /** The method that failed, e.g. `"phone.joinGroupCall"`. */
  readonly method: string;
  /** Telegram's numeric code (400, 403, 420, 500, …). */
  readonly telegramCode: number;
  /** Telegram's error text, e.g. `"GROUPCALL_FORBIDDEN"`. */
  readonly telegramText: string;

  /**
   * Creates the error.
   *
   * @param method The RPC method that failed.
   * @param telegramCode Telegram's numeric error code.
   * @param telegramText Telegram's error text.
   * @param options Standard `ErrorOptions` (the client's own error as `cause`).
   */
  constructor(
    method: string,
    telegramCode: number,
    telegramText: string,
    options?: ErrorOptions,
  ) {
    super(
      "TELEGRAM_RPC",
      `${method} failed: ${telegramCode} ${telegramText}`,
      options,
    );
    this.method = method;
    this.telegramCode = telegramCode;
    this.telegramText = telegramText;
  }
}

/**
 * The MTProto client failed without an answer from Telegram (not connected,
 * a timeout, a malformed result such as a join without
 * `updateGroupCallConnection`).
 *
 * @example
 * ```ts
 * import { MtprotoError } from "./errors.ts";
 *
 * const error = new MtprotoError("phone.joinGroupCall returned no updateGroupCallConnection");
 * console.log(error.code); // "MTPROTO"
 * ```
 */
export class MtprotoError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message What went wrong.
   * @param options Standard `ErrorOptions` (the client's own error as `cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super("MTPROTO", message, options);
  }
}

/**
 * The chat has no active group call (or it ended and re-resolving found
 * none).
 *
 * @example
 * ```ts
 * import { GroupCallNotFoundError } from "./errors.ts";
 *
 * console.log(new GroupCallNotFoundError("chat -100123 has no voice chat").code); // "GROUPCALL_NOT_FOUND"
 * ```
 */
export class GroupCallNotFoundError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message Which chat.
   * @param options Standard `ErrorOptions`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("GROUPCALL_NOT_FOUND", message, options);
  }
}

/**
 * The account joined the same call from another device or client, which
 * replaces this session's participant; the session stopped.
 *
 * @example
 * ```ts
 * import { JoinedElsewhereError } from "./errors.ts";
 *
 * console.log(new JoinedElsewhereError("joined from another device").code); // "JOINED_ELSEWHERE"
 * ```
 */
export class JoinedElsewhereError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message Details.
   * @param options Standard `ErrorOptions`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("JOINED_ELSEWHERE", message, options);
  }
}

/**
 * The group call was ended for everyone (`groupCallDiscarded`); the session
 * stopped.
 *
 * @example
 * ```ts
 * import { CallDiscardedError } from "./errors.ts";
 *
 * console.log(new CallDiscardedError("the voice chat ended").code); // "CALL_DISCARDED"
 * ```
 */
export class CallDiscardedError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message Details.
   * @param options Standard `ErrorOptions`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("CALL_DISCARDED", message, options);
  }
}

/**
 * Screen sharing needs what this session lacks: an adapter with
 * `joinGroupCallPresentation` / `leaveGroupCallPresentation`, or a client
 * with the presentation methods.
 *
 * @example
 * ```ts
 * import { PresentationUnsupportedError } from "./errors.ts";
 *
 * console.log(new PresentationUnsupportedError("no joinGroupCallPresentation").code); // "PRESENTATION_UNSUPPORTED"
 * ```
 */
export class PresentationUnsupportedError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message What is missing.
   * @param options Standard `ErrorOptions`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("PRESENTATION_UNSUPPORTED", message, options);
  }
}
