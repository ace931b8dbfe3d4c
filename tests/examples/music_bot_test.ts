/**
 * The music bot's logic (examples/music-bot/bot.ts) against the local
 * group-call server, as `offline.ts` drives it: hostile `/play` arguments
 * are refused without joining; a conversation plays, queues, pauses,
 * seeks, skips, advances on stream end, leaves at the end of the queue and
 * on /stop — judged from what the server received (packets from the
 * session's source, silence while paused, the tones in order, one
 * leaveGroupCall per session); a file without sound is reported and the
 * queue moves on; two /play at once join once.
 */
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "../../mod.ts";
import { LocalGroupCallServer } from "../../testing.ts";
import { MusicBot } from "../../examples/music-bot/bot.ts";
import { resolveMedia } from "../../examples/music-bot/media_input.ts";
import {
  hearTones,
  writeToneTrack,
} from "../../examples/music-bot/tone_track.ts";
import { test } from "../_support/harness.ts";
import { tempDir } from "../_support/media.ts";

const loopback = {
  networkTypes: ["udp4" as const],
  bindAddress: { udp4: "127.0.0.1" },
};

/** A server with a voice chat in `chat`, a client, a bot on `media`. */
async function setup(media: string, chat: number) {
  const server = await LocalGroupCallServer.start();
  server.createGroupCall(chat);
  const client = await Client.create(loopback);
  const announced: string[] = [];
  const bot = new MusicBot({
    client,
    telegram: server.telegram,
    mediaDir: media,
    announce: (id, text) => {
      assert.equal(id, chat);
      announced.push(text);
    },
  });
  const leaves = () =>
    server.telegram.requests.filter((r) => r.method === "leaveGroupCall")
      .map((r) => (r.args as { source: number }).source);
  const close = async () => {
    await bot.close();
    await client.close();
    await server.close();
  };
  return { server, client, bot, announced, leaves, close };
}

test("music bot: hostile /play arguments are refused and nothing joins", async () => {
  const tmp = tempDir();
  const media = tmp.path("media");
  mkdirSync(join(media, "sub"), { recursive: true });
  writeFileSync(join(media, "a.wav"), "");
  writeFileSync(tmp.path("secret.wav"), "");
  symlinkSync(tmp.path("secret.wav"), join(media, "link.wav"));
  const chat = -1001000000101;
  const { server, bot, close } = await setup(media, chat);
  try {
    const refusals: [string, RegExp][] = [
      ["../../etc/passwd", /only play files from my media folder/],
      ["/etc/passwd", /only play files from my media folder/],
      ["sub/../../secret.wav", /only play files from my media folder/],
      [tmp.path("secret.wav"), /only play files from my media folder/],
      ["link.wav", /only play files from my media folder/],
      ["file:///etc/passwd", /can't play that URL: .*"file:"/],
      ["concat:/etc/passwd|a.wav", /can't play that URL: .*"concat:"/],
      ["ftp://example.com/a.mp3", /can't play that URL: .*"ftp:"/],
      ["http:a.mp3", /can't play that URL: .*no host/],
      ["a.wav\n-i /etc/passwd", /not a file name or URL I accept/],
      ["x".repeat(3000), /not a file name or URL I accept/],
      ["missing.mp3", /no "missing\.mp3" in my media folder/],
      ["-i /etc/passwd", /no "-i \/etc\/passwd" in my media folder/],
      ["sub", /"sub" is not a file/],
      ["", /^Usage: \/play/],
    ];
    for (const [input, reply] of refusals) {
      assert.match(
        await bot.handleCommand(chat, "mallory", `/play ${input}`),
        reply,
        input,
      );
    }
    assert.deepEqual(server.telegram.requests, [], "no join was attempted");
    assert.equal(bot.session(chat), undefined);
    // What is accepted: a name, or an absolute path, inside the folder.
    const inside = await resolveMedia(join(media, "sub", "..", "a.wav"), media);
    assert.equal("title" in inside && inside.title, "a.wav");
    const url = await resolveMedia("https://radio.example/live.mp3", media);
    assert.equal("title" in url && url.title, "https://radio.example/live.mp3");
    // Commands with nothing to act on.
    for (const command of ["/pause", "/resume", "/skip", "/seek 3", "/queue"]) {
      assert.equal(
        await bot.handleCommand(chat, "bob", command),
        "Nothing is playing.",
      );
    }
    assert.match(await bot.handleCommand(chat, "bob", "/stop"), /not in the/);
    assert.match(await bot.handleCommand(chat, "bob", "/help"), /^Commands:/);
    // A chat without a voice chat: told so, nothing left behind.
    assert.equal(
      await bot.handleCommand(-1001000000199, "bob", "/play a.wav"),
      "There is no voice chat here: start one, then /play again.",
    );
    assert.equal(bot.session(-1001000000199), undefined);
  } finally {
    await close();
    tmp.cleanup();
  }
});

test(
  "music bot: play, queue, pause, seek, skip, advance on stream end, leave, play again, stop",
  async () => {
    const tmp = tempDir();
    const media = tmp.dir;
    await writeToneTrack(media, "a.wav", [
      { hz: 440, seconds: 4 },
      { hz: 550, seconds: 2 },
    ]);
    await writeToneTrack(media, "b.wav", [{ hz: 660, seconds: 1.5 }]);
    await writeToneTrack(media, "c.wav", [{ hz: 880, seconds: 1.5 }]);
    const chat = -1001000000102;
    const { server, bot, announced, leaves, close } = await setup(media, chat);
    const say = (text: string, user = "alice") =>
      bot.handleCommand(chat, user, text);
    const played = (ms: number) =>
      server.waitFor(() => (bot.session(chat)?.time() ?? 0) >= ms, 10_000);
    try {
      assert.equal(
        await say("/play@TgcallMusicBot a.wav"),
        "Now playing: a.wav",
      );
      const session = bot.session(chat)!;
      const first = session.source!;
      assert.equal(session.state, "connected");
      assert.equal(await say("/play b.wav", "bob"), "Queued #1: b.wav");
      assert.equal(await say("/play c.wav", "carol"), "Queued #2: c.wav");
      assert.match(
        await say("/queue"),
        /^Now playing: a\.wav \(0:0\d\) - requested by alice\n1\. b\.wav - requested by bob\n2\. c\.wav - requested by carol$/,
      );
      await played(1000);
      const audio = () => server.participant(first)!.audio;
      assert.equal(audio().speaking, true);
      assert.equal(await say("/pause"), "Paused.");
      assert.equal(await say("/pause"), "Already paused.");
      // The voice flag clears after its 300 ms hangover.
      await server.waitFor(() => !audio().speaking, 2000, "silence");
      assert.ok(audio().level <= -60, `${audio().level} dBov while paused`);
      const whilePaused = audio().packets;
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(audio().packets > whilePaused, "silence keeps flowing");
      assert.ok(audio().level <= -60, `${audio().level} dBov while paused`);
      assert.equal(await say("/resume"), "Resumed.");
      assert.equal(
        await say("/seek x"),
        "Usage: /seek <seconds>, or /seek +10 / -10",
      );
      assert.equal(await say("/seek 4"), "Jumped to 0:04.");
      await played(5000);
      assert.equal(await say("/skip"), "Skipped a.wav. Now playing: b.wav");
      // b.wav ends by itself, c.wav starts; c.wav ends, the bot leaves.
      await server.waitFor(
        () => announced.includes("The queue is over: I left the voice chat."),
        10_000,
      );
      assert.deepEqual(announced, [
        "Now playing: c.wav",
        "The queue is over: I left the voice chat.",
      ]);
      assert.equal(session.state, "stopped");
      assert.equal(bot.session(chat), undefined);
      assert.deepEqual(leaves(), [first]);
      assert.equal(server.participant(first)!.state, "closed");

      assert.equal(await say("/play b.wav"), "Now playing: b.wav");
      const second = bot.session(chat)!.source!;
      assert.notEqual(second, first);
      assert.equal(
        await say("/stop"),
        "Stopped, cleared the queue and left the voice chat.",
      );
      assert.deepEqual(leaves(), [first, second]);

      // What the server heard from the first session, in order.
      assert.ok(audio().packets >= 250, `${audio().packets} packets`);
      assert.equal(audio().lost, 0);
      writeFileSync(tmp.path("first.ogg"), server.recording(first)!.ogg!);
      const heard = await hearTones(tmp.path("first.ogg"), [
        440,
        550,
        660,
        880,
      ]);
      assert.deepEqual(heard.map((t) => t.hz), [440, 550, 660, 880]);
      for (const t of heard.slice(2)) {
        assert.ok(Math.abs(t.seconds - 1.5) <= 0.3, JSON.stringify(heard));
      }
    } finally {
      await close();
      tmp.cleanup();
    }
  },
  { timeout: 60_000 },
);

test(
  "music bot: a file without sound is reported and the queue moves on; two /play at once join once",
  async () => {
    const tmp = tempDir();
    writeFileSync(tmp.path("notes.txt"), "not audio\n");
    await writeToneTrack(tmp.dir, "b.wav", [{ hz: 660, seconds: 1 }]);
    const chat = -1001000000103;
    const { server, bot, announced, leaves, close } = await setup(
      tmp.dir,
      chat,
    );
    try {
      const replies = await Promise.all([
        bot.handleCommand(chat, "alice", "/play notes.txt"),
        bot.handleCommand(chat, "bob", "/play b.wav"),
      ]);
      assert.deepEqual(replies, [
        "Now playing: notes.txt",
        "Queued #1: b.wav",
      ]);
      const joins = server.telegram.requests.filter((r) =>
        r.method === "joinGroupCall"
      );
      assert.equal(joins.length, 1);
      const source = bot.session(chat)!.source!;
      await server.waitFor(
        () => announced.includes("The queue is over: I left the voice chat."),
        10_000,
      );
      assert.match(announced[0], /^I couldn't play notes\.txt: /);
      assert.deepEqual(announced.slice(1), [
        "Now playing: b.wav",
        "The queue is over: I left the voice chat.",
      ]);
      assert.deepEqual(leaves(), [source]);
      assert.ok(server.participant(source)!.audio.packets >= 40);
    } finally {
      await close();
      tmp.cleanup();
    }
  },
  { timeout: 60_000 },
);
