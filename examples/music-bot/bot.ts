/**
 * A music bot's logic, free of any Telegram library: chat commands in,
 * replies out. A bot account receives the commands (see `main.ts`); a user
 * "assistant" account joins the voice chat, because bots cannot
 * (`BOT_METHOD_INVALID`). The assistant is reached through an
 * {@linkcode MtprotoAdapter}, so the same logic runs on mtcute, GramJS or
 * the local group-call server of `@x/tgcall/testing` (`offline.ts`).
 *
 * Each chat has a queue. The first `/play` joins the voice chat through a
 * session (`joinGroupCall`, which rejoins by itself after outages); a track
 * that ends by itself (`onStreamEnd`) starts the next; the end of the queue
 * and `/stop` leave. Commands of one chat run one at a time, in order.
 *
 * @module
 */

import type { ChatId, Client, TgCallError } from "../../mod.ts";
import {
  type GroupCallSession,
  joinGroupCall,
} from "../../src/session/group_call_session.ts";
import { GroupCallNotFoundError } from "../../src/session/errors.ts";
import type { MtprotoAdapter } from "../../src/session/mtproto_adapter.ts";
import type { JoinGroupCallOptions } from "../../src/session/session_options.ts";
import {
  clock,
  HELP,
  parseCommand,
  queueText,
  seekDelta,
} from "./chat_text.ts";
import { isRefusal, type MediaItem, resolveMedia } from "./media_input.ts";

/** How to build a {@linkcode MusicBot}. */
export interface MusicBotOptions {
  /** The tgcall client that sends the media. */
  client: Client;
  /** The assistant account (`mtcuteAdapter(tg)`, `server.telegram`, …). */
  telegram: MtprotoAdapter;
  /** The only folder `/play <file>` may read from. */
  mediaDir: string;
  /** Says something in a chat unprompted: next track, queue over, kicked. */
  announce?: (chatId: ChatId, text: string) => void;
  /** Most tracks waiting per chat; default 50. */
  maxQueue?: number;
  /** Passed to `joinGroupCall`. */
  join?: JoinGroupCallOptions;
}

/** A track in a queue. */
export interface QueuedTrack extends MediaItem {
  /** Who asked for it. */
  requestedBy: string;
}

interface ChatPlayer {
  readonly chatId: ChatId;
  readonly session: GroupCallSession;
  current: QueuedTrack | undefined;
  queue: QueuedTrack[];
}

/**
 * The music bot. `handleCommand` is everything a chat sees.
 *
 * @example
 * ```ts
 * import { Client } from "../../mod.ts";
 * import { LocalGroupCallServer } from "../../testing.ts";
 * import { MusicBot } from "./bot.ts";
 *
 * await using server = await LocalGroupCallServer.start();
 * await using client = await Client.create({ networkTypes: ["udp4"] });
 * await using bot = new MusicBot({ client, telegram: server.telegram, mediaDir: "." });
 * console.log(await bot.handleCommand(-100123, "alice", "/queue"));
 * // "Nothing is playing."
 * ```
 */
export class MusicBot implements AsyncDisposable {
  readonly #o: Required<MusicBotOptions>;
  readonly #chats = new Map<string, ChatPlayer>();
  readonly #turns = new Map<string, Promise<unknown>>();
  readonly #offStreamEnd: () => void;

  /** Starts listening for the client's stream ends. */
  constructor(options: MusicBotOptions) {
    this.#o = {
      ...options,
      announce: options.announce ?? (() => {}),
      maxQueue: options.maxQueue ?? 50,
      join: options.join ?? {},
    };
    this.#offStreamEnd = options.client.onStreamEnd(
      (chatId, type, _device, error) => {
        if (type !== "audio") return;
        const ended = this.#chats.get(String(chatId))?.current;
        if (!ended) return;
        this.#turn(chatId, () => this.#trackEnded(chatId, ended, error))
          .catch((e) => this.#o.announce(chatId, `Playback trouble: ${e}`));
      },
    );
  }

  /** The session of `chatId`'s voice chat, while the bot is in it. */
  session(chatId: ChatId): GroupCallSession | undefined {
    return this.#chats.get(String(chatId))?.session;
  }

  /**
   * Runs one chat message (`/play x`, `/pause`, … — `/cmd@botname` too)
   * and resolves with the reply. Never rejects: failures are replies.
   */
  handleCommand(
    chatId: ChatId,
    fromUser: string,
    text: string,
  ): Promise<string> {
    const { command, arg } = parseCommand(text);
    return this.#turn(chatId, () => this.#run(chatId, fromUser, command, arg))
      .catch((error) =>
        `Something went wrong: ${(error as Error).message ?? error}`
      );
  }

  async #run(
    chatId: ChatId,
    fromUser: string,
    command: string,
    arg: string,
  ): Promise<string> {
    const player = this.#chats.get(String(chatId));
    switch (command) {
      case "/play":
        return await this.#play(chatId, fromUser, arg);
      case "/queue":
        return player?.current
          ? queueText(player.current, player.session.time(), player.queue)
          : "Nothing is playing.";
      case "/stop":
        if (!player) return "I'm not in the voice chat.";
        await this.#leave(player);
        return "Stopped, cleared the queue and left the voice chat.";
    }
    if (!["/pause", "/resume", "/skip", "/seek"].includes(command)) {
      return `Commands:\n${HELP}`;
    }
    if (!player?.current) return "Nothing is playing.";
    const { session, current } = player;
    switch (command) {
      case "/pause":
        return await session.pause() ? "Paused." : "Already paused.";
      case "/resume":
        return await session.resume() ? "Resumed." : "Not paused.";
      case "/skip": {
        const next = await this.#advance(player);
        return next
          ? `Skipped ${current.title}. Now playing: ${next.title}`
          : `Skipped ${current.title}. The queue is empty: I left the voice chat.`;
      }
      default: {
        const now = session.time();
        const delta = seekDelta(arg, now);
        if (delta === undefined) {
          return "Usage: /seek <seconds>, or /seek +10 / -10";
        }
        await session.seekBy(delta);
        return `Jumped to ${clock(now + delta)}.`;
      }
    }
  }

  async #play(chatId: ChatId, fromUser: string, arg: string): Promise<string> {
    const item = await resolveMedia(arg, this.#o.mediaDir);
    if (isRefusal(item)) return item.reason;
    const track: QueuedTrack = { ...item, requestedBy: fromUser };
    let player = this.#chats.get(String(chatId));
    if (player?.current) {
      if (player.queue.length >= this.#o.maxQueue) {
        return `The queue is full (${this.#o.maxQueue} tracks).`;
      }
      player.queue.push(track);
      return `Queued #${player.queue.length}: ${track.title}`;
    }
    if (!player) {
      try {
        player = await this.#join(chatId);
      } catch (error) {
        if (error instanceof GroupCallNotFoundError) {
          return "There is no voice chat here: start one, then /play again.";
        }
        return `I couldn't join the voice chat: ${(error as Error).message}`;
      }
    }
    await this.#start(player, track);
    return `Now playing: ${track.title}`;
  }

  async #join(chatId: ChatId): Promise<ChatPlayer> {
    const session = await joinGroupCall(
      this.#o.client,
      this.#o.telegram,
      chatId,
      this.#o.join,
    );
    const player: ChatPlayer = {
      chatId,
      session,
      current: undefined,
      queue: [],
    };
    this.#chats.set(String(chatId), player);
    session.onStateChange((state, info) => {
      if (state !== "stopped" || info.reason === "left") return;
      // Kicked for good, call ended, joined elsewhere: forget the chat.
      if (this.#chats.get(String(chatId)) === player) {
        this.#chats.delete(String(chatId));
      }
      const why = info.error?.message ?? info.reason;
      this.#o.announce(chatId, `I had to leave the voice chat: ${why}`);
    });
    return player;
  }

  /** Plays the next track, or leaves when none is left. */
  async #advance(player: ChatPlayer): Promise<QueuedTrack | undefined> {
    const next = player.queue.shift();
    if (!next) {
      await this.#leave(player);
      return undefined;
    }
    await this.#start(player, next);
    return next;
  }

  async #start(player: ChatPlayer, track: QueuedTrack): Promise<void> {
    player.current = track;
    try {
      await player.session.play(track.source);
    } catch (error) {
      player.current = undefined; // no stream end will come for it
      throw error;
    }
  }

  async #trackEnded(
    chatId: ChatId,
    ended: QueuedTrack,
    error?: TgCallError,
  ): Promise<void> {
    const player = this.#chats.get(String(chatId));
    // A /skip or /stop got there first.
    if (player?.current !== ended) return;
    if (error) {
      this.#o.announce(
        chatId,
        `I couldn't play ${ended.title}: ${error.message}`,
      );
    }
    const next = await this.#advance(player);
    this.#o.announce(
      chatId,
      next
        ? `Now playing: ${next.title}`
        : "The queue is over: I left the voice chat.",
    );
  }

  async #leave(player: ChatPlayer): Promise<void> {
    if (this.#chats.get(String(player.chatId)) === player) {
      this.#chats.delete(String(player.chatId));
    }
    player.queue = [];
    player.current = undefined;
    await player.session.leave().catch(() => {}); // stopped either way
  }

  /** Runs `job` after the chat's previous commands and stream ends. */
  #turn<T>(chatId: ChatId, job: () => Promise<T>): Promise<T> {
    const key = String(chatId);
    const result = (this.#turns.get(key) ?? Promise.resolve()).then(job);
    const settled = result.then(() => {}, () => {});
    this.#turns.set(key, settled);
    settled.then(() => {
      if (this.#turns.get(key) === settled) this.#turns.delete(key);
    });
    return result;
  }

  /** Leaves every voice chat and stops listening to the client. */
  async close(): Promise<void> {
    this.#offStreamEnd();
    await Promise.all(
      [...this.#chats.values()].map((player) =>
        this.#turn(player.chatId, () => this.#leave(player))
      ),
    );
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
