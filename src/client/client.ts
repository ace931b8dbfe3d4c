/**
 * The Client: the ntgcalls/gotgcall API over tgcall's own WebRTC stack, for
 * any number of calls keyed by chat id ({@linkcode CallRegistry}). JSON in
 * and out, so it works with any MTProto library.
 *
 * @module
 */

import type { CallStats, MediaState } from "../call/types.ts";
import type { Source } from "../source/sources.ts";
import { CallFactory } from "./call_factory.ts";
import {
  ClientEvents,
  type ConnectionChangeCallback,
  type StreamEndCallback,
  type UpgradeCallback,
} from "./events.ts";
import {
  type ChatId,
  checkStreamSource,
  type ClientOptions,
  type CreateCallOptions,
  rtcAnswer,
  type StreamSourceOptions,
} from "./options.ts";
import { PresentationMethods } from "./presentation_methods.ts";
import { type CallInfo, CallRegistry } from "./registry.ts";

/**
 * Streams audio, video and screen shares into Telegram group calls.
 *
 * @example
 * ```ts
 * import { Client, fromFile } from "@x/tgcall";
 *
 * // `join`: phone.joinGroupCall via your MTProto library → the answer JSON
 * async function play(chatId: number, join: (params: string) => Promise<string>) {
 *   await using client = await Client.create();
 *   const answer = await join(await client.createCall(chatId));
 *   await client.connect(chatId, answer);
 *   await client.setStreamSources(chatId, fromFile("song.mp3"));
 * }
 * ```
 */
export class Client extends PresentationMethods implements AsyncDisposable {
  readonly #factory: CallFactory;
  readonly #events: ClientEvents;
  readonly #registry: CallRegistry;
  #closing: Promise<void> | undefined;

  private constructor(options: ClientOptions, factory: CallFactory) {
    const registry = new CallRegistry();
    super(registry, factory);
    this.#registry = registry;
    this.#factory = factory;
    this.#events = new ClientEvents(options.dispatchBuffer, factory.logger);
  }

  /**
   * Creates a client after checking that ffmpeg runs.
   *
   * @example
   * ```ts
   * await using client = await Client.create({ connectTimeoutMs: 5_000 });
   * ```
   * @throws {FFmpegSpawnError} when ffmpeg is missing or broken.
   * @throws {InvalidParamsError} for invalid options.
   */
  static async create(options: ClientOptions = {}): Promise<Client> {
    return new Client(options, await CallFactory.open(options));
  }

  /**
   * Stream ended by itself (EOF or ffmpeg failure), once per leg, video
   * first; a presentation's has device `"screen"`. Returns the unsubscribe.
   *
   * @example
   * ```ts
   * await using client = await Client.create();
   * client.onStreamEnd((chatId, type, device, error) => console.log(chatId, type, device, error));
   * ```
   */
  onStreamEnd(callback: StreamEndCallback): () => void {
    return this.#events.onStreamEnd(callback);
  }

  /**
   * Connection changes (`kind`: call or presentation). Returns the unsubscribe.
   *
   * @example
   * ```ts
   * await using client = await Client.create();
   * client.onConnectionChange((chatId, { state }) => console.log(chatId, state));
   * ```
   */
  onConnectionChange(callback: ConnectionChangeCallback): () => void {
    return this.#events.onConnectionChange(callback);
  }

  /**
   * Media state changes: mute/unmute/pause/resume (of the presentation
   * too) and spontaneous video stops. Returns the unsubscribe function.
   *
   * @example
   * ```ts
   * await using client = await Client.create();
   * client.onUpgrade((chatId, media) => console.log(chatId, media.muted, media.paused));
   * ```
   */
  onUpgrade(callback: UpgradeCallback): () => void {
    return this.#events.onUpgrade(callback);
  }

  /**
   * Starts a WebRTC call; returns the params JSON for `phone.joinGroupCall`.
   *
   * @example
   * ```ts
   * await using client = await Client.create();
   * const params = await client.createCall(-1001234567890, { video: false });
   * ```
   * @throws {ConnectionExistsError} when the chat has a live call.
   */
  // deno-lint-ignore require-await -- a refusal is a rejection
  async createCall(
    chatId: ChatId,
    options: CreateCallOptions = {},
  ): Promise<string> {
    const call = this.#registry.register(
      chatId,
      () =>
        this.#factory.groupCall(chatId, options, this.#events.hooks(chatId)),
    );
    return call.joinPayload();
  }

  /**
   * Feeds Telegram's answer (`updateGroupCallConnection.params.data`) and
   * starts connecting. Calling it again replaces the remote parameters.
   *
   * @example
   * ```ts
   * async function onGroupCallConnection(client: Client, chatId: number, data: string) {
   *   await client.connect(chatId, data);
   * }
   * ```
   * @throws {ConnectionNotFoundError} before `createCall`.
   * @throws {InvalidParamsError} for malformed JSON.
   * @throws {StreamModeError} for `{"stream": true}` (listener only).
   * @throws {RtmpModeError} for an RTMP call's answer.
   */
  async connect(chatId: ChatId, answerJson: string): Promise<void> {
    const call = this.#registry.lookupGroup(chatId, "connect");
    await call.connect(rtcAnswer(chatId, answerJson));
  }

  /**
   * Pushes RTMP to `rtmpUrl` (`phone.getGroupCallStreamRtmpUrl` url + key).
   *
   * @example
   * ```ts
   * await using client = await Client.create();
   * await client.startRtmp(-1001234567890, "rtmps://dc4-1.rtmp.t.me/s/1234567890:abcdef");
   * ```
   * @throws {ConnectionExistsError} when the chat has a live call.
   * @throws {InvalidParamsError} unless the URL is rtmp:// or rtmps://.
   */
  // deno-lint-ignore require-await -- a refusal is a rejection
  async startRtmp(chatId: ChatId, rtmpUrl: string): Promise<void> {
    this.#registry.register(
      chatId,
      () => this.#factory.rtmpCall(chatId, rtmpUrl, this.#events.hooks(chatId)),
    );
  }

  /**
   * Plays `source`, replacing what was playing (no end event for it).
   * Waits up to `connectTimeoutMs` for the call to connect.
   *
   * @example
   * ```ts
   * import { fromFile } from "@x/tgcall";
   *
   * async function rejoined(client: Client, chatId: number, leftAtMs: number) {
   *   await client.setStreamSources(chatId, fromFile("talk.mp4"), { offsetMs: leftAtMs });
   * }
   * ```
   * @throws {NotConnectedError} when it does not connect in time.
   * @throws {FFmpegSpawnError} when ffmpeg cannot start.
   */
  async setStreamSources(
    chatId: ChatId,
    source: Source,
    options: StreamSourceOptions = {},
  ): Promise<void> {
    const { recipe, offsetMs } = checkStreamSource(source, options);
    await this.#registry.lookup(chatId).setSource(recipe, offsetMs);
  }

  /**
   * Pauses playback; `false` when already paused.
   *
   * @example
   * ```ts
   * await using client = await Client.create();
   * await client.createCall(-1001234567890);
   * console.log(await client.pause(-1001234567890)); // true
   * ```
   */
  async pause(chatId: ChatId): Promise<boolean> {
    return await this.#registry.lookup(chatId).pause();
  }

  /**
   * Resumes playback; `false` when not paused.
   *
   * @example
   * ```ts
   * await using client = await Client.create();
   * await client.createCall(-1001234567890);
   * console.log(await client.resume(-1001234567890)); // false: not paused
   * ```
   */
  async resume(chatId: ChatId): Promise<boolean> {
    return await this.#registry.lookup(chatId).resume();
  }

  /**
   * Mutes audio (silence is sent); `false` when already muted.
   *
   * @example
   * ```ts
   * await using client = await Client.create();
   * await client.createCall(-1001234567890);
   * console.log(await client.mute(-1001234567890)); // true
   * ```
   */
  async mute(chatId: ChatId): Promise<boolean> {
    return await this.#registry.lookup(chatId).mute();
  }

  /**
   * Unmutes; `false` when not muted.
   *
   * @example
   * ```ts
   * await using client = await Client.create();
   * await client.createCall(-1001234567890);
   * console.log(await client.unmute(-1001234567890)); // false: not muted
   * ```
   */
  async unmute(chatId: ChatId): Promise<boolean> {
    return await this.#registry.lookup(chatId).unmute();
  }

  /**
   * Seeks by `deltaMs` from the current position (negative: back).
   *
   * @example
   * ```ts
   * async function skipIntro(client: Client, chatId: number) {
   *   await client.seekBy(chatId, 90_000);
   * }
   * ```
   * @throws {NoSourceError} when nothing is playing.
   * @throws {SeekUnsupportedError} when the source cannot seek.
   */
  async seekBy(chatId: ChatId, deltaMs: number): Promise<void> {
    await this.#registry.lookup(chatId).seekBy(deltaMs);
  }

  /**
   * Playback position in ms; continuous across pause, resume and seek.
   *
   * @example
   * ```ts
   * await using client = await Client.create();
   * await client.createCall(-1001234567890);
   * console.log(client.time(-1001234567890)); // 0: nothing played yet
   * ```
   */
  time(chatId: ChatId): number {
    return this.#registry.lookup(chatId).time();
  }

  /**
   * The join JSON's audio SSRC (signed int32), for `phone.leaveGroupCall`.
   *
   * @example
   * ```ts
   * await using client = await Client.create();
   * const params = JSON.parse(await client.createCall(-1001234567890));
   * console.log(client.audioSsrc(-1001234567890) === params.ssrc); // true
   * ```
   * @throws {WrongModeError} on an RTMP call.
   */
  audioSsrc(chatId: ChatId): number {
    return this.#registry.lookupGroup(chatId, "audioSsrc").telegramAudioSsrc;
  }

  /**
   * The call's media state.
   *
   * @example
   * ```ts
   * await using client = await Client.create();
   * await client.createCall(-1001234567890);
   * console.log(client.mediaState(-1001234567890).muted); // false
   * ```
   */
  mediaState(chatId: ChatId): MediaState {
    return this.#registry.lookup(chatId).mediaState();
  }

  /**
   * Connection and media statistics.
   *
   * @example
   * ```ts
   * function report(client: Client, chatId: number) {
   *   console.log(client.stats(chatId).rttMs, "ms round trip");
   * }
   * ```
   * @throws {WrongModeError} on an RTMP call.
   */
  stats(chatId: ChatId): CallStats {
    return this.#registry.lookupGroup(chatId, "stats").stats();
  }

  /**
   * Every live call.
   *
   * @example
   * ```ts
   * await using client = await Client.create();
   * await client.createCall(-1001234567890);
   * for (const [chatId, info] of client.calls()) console.log(chatId, info.mode, info.state);
   * ```
   */
  calls(): Map<ChatId, CallInfo> {
    return this.#registry.infos();
  }

  /**
   * Ends a call and its presentation (no end event; each reports `closed`).
   *
   * @example
   * ```ts
   * await using client = await Client.create();
   * await client.createCall(-1001234567890);
   * await client.stop(-1001234567890);
   * ```
   */
  async stop(chatId: ChatId): Promise<void> {
    await this.#registry.remove(chatId).stop();
  }

  /**
   * Stops every call and releases everything. Idempotent.
   *
   * @example
   * ```ts
   * const client = await Client.create();
   * await client.close();
   * ```
   */
  close(): Promise<void> {
    return this.#closing ??= (async () => {
      this.#events.close();
      await this.#registry.close();
      await this.#factory.close();
      await this.#events.idle();
    })();
  }

  /**
   * Closes the client at the end of an `await using` block.
   *
   * @example
   * ```ts
   * await using client = await Client.create(); // closed at the end of the scope
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Resolves once every queued event has been delivered (tests, shutdown).
   *
   * @example
   * ```ts
   * await using client = await Client.create();
   * await client.idle(); // every event raised so far has been delivered
   * ```
   */
  idle(): Promise<void> {
    return this.#events.idle();
  }
}
