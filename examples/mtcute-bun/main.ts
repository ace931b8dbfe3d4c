/**
 * Plays a file or URL into a Telegram voice chat from Bun, through an mtcute
 * user session: `@mtcute/node` (its 0.30 core is the one `@x/tgcall/mtcute`
 * is built on; `@mtcute/bun` is still at 0.27 with its own core). Bots
 * cannot join group calls (`BOT_METHOD_INVALID`), so this logs in as a user
 * "assistant" account; the session is kept in `assistant.session.txt`.
 *
 * Run: `API_ID=… API_HASH=… bun run main.ts <chat id> <file or URL> [--video]`
 * (the chat id as the Bot API writes it, e.g. -1001234567890). Ctrl-C leaves.
 *
 * @module
 */

import { readFile, writeFile } from "node:fs/promises";
import process from "node:process";
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

const [chatArg, input] = process.argv.slice(2);
const video = process.argv.includes("--video");
const { API_ID, API_HASH } = process.env;
if (!chatArg || !input || !API_ID || !API_HASH) {
  console.error(
    "usage: API_ID=… API_HASH=… bun run main.ts <chat id> <file or URL> [--video]",
  );
  process.exit(2);
}
const chatId = Number(chatArg);

// A string session in a file: no SQLite (native) storage needed under Bun.
const tg = new TelegramClient({
  apiId: Number(API_ID),
  apiHash: API_HASH,
  storage: new MemoryStorage(),
});
const saved = await readFile(SESSION_FILE, "utf8").catch(() => undefined);
const me = await tg.start({
  session: saved,
  phone: () => tg.input("Phone > "),
  code: () => tg.input("Code > "),
  password: () => tg.input("2FA password > "),
});
if (me.isBot) {
  throw new Error("bots cannot join voice chats: use a user account");
}
await writeFile(SESSION_FILE, await tg.exportSession(), { mode: 0o600 });

const adapter = mtcuteAdapter(tg);
if (await adapter.getGroupCall(chatId) === null) {
  console.error(`chat ${chatId} has no active voice chat: start one first`);
  await tg.destroy();
  process.exit(1);
}

const client = await Client.create();
const session = await joinGroupCall(client, adapter, chatId, { video });
let closing: Promise<void> | undefined;
const shutdown = () =>
  closing ??= (async () => {
    await session.leave();
    await client.close();
    await tg.destroy();
    process.exit(0);
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

process.once("SIGINT", () => void shutdown());
