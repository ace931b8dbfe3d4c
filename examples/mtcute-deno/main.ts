/**
 * Plays a file or URL into a Telegram voice chat from Deno, through an
 * mtcute user session (`npm:@mtcute/node`, whose 0.30 core is the one
 * `@x/tgcall/mtcute` is built on; `jsr:@mtcute/deno` works too when its core
 * matches). Bots cannot join group calls (`BOT_METHOD_INVALID`), so this
 * logs in as a user "assistant" account; the session is kept in
 * `assistant.session.txt`.
 *
 * Run: `API_ID=… API_HASH=… deno run -A main.ts <chat id> <file or URL> [--video]`
 * (the chat id as the Bot API writes it, e.g. -1001234567890). Ctrl-C leaves.
 *
 * @module
 */

import { MemoryStorage, TelegramClient } from "@mtcute/node";
import {
  Client,
  fromFile,
  fromUrl,
  joinGroupCall,
  type Source,
  Track,
} from "../../mod.ts";
import { mtcuteAdapter } from "../../mtcute.ts";

const SESSION_FILE = "assistant.session.txt";

const [chatArg, input] = Deno.args;
const video = Deno.args.includes("--video");
const apiId = Deno.env.get("API_ID");
const apiHash = Deno.env.get("API_HASH");
if (!chatArg || !input || !apiId || !apiHash) {
  console.error(
    "usage: API_ID=… API_HASH=… deno run -A main.ts <chat id> <file or URL> [--video]",
  );
  Deno.exit(2);
}
const chatId = Number(chatArg);

// A string session in a file: no SQLite (native, --allow-ffi) storage.
const tg = new TelegramClient({
  apiId: Number(apiId),
  apiHash,
  storage: new MemoryStorage(),
});
const saved = await Deno.readTextFile(SESSION_FILE).catch(() => undefined);
const me = await tg.start({
  session: saved,
  phone: () => tg.input("Phone > "),
  code: () => tg.input("Code > "),
  password: () => tg.input("2FA password > "),
});
if (me.isBot) {
  throw new Error("bots cannot join voice chats: use a user account");
}
await Deno.writeTextFile(SESSION_FILE, await tg.exportSession(), {
  mode: 0o600,
});

const adapter = mtcuteAdapter(tg);
if (await adapter.getGroupCall(chatId) === null) {
  console.error(`chat ${chatId} has no active voice chat: start one first`);
  await tg.destroy();
  Deno.exit(1);
}

const client = await Client.create();
const session = await joinGroupCall(client, adapter, chatId, { video });
let closing: Promise<void> | undefined;
const shutdown = () =>
  closing ??= (async () => {
    await session.leave();
    await client.close();
    await tg.destroy();
    Deno.exit(0);
  })();
session.onStateChange((state, { reason, error }) => {
  const detail = error ? `: ${error.message}` : "";
  console.log(`[${chatId}] ${state} (${reason})${detail}`);
  if (state === "stopped") void shutdown();
});
const tracks = video ? Track.Video : Track.Audio;
const source: Source = /^[a-z][a-z0-9+.-]*:\/\//i.test(input)
  ? fromUrl(input, { tracks })
  : fromFile(input, { tracks });
await session.play(source);
console.log(`playing ${input} in ${chatId}; Ctrl-C to leave`);

Deno.addSignalListener("SIGINT", () => void shutdown());
