/**
 * tgcall — stream audio and video into Telegram group calls from Deno, Bun
 * and Node with a pure-TypeScript WebRTC send stack. ffmpeg is the only
 * runtime dependency.
 *
 * This entry point re-exports the public API only.
 *
 * @example
 * ```ts
 * import { TgCallError, InvalidParamsError } from "./mod.ts";
 *
 * const error: TgCallError = new InvalidParamsError("chatId must be an integer");
 * console.log(error.code); // "INVALID_PARAMS"
 * ```
 *
 * @module
 */

export {
  ClosedError,
  InvalidParamsError,
  SocketError,
  SpawnError,
  TgCallError,
} from "./src/errors.ts";
export { type OpenResources, openResources } from "./src/runtime/resources.ts";
