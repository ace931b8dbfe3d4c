/**
 * The music bot without Telegram: `bot.ts` against the local group-call
 * server of `@x/tgcall/testing` (a fake Telegram plus a libdatachannel SFU
 * on loopback), driven by a scripted conversation — play, queue two more,
 * a hostile file name, /queue, /pause, /resume, /seek, /skip, the queue
 * running out by itself, then /play and /stop. Prints every reply and ends
 * with `MUSIC-BOT: PASS …` (exit 0) or `MUSIC-BOT: FAIL <reason>` (exit 1),
 * judged from what the server received: audio packets from the session's
 * source, the tones of its recording in order (the seek, the skip, the
 * queue advancing on stream end), and a `leaveGroupCall` per session.
 *
 * Run: `deno run -A --unstable-net offline.ts`, `bun offline.ts`, or as a
 * single binary (`bun run compile.ts`, then `./music-bot-offline`).
 *
 * @module
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Client } from "../../mod.ts";
import { LocalGroupCallServer } from "../../testing.ts";
import { MusicBot } from "./bot.ts";
import { hearTones, writeToneTrack } from "./tone_track.ts";

const chat = -1001000000077;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function scenario(dir: string): Promise<string> {
  const media = join(dir, "media");
  mkdirSync(media);
  // a.wav: 440 Hz for 4 s, then 550 Hz — a /seek 4 lands on 550 Hz.
  await writeToneTrack(media, "a.wav", [
    { hz: 440, seconds: 4 },
    { hz: 550, seconds: 2 },
  ]);
  await writeToneTrack(media, "b.wav", [{ hz: 660, seconds: 1.5 }]);
  await writeToneTrack(media, "c.wav", [{ hz: 880, seconds: 1.5 }]);

  await using server = await LocalGroupCallServer.start();
  server.createGroupCall(chat);
  await using client = await Client.create({
    networkTypes: ["udp4"],
    bindAddress: { udp4: "127.0.0.1" },
  });
  const announced: string[] = [];
  await using bot = new MusicBot({
    client,
    telegram: server.telegram,
    mediaDir: media,
    announce: (_, text) => {
      console.log(`bot (by itself): ${text}`);
      announced.push(text);
    },
  });
  const say = async (user: string, text: string) => {
    const reply = await bot.handleCommand(chat, user, text);
    console.log(`${user}: ${text}\nbot: ${reply.replaceAll("\n", "\n     ")}`);
    return reply;
  };
  const expect = (reply: string, pattern: RegExp, what: string) => {
    if (!pattern.test(reply)) throw new Error(`${what}: got "${reply}"`);
  };

  expect(await say("alice", "/play a.wav"), /^Now playing: a\.wav/, "/play");
  const first = bot.session(chat)?.source;
  if (first === undefined) throw new Error("no session after /play");
  expect(await say("bob", "/play b.wav"), /^Queued #1: b\.wav/, "queue b");
  expect(await say("carol", "/play c.wav"), /^Queued #2: c\.wav/, "queue c");
  expect(
    await say("mallory", "/play ../../../../etc/passwd"),
    /only play files from my media folder/,
    "path traversal",
  );
  expect(
    await say("mallory", "/play file:///etc/passwd"),
    /can't play that URL/,
    "file: URL",
  );
  expect(await say("alice", "/queue"), /1\. b\.wav.*\n2\. c\.wav/, "/queue");
  // Timed by the playback position, not the clock: ffmpeg may be slow to start.
  const played = (ms: number) =>
    server.waitFor(
      () => (bot.session(chat)?.time() ?? 0) >= ms,
      10_000,
      `${ms} ms played`,
    );
  await played(1000);
  expect(await say("alice", "/pause"), /^Paused/, "/pause");
  // The voice flag clears after its 300 ms hangover.
  const paused = () => server.participant(first)!.audio;
  await server.waitFor(() => !paused().speaking, 2000, "silence on /pause");
  await sleep(200);
  if (paused().speaking || paused().level > -60) {
    throw new Error(`still sound while paused: ${paused().level} dBov`);
  }
  expect(await say("alice", "/resume"), /^Resumed/, "/resume");
  expect(await say("alice", "/seek 4"), /^Jumped to 0:04/, "/seek");
  await played(5000);
  expect(await say("alice", "/skip"), /Now playing: b\.wav/, "/skip");
  // b.wav and c.wav end by themselves; the queue advances, then leaves.
  await server.waitFor(
    () => announced.some((t) => t.startsWith("The queue is over")),
    10_000,
    "the queue to run out",
  );
  if (!announced.includes("Now playing: c.wav")) {
    throw new Error(`the queue did not advance to c.wav: ${announced}`);
  }
  expect(await say("alice", "/play b.wav"), /^Now playing: b\.wav/, "rejoin");
  const second = bot.session(chat)?.source;
  expect(await say("alice", "/stop"), /^Stopped/, "/stop");
  expect(await say("alice", "/stop"), /not in the voice chat/, "/stop twice");
  await sleep(200); // the last packets in flight

  // Judge from what the server received.
  const packets = server.participant(first)?.audio.packets ?? 0;
  if (packets < 5 * 50) {
    throw new Error(`the server got ${packets} audio packets from ${first}`);
  }
  const left = server.telegram.requests
    .filter((r) => r.method === "leaveGroupCall")
    .map((r) => (r.args as { source: number }).source);
  if (left.join() !== `${first},${second}`) {
    throw new Error(
      `leaveGroupCall sources ${left}, joined ${first},${second}`,
    );
  }
  const ogg = join(dir, "first.ogg");
  writeFileSync(ogg, server.recording(first)?.ogg ?? new Uint8Array());
  const heard = await hearTones(ogg, [440, 550, 660, 880]);
  const order = heard.map((t) => t.hz).join(" → ");
  if (order !== "440 → 550 → 660 → 880") {
    throw new Error(
      `heard ${JSON.stringify(heard)}, expected 440 → 550 → 660 → 880`,
    );
  }
  const full = heard.slice(2).every((t) => Math.abs(t.seconds - 1.5) <= 0.3);
  if (!full) {
    throw new Error(
      `b.wav and c.wav not played whole: ${JSON.stringify(heard)}`,
    );
  }
  return `${packets} audio packets from source ${first}; heard ${
    heard.map((t) => `${t.hz} Hz ${t.seconds} s`).join(", ")
  } (seek, skip, queue advanced on stream end); leaveGroupCall for ${first} and ${second}`;
}

const dir = mkdtempSync(join(tmpdir(), "tgcall-music-bot-"));
try {
  console.log(`MUSIC-BOT: PASS ${await scenario(dir)}`);
  process.exitCode = 0;
} catch (error) {
  console.log(`MUSIC-BOT: FAIL ${(error as Error).message ?? error}`);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
// node-datachannel's native threads can keep the event loop alive.
setTimeout(() => process.exit(process.exitCode), 100);
