/**
 * `@x/tgcall/gramjs`: the {@linkcode MtprotoAdapter} for a
 * [GramJS](https://gram.js.org) `TelegramClient` (npm `telegram` 2.26), so a
 * {@linkcode GroupCallSession} can join voice chats through it. GramJS is an
 * optional peer dependency: only this entry point imports it.
 *
 * @example
 * ```ts ignore
 * import { TelegramClient } from "telegram";
 * import { StringSession } from "telegram/sessions/index.js";
 * import { gramjsAdapter } from "@x/tgcall/gramjs";
 *
 * const client = new TelegramClient(new StringSession(saved), 123, "…", {});
 * await client.connect();
 * const call = await gramjsAdapter(client).getGroupCall(-1001234567890);
 * console.log(call === null ? "no voice chat" : `call ${call.id}`);
 * ```
 *
 * @module
 */

export { gramjsAdapter } from "./src/adapters/gramjs.ts";
