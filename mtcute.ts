/**
 * `@x/tgcall/mtcute`: the {@linkcode MtprotoAdapter} for an
 * [mtcute](https://mtcute.dev) `TelegramClient` (`@mtcute/node`,
 * `@mtcute/core` 0.30), so a {@linkcode GroupCallSession} can join voice
 * chats through it. mtcute is an optional peer dependency: only this entry
 * point imports it.
 *
 * @example
 * ```ts ignore
 * import { TelegramClient } from "@mtcute/node";
 * import { mtcuteAdapter } from "@x/tgcall/mtcute";
 *
 * const tg = new TelegramClient({ apiId: 123, apiHash: "…", storage: "assistant.session" });
 * await tg.start({ phone: () => tg.input("Phone > "), code: () => tg.input("Code > ") });
 * const call = await mtcuteAdapter(tg).getGroupCall(-1001234567890);
 * console.log(call === null ? "no voice chat" : `call ${call.id}`);
 * ```
 *
 * @module
 */

export {
  mtcuteAdapter,
  type MtcuteAdapterOptions,
} from "./src/adapters/mtcute.ts";
