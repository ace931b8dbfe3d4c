/**
 * Plays a file or URL into a Telegram voice chat from Node, through a
 * GramJS (`telegram`) user session. Bots cannot join group calls
 * (`BOT_METHOD_INVALID`), so this logs in as a user "assistant" account; the
 * session string is kept in `assistant.session.txt`.
 *
 * Run from this folder:
 * `API_ID=… API_HASH=… npm start -- <chat id> <file or URL> [--video]`
 * (the chat id as the Bot API writes it, e.g. -1001234567890); it compiles
 * the repo with tsc, then runs `.build/examples/gramjs-node/main.js`.
 * Ctrl-C leaves.
 *
 * @module
 */

import { readFile, writeFile } from "node:fs/promises";
import process from "node:process";
import { createInterface } from "node:readline/promises";
import { TelegramClient } from "telegram";
import { StringSession } from "telegram/sessions/index.js";
import {
  Client,
  fromFile,
  fromUrl,
  joinGroupCall,
  type Source,
  Track,
} from "../../mod.ts";
import { gramjsAdapter } from "../../gramjs.ts";

const SESSION_FILE = "assistant.session.txt";

const [chatArg, input] = process.argv.slice(2);
const video = process.argv.includes("--video");
const { API_ID, API_HASH } = process.env;
if (!chatArg || !input || !API_ID || !API_HASH) {
  console.error(
    "usage: API_ID=… API_HASH=… npm start -- <chat id> <file or URL> [--video]",
  );
  process.exit(2);
}
const chatId = Number(chatArg);

const terminal = createInterface({
  input: process.stdin,
  output: process.stdout,
});
const ask = (prompt: string) => terminal.question(prompt);
const saved = await readFile(SESSION_FILE, "utf8").catch(() => "");
const session = new StringSession(saved);
const tg = new TelegramClient(session, Number(API_ID), API_HASH, {
  connectionRetries: 5,
});
await tg.start({
  phoneNumber: () => ask("Phone > "),
  phoneCode: () => ask("Code > "),
  password: () => ask("2FA password > "),
  onError: (error) => console.error(error),
});
terminal.close();
const me = await tg.getMe();
if (me.bot) throw new Error("bots cannot join voice chats: use a user account");
await writeFile(SESSION_FILE, session.save(), { mode: 0o600 });

const adapter = gramjsAdapter(tg);
if (await adapter.getGroupCall(chatId) === null) {
  console.error(`chat ${chatId} has no active voice chat: start one first`);
  await tg.destroy();
  process.exit(1);
}

const client = await Client.create();
const call = await joinGroupCall(client, adapter, chatId, { video });
let closing: Promise<void> | undefined;
const shutdown = () =>
  closing ??= (async () => {
    await call.leave();
    await client.close();
    await tg.destroy();
    process.exit(0);
  })();
call.onStateChange((state, { reason, error }) => {
  const detail = error ? `: ${error.message}` : "";
  console.log(`[${chatId}] ${state} (${reason})${detail}`);
  if (state === "stopped") void shutdown();
});
const tracks = video ? Track.Video : Track.Audio;
const source: Source = /^[a-z][a-z0-9+.-]*:\/\//i.test(input)
  ? fromUrl(input, { tracks })
  : fromFile(input, { tracks });
await call.play(source);
console.log(`playing ${input} in ${chatId}; Ctrl-C to leave`);

process.once("SIGINT", () => void shutdown());
