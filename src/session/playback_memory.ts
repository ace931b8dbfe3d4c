/**
 * What a session plays, remembered across rejoins: the source, the position
 * last played while connected, and the pause/mute switches.
 *
 * A rejoin is a new client call (Telegram has no ICE restart, §8), which
 * starts empty. Replaying the source at the remembered position
 * (`setStreamSources(…, { offsetMs })`) keeps `time()` continuous and
 * listeners hear the track resume where the outage cut it off. The
 * position is sampled once a second while connected, because a call that
 * failed has already dropped its playback when the failure is reported.
 *
 * @module
 */

import type { ChatId } from "../client/options.ts";
import type { ScheduledTask, Scheduler } from "../runtime/scheduler.ts";
import { isSeekable, type Source, sourceRecipe } from "../source/sources.ts";
import type { SessionClient } from "./session_options.ts";

/** How often the played position is sampled while connected, ms. */
const SAMPLE_MS = 1_000;

/** Where replay problems are reported. */
export interface ReplayLogger {
  /** A step of the replay failed; the rest still runs. */
  warn(...args: unknown[]): void;
}

/**
 * The remembered playback of one session's chat.
 *
 * @example
 * ```ts
 * import { PlaybackMemory } from "./playback_memory.ts";
 * import { Client } from "../client/client.ts";
 * import { Scheduler } from "../runtime/scheduler.ts";
 *
 * await using client = await Client.create();
 * const memory = new PlaybackMemory(client, -1001234567890, new Scheduler());
 * memory.muted = true;
 * console.log(memory.source, memory.positionMs); // undefined 0
 * ```
 */
export class PlaybackMemory {
  /** The source to replay, or `undefined` (none, or it ended). */
  source: Source | undefined;
  /** Position to resume at, ms. */
  positionMs = 0;
  /** `pause()` is in effect. */
  paused = false;
  /** `mute()` is in effect. */
  muted = false;
  readonly #client: SessionClient;
  readonly #chatId: ChatId;
  readonly #sampler: ScheduledTask;
  #version = 0;
  #playing = 0;

  /**
   * @param client The client playing it.
   * @param chatId The chat.
   * @param scheduler Runs the position sampler.
   */
  constructor(client: SessionClient, chatId: ChatId, scheduler: Scheduler) {
    this.#client = client;
    this.#chatId = chatId;
    this.#sampler = scheduler.task(() => {
      this.sample();
      this.#sampler.after(SAMPLE_MS);
    });
  }

  /** Records `play(source, { offsetMs })`. */
  remember(source: Source, offsetMs: number): void {
    this.source = source;
    this.positionMs = offsetMs;
    this.#version++;
  }

  /** Remembers `source` and hands it to the live client call. */
  async playNow(source: Source, offsetMs: number): Promise<void> {
    this.remember(source, offsetMs);
    this.#playing++;
    try {
      await this.#client.setStreamSources(this.#chatId, source, { offsetMs });
    } finally {
      this.#playing--;
    }
  }

  /** Moves the remembered position (seekable sources only; clamped at 0). */
  seekBy(deltaMs: number): void {
    if (this.source && isSeekable(sourceRecipe(this.source))) {
      this.positionMs = Math.max(0, this.positionMs + deltaMs);
    }
  }

  /** The source played to its end: nothing to replay. */
  ended(): void {
    this.source = undefined;
    this.positionMs = 0;
  }

  /** Reads the position from the client call, when one is playing. */
  sample(): void {
    // While a new source is starting, the call still reports the old one.
    if (!this.source || this.#playing > 0) return;
    try {
      this.positionMs = this.#client.time(this.#chatId);
    } catch {
      // The call already died: keep the last sample.
    }
  }

  /** Samples once a second (connected). */
  startSampling(): void {
    this.#sampler.after(SAMPLE_MS);
  }

  /** Takes a last sample (when `final`) and stops sampling. */
  stopSampling(final: boolean): void {
    if (final) this.sample();
    this.#sampler.cancel();
  }

  /**
   * Applies everything to a freshly connected client call: mute, pause,
   * then the source at the remembered position (a source handed to
   * `play()` meanwhile is applied too). Each failing step is logged.
   */
  async replay(logger: ReplayLogger): Promise<void> {
    const chatId = this.#chatId;
    const step = async (what: string, run: () => Promise<unknown>) => {
      try {
        await run();
      } catch (error) {
        logger.warn(`tgcall: session ${chatId}: ${what} failed`, error);
      }
    };
    if (this.muted) await step("mute", () => this.#client.mute(chatId));
    if (this.paused) await step("pause", () => this.#client.pause(chatId));
    let applied = -1;
    while (this.source && applied !== this.#version) {
      applied = this.#version;
      const source = this.source;
      const offsetMs = this.positionMs;
      await step(
        "replaying the source",
        () => this.#client.setStreamSources(chatId, source, { offsetMs }),
      );
    }
  }
}
