/**
 * What every MTProto adapter does the same way, whatever the client: SSRCs
 * cross {@linkcode MtprotoAdapter} unsigned but travel as TL `int` (signed
 * int32), 64-bit ids cross it as `bigint`, and a client's own errors become
 * {@linkcode TelegramRpcError} (Telegram answered) or {@linkcode MtprotoError}
 * (it did not).
 *
 * @module
 */

import { InvalidParamsError, TgCallError } from "../errors.ts";
import { MtprotoError, TelegramRpcError } from "../session/errors.ts";
import type { ChatId } from "../client/options.ts";

/**
 * An unsigned SSRC as TL `int`: `phone.leaveGroupCall.source` and
 * `phone.checkGroupCall.sources` are signed int32, so an SSRC ≥ 2^31 goes
 * out negative.
 *
 * @example
 * ```ts
 * import { toWireSource } from "./wire_conventions.ts";
 *
 * console.log(toWireSource(0x80000001)); // -2147483647
 * ```
 */
export function toWireSource(source: number): number {
  if (!Number.isInteger(source) || source < 0 || source > 0xffffffff) {
    throw new InvalidParamsError(`SSRC ${source} is not a uint32`);
  }
  return source | 0;
}

/**
 * A TL `int` source (signed) back to the unsigned SSRC RTP carries.
 *
 * @example
 * ```ts
 * import { fromWireSource } from "./wire_conventions.ts";
 *
 * console.log(fromWireSource(-2147483647)); // 2147483649
 * ```
 */
export function fromWireSource(source: number): number {
  return source >>> 0;
}

/**
 * A chat id as a JS number. Marked ids (`-100…` for channels) stay far
 * below 2^53, which is why MTProto clients take them as numbers.
 *
 * @example
 * ```ts
 * import { chatIdNumber } from "./wire_conventions.ts";
 *
 * console.log(chatIdNumber(-1001234567890n)); // -1001234567890
 * ```
 */
export function chatIdNumber(chatId: ChatId): number {
  const id = Number(chatId);
  if (!Number.isSafeInteger(id) || BigInt(id) !== BigInt(chatId)) {
    throw new InvalidParamsError(`chat id ${chatId} is not a safe integer`);
  }
  return id;
}

/** Telegram's answer as a client reported it, if the error is one. */
export interface RpcErrorFields {
  /** Telegram's numeric code. */
  readonly code: number;
  /** Telegram's text, e.g. `GROUPCALL_FORBIDDEN`. */
  readonly text: string;
}

/**
 * Runs one client call and converts what it throws: an RPC error (as
 * `readRpcError` recognises it) becomes {@linkcode TelegramRpcError},
 * anything else that is not already a {@linkcode TgCallError} becomes
 * {@linkcode MtprotoError}; the client's error is kept as `cause`.
 *
 * @example
 * ```ts
 * import { callMapped } from "./wire_conventions.ts";
 *
 * const failing = () => Promise.reject({ code: 400, text: "GROUPCALL_INVALID" });
 * const error = await callMapped("phone.joinGroupCall", failing, (e) =>
 *   e as { code: number; text: string }
 * ).catch((e) => e);
 * console.log(error.telegramText); // "GROUPCALL_INVALID"
 * ```
 */
export async function callMapped<T>(
  method: string,
  run: () => Promise<T>,
  readRpcError: (error: unknown) => RpcErrorFields | null,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TgCallError) throw error;
    const rpc = readRpcError(error);
    if (rpc !== null) {
      throw new TelegramRpcError(method, rpc.code, rpc.text, { cause: error });
    }
    const detail = error instanceof Error ? error.message : String(error);
    throw new MtprotoError(`${method} failed: ${detail}`, { cause: error });
  }
}

/**
 * The `params.data` of the `updateGroupCallConnection` an `Updates` answer
 * carries for the main (`presentation` unset) or the screen-share
 * connection; a missing one is a malformed answer.
 *
 * @example
 * ```ts
 * import { connectionParams } from "./wire_conventions.ts";
 *
 * const updates = [{ presentation: false, data: "{\"transport\":{}}" }];
 * console.log(connectionParams("phone.joinGroupCall", updates, false));
 * ```
 */
export function connectionParams(
  method: string,
  connections: readonly { presentation: boolean; data: string }[],
  presentation: boolean,
): string {
  const found = connections.find((c) => c.presentation === presentation);
  if (found === undefined) {
    throw new MtprotoError(
      `${method} returned no updateGroupCallConnection${
        presentation ? " for the presentation" : ""
      }`,
    );
  }
  return found.data;
}

/**
 * The optional flags that were given: TL omits an absent flag, so a request
 * object carries no `undefined` fields.
 *
 * @example
 * ```ts
 * import { definedFlags } from "./wire_conventions.ts";
 *
 * console.log(definedFlags({ muted: true, videoStopped: undefined })); // { muted: true }
 * ```
 */
export function definedFlags<T extends Record<string, boolean | undefined>>(
  flags: T,
): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(flags) as (keyof T)[]) {
    if (flags[key] !== undefined) out[key] = flags[key];
  }
  return out;
}
