/**
 * The music bot on real Telegram, with mtcute: a bot account reads the
 * commands and answers them; a user "assistant" account joins the voice
 * chats (bots cannot: `BOT_METHOD_INVALID`) through `@x/tgcall/mtcute`.
 * All the logic is in `bot.ts`; this file only wires it up.
 *
 * Run (Bun, Deno or Node ≥ 20; see README.md):
 *   API_ID=… API_HASH=… BOT_TOKEN=… MEDIA_DIR=./media bun run main.ts
 * The first start asks for the assistant's phone number and login code;
 * both sessions are then kept in `bot.session.txt` and
 * `assistant.session.txt`. Add the bot and the assistant to the group,
 * start a voice chat, and send `/play song.mp3`. Ctrl-C leaves every chat.
 *
 * @module
 */

import { readFile, writeFile } from "node:fs/promises";
import process from "node:process";
import { MemoryStorage, TelegramClient } from "@mtcute/node";
import { Client } from "../../mod.ts";
import { mtcuteAdapter } from "../../mtcute.ts";
import { MusicBot } from "./bot.ts";

const { API_ID, API_HASH, BOT_TOKEN, MEDIA_DIR = "./media" } = process.env;
if (!API_ID || !API_HASH || !BOT_TOKEN) {
  console.error(
    "usage: API_ID=… API_HASH=… BOT_TOKEN=… [MEDIA_DIR=./media] bun run main.ts",
  );
  process.exit(2);
}

/** A client whose session lives in `file` (no native SQLite storage). */
async function login(
  file: string,
  start: (tg: TelegramClient, session?: string) => Promise<{ isBot: boolean }>,
): Promise<{ tg: TelegramClient; isBot: boolean }> {
  const tg = new TelegramClient({
    apiId: Number(API_ID),
    apiHash: API_HASH!,
    storage: new MemoryStorage(),
  });
  const saved = await readFile(file, "utf8").catch(() => undefined);
  const { isBot } = await start(tg, saved);
  await writeFile(file, await tg.exportSession(), { mode: 0o600 });
  return { tg, isBot };
}

const bot = await login(
  "bot.session.txt",
  (tg, session) => tg.start({ session, botToken: BOT_TOKEN }),
);
const assistant = await login(
  "assistant.session.txt",
  (tg, session) =>
    tg.start({
      session,
      phone: () => tg.input("Assistant phone > "),
      code: () => tg.input("Login code > "),
      password: () => tg.input("2FA password > "),
    }),
);
if (assistant.isBot) {
  throw new Error("the assistant must be a user account: bots cannot join");
}

const client = await Client.create();
const music = new MusicBot({
  client,
  telegram: mtcuteAdapter(assistant.tg),
  mediaDir: MEDIA_DIR,
  announce: (chatId, text) => {
    bot.tg.sendText(Number(chatId), text).catch((error) =>
      console.warn(`announce in ${chatId} failed:`, error)
    );
  },
});

bot.tg.onNewMessage.add((message) => {
  if (message.isOutgoing || !message.text.startsWith("/")) return;
  // Marked ids, as the Bot API writes them (-100… for supergroups).
  const chatId = message.chat.id;
  music.handleCommand(chatId, message.sender.displayName, message.text)
    .then((reply) => bot.tg.replyText(message, reply))
    .catch((error) => console.warn(`reply in ${chatId} failed:`, error));
});
console.log(`music bot up; media from ${MEDIA_DIR}. Ctrl-C to stop.`);

let closing: Promise<void> | undefined;
process.once("SIGINT", () => {
  closing ??= (async () => {
    await music.close();
    await client.close();
    await bot.tg.destroy();
    await assistant.tg.destroy();
    process.exit(0);
  })();
});
