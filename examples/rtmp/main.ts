/**
 * Streams a file or URL into an RTMP voice chat (a live stream started with
 * "Stream with…" / `phone.createGroupCall(rtmp_stream)`): the admin account
 * asks Telegram for the ingest address with
 * `phone.getGroupCallStreamRtmpUrl`, then tgcall pushes there with ffmpeg.
 * There is no WebRTC in RTMP mode, so no `joinGroupCall`. Needs a user
 * account with the "manage video chats" right (`CHAT_ADMIN_REQUIRED`); the
 * session is kept in `assistant.session.txt`.
 *
 * Run with Node (from this folder: `npm start -- <chat id> <file or URL>`),
 * Bun (`bun run main.ts …`) or Deno (`deno run -A main.ts …`), with API_ID
 * and API_HASH set. Ctrl-C stops.
 *
 * @module
 */

import { readFile, writeFile } from "node:fs/promises";
import process from "node:process";
import { MemoryStorage, TelegramClient } from "@mtcute/node";
import { Client, fromFile, fromUrl, type Source, Track } from "../../mod.ts";

const SESSION_FILE = "assistant.session.txt";

const [chatArg, input] = process.argv.slice(2);
const { API_ID, API_HASH } = process.env;
if (!chatArg || !input || !API_ID || !API_HASH) {
  console.error("usage: API_ID=… API_HASH=… main.ts <chat id> <file or URL>");
  process.exit(2);
}
const chatId = Number(chatArg);

const tg = new TelegramClient({
  apiId: Number(API_ID),
  apiHash: API_HASH,
  storage: new MemoryStorage(),
});
const saved = await readFile(SESSION_FILE, "utf8").catch(() => undefined);
await tg.start({
  session: saved,
  phone: () => tg.input("Phone > "),
  code: () => tg.input("Code > "),
  password: () => tg.input("2FA password > "),
});
await writeFile(SESSION_FILE, await tg.exportSession(), { mode: 0o600 });

const { url, key } = await tg.call({
  _: "phone.getGroupCallStreamRtmpUrl",
  peer: await tg.resolvePeer(chatId),
  revoke: false,
});
// Telegram's url ends in "/s/"; OBS-style "server + key" needs one slash.
const rtmpUrl = url.endsWith("/") ? url + key : `${url}/${key}`;

const client = await Client.create();
await client.startRtmp(chatId, rtmpUrl);
const source: Source = /^[a-z][a-z0-9+.-]*:\/\//i.test(input)
  // The operator's own argument, so its own network is allowed.
  ? fromUrl(input, { tracks: Track.Video, allowInternalHosts: true })
  : fromFile(input, { tracks: Track.Video });
const stop = async () => {
  await client.close();
  await tg.destroy();
  process.exit(0);
};
client.onStreamEnd(() => void stop());
await client.setStreamSources(chatId, source);
console.log(`streaming ${input} to ${url}; Ctrl-C to stop`);
process.once("SIGINT", () => void stop());
