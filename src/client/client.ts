/**
 * The Client: the ntgcalls/gotgcall API over tgcall's own WebRTC stack.
 *
 * One client serves any number of calls, keyed by chat id. Signalling is
 * JSON in and out — `createCall` gives the `phone.joinGroupCall` params,
 * `connect` takes `updateGroupCallConnection.params.data` — so the client
 * works with any MTProto library.
 *
 * Registry rules (gotgcall's): concurrent `createCall`/`startRtmp` for one
 * chat are deduplicated synchronously — the first wins, the others fail
 * with {@linkcode ConnectionExistsError} before anything is allocated;
 * failed, timed-out and closed calls are reaped on the next lookup, so a
 * retry just works; after `stop` the chat id is free again; every method
 * after `close` throws {@linkcode ClosedError}.
 *
 * @module
 */

import {
  ClosedError,
  ConnectionExistsError,
  ConnectionNotFoundError,
  FFmpegSpawnError,
  InvalidParamsError,
  RtmpModeError,
  SpawnError,
  StreamModeError,
  type TgCallError,
  WrongModeError,
} from "../errors.ts";
import { CertificatePool } from "./cert_pool.ts";
import { Dispatcher } from "./dispatcher.ts";
import {
  type CallLogger,
  type CallStats,
  type ConnectionState,
  GroupCall,
  type GroupCallOptions,
  type MediaState,
  type NetworkInfo,
  type StreamDevice,
  type StreamType,
} from "../call/group_call.ts";
import type { NetworkType } from "../transport/peer_transport.ts";
import { RtmpCall } from "../call/rtmp_call.ts";
import { UdpMux } from "../transport/udp_mux.ts";
import { spawn } from "../runtime/subprocess.ts";
import { parseJoinResponse } from "../signaling/join_response.ts";
import type { Source } from "../source/sources.ts";
import type { SrtpProfileName } from "../srtp/profile.ts";

/** A console-compatible logger. Missing methods are ignored. */
export interface Logger {
  /** Debug messages (only with `debugLogs`/`verboseConnectionLogs`/`ffmpegStderrLog`). */
  debug?(...args: unknown[]): void;
  /** Informational messages. */
  info?(...args: unknown[]): void;
  /** Warnings. */
  warn?(...args: unknown[]): void;
  /** Errors. */
  error?(...args: unknown[]): void;
}

/** Options for {@linkcode Client.create}. */
export interface ClientOptions {
  /** ffmpeg binary; default `"ffmpeg"` from PATH. `create` fails fast if it cannot run. */
  ffmpegPath?: string;
  /** Where logs go. Default: nowhere (the client is silent). */
  logger?: Logger;
  /** Debug logs; without a `logger` they go to `console`. */
  debugLogs?: boolean;
  /** Tee ffmpeg's stderr, line by line, into debug logs (ffmpeg runs at `-loglevel info`). */
  ffmpegStderrLog?: boolean;
  /** One UDP socket (per family) for every call. */
  sharedUdpMux?: boolean;
  /** DTLS certificates kept ready; default 8, 0 disables the pool. */
  dtlsCertPool?: number;
  /** Event queue size; default 256. When full the oldest event is dropped. */
  dispatchBuffer?: number;
  /** Candidate families; default `["udp4", "udp6"]`. */
  networkTypes?: NetworkType[];
  /** How long to wait for Connected (connect timeout, and `setStreamSources`/`resume`); default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Per-state ICE/DTLS details in debug logs. */
  verboseConnectionLogs?: boolean;
  /** Local bind addresses; default the wildcards. */
  bindAddress?: { udp4?: string; udp6?: string };
  /** SRTP profiles offered, preferred first; default AES_CM_128_HMAC_SHA1_80 then AEAD_AES_128_GCM. */
  srtpProfiles?: SrtpProfileName[];
}

/** Options for {@linkcode Client.createCall}. */
export interface CreateCallOptions {
  /**
   * Announce a video SSRC group (needed to stream video later); default
   * true. `false` gives an audio-only join payload without `ssrc-groups`.
   */
  video?: boolean;
}

/** Options for {@linkcode Client.setStreamSources}. */
export interface StreamSourceOptions {
  /**
   * Start this many milliseconds into the source (seekable sources); used to
   * resume where a previous call left off, e.g. after a rejoin. Default 0.
   */
  offsetMs?: number;
}

/** A chat id: a number (safe integer) or a bigint. */
export type ChatId = number | bigint;

/** One entry of {@linkcode Client.calls}. */
export interface CallInfo {
  /** WebRTC group call or RTMP push. */
  mode: "webrtc" | "rtmp";
  /** Connection state. */
  state: ConnectionState | "new";
  /** Whether a source is set and not finished. */
  playing: boolean;
  /** Media state. */
  media: MediaState;
  /** Playback position, ms. */
  timeMs: number;
}

/** `onStreamEnd` callback. */
export type StreamEndCallback = (
  chatId: ChatId,
  type: StreamType,
  device: StreamDevice,
  error?: TgCallError,
) => unknown;
/** `onConnectionChange` callback. */
export type ConnectionChangeCallback = (
  chatId: ChatId,
  info: NetworkInfo,
) => unknown;
/** `onUpgrade` callback. */
export type UpgradeCallback = (chatId: ChatId, state: MediaState) => unknown;

type Call = GroupCall | RtmpCall;

/** What a call reports its events through. */
type CallHooks = Pick<
  GroupCallOptions,
  "onConnection" | "onStreamEnd" | "onUpgrade"
>;

interface Entry {
  chatId: ChatId;
  call: Call;
}

function chatKey(chatId: ChatId): string {
  if (typeof chatId === "bigint") return chatId.toString();
  if (typeof chatId === "number" && Number.isSafeInteger(chatId)) {
    return String(chatId);
  }
  throw new InvalidParamsError(
    `chatId must be a safe integer or a bigint, got ${String(chatId)}`,
  );
}

const noop = () => {};

/**
 * Streams audio and video into Telegram group calls.
 *
 * @example
 * ```ts ignore
 * import { Client, fromFile } from "jsr:@x/tgcall";
 *
 * await using client = await Client.create();
 * client.onStreamEnd((chatId, type) => console.log(chatId, type, "ended"));
 * const params = await client.createCall(chatId);
 * // → phone.joinGroupCall({ params: { data: params } }) via your MTProto client,
 * //   then updateGroupCallConnection.params.data:
 * await client.connect(chatId, answerJson);
 * await client.setStreamSources(chatId, fromFile("song.mp3"));
 * ```
 */
export class Client implements AsyncDisposable {
  readonly #ffmpegPath: string;
  readonly #logger: Required<Logger>;
  readonly #debug: boolean;
  readonly #options: ClientOptions;
  readonly #calls = new Map<string, Entry>();
  readonly #dispatcher: Dispatcher;
  readonly #certs: CertificatePool;
  readonly #streamEnd = new Set<StreamEndCallback>();
  readonly #connection = new Set<ConnectionChangeCallback>();
  readonly #upgrade = new Set<UpgradeCallback>();
  readonly #dying = new Set<Promise<void>>();
  #mux: UdpMux | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(options: ClientOptions, mux: UdpMux | undefined) {
    this.#options = options;
    this.#ffmpegPath = options.ffmpegPath ?? "ffmpeg";
    this.#debug = !!(options.debugLogs || options.verboseConnectionLogs ||
      options.ffmpegStderrLog);
    const base: Logger = options.logger ??
      (options.debugLogs ? console : {});
    this.#logger = {
      debug: this.#debug && base.debug ? base.debug.bind(base) : noop,
      info: base.info?.bind(base) ?? noop,
      warn: base.warn?.bind(base) ?? noop,
      error: base.error?.bind(base) ?? noop,
    };
    this.#dispatcher = new Dispatcher(
      options.dispatchBuffer ?? 256,
      this.#logger,
    );
    this.#certs = new CertificatePool(options.dtlsCertPool ?? 8);
    this.#mux = mux;
  }

  /**
   * Creates a client after checking that ffmpeg runs.
   *
   * @throws {FFmpegSpawnError} when ffmpeg is missing or broken.
   * @throws {InvalidParamsError} for invalid options.
   */
  static async create(options: ClientOptions = {}): Promise<Client> {
    const timeout = options.connectTimeoutMs ?? 10_000;
    if (!Number.isFinite(timeout) || timeout <= 0) {
      throw new InvalidParamsError("connectTimeoutMs must be positive");
    }
    const types = options.networkTypes ?? ["udp4", "udp6"];
    if (
      types.length === 0 || types.some((t) => t !== "udp4" && t !== "udp6")
    ) {
      throw new InvalidParamsError(
        `networkTypes must be a non-empty subset of ["udp4", "udp6"], got ${
          JSON.stringify(types)
        }`,
      );
    }
    await checkFfmpeg(options.ffmpegPath ?? "ffmpeg");
    const mux = options.sharedUdpMux
      ? await UdpMux.open({
        networkTypes: types,
        bindAddress: options.bindAddress,
      })
      : undefined;
    return new Client(options, mux);
  }

  // -- events ---------------------------------------------------------------

  /** Stream ended by itself (EOF or ffmpeg failure), once per leg, video first. */
  onStreamEnd(callback: StreamEndCallback): () => void {
    this.#streamEnd.add(callback);
    return () => this.#streamEnd.delete(callback);
  }

  /** Connection state changes. */
  onConnectionChange(callback: ConnectionChangeCallback): () => void {
    this.#connection.add(callback);
    return () => this.#connection.delete(callback);
  }

  /** Media state changes: mute/unmute/pause/resume and spontaneous video stops. */
  onUpgrade(callback: UpgradeCallback): () => void {
    this.#upgrade.add(callback);
    return () => this.#upgrade.delete(callback);
  }

  #emit<A extends unknown[]>(
    name: string,
    set: Set<(...args: A) => unknown>,
    args: A,
  ): void {
    if (this.#closed && name !== "onConnectionChange") return;
    this.#dispatcher.push(name, async () => {
      for (const cb of [...set]) {
        try {
          await cb(...args);
        } catch (error) {
          this.#logger.error(`tgcall: ${name} callback threw`, error);
        }
      }
    });
  }

  // -- registry -------------------------------------------------------------

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError("The client is closed");
  }

  #lookup(chatId: ChatId): Call {
    this.#assertOpen();
    const key = chatKey(chatId);
    const entry = this.#calls.get(key);
    if (entry?.call.dead) this.#reap(key, entry.call);
    if (!entry || entry.call.dead) {
      throw new ConnectionNotFoundError(`No call for chat ${chatId}`);
    }
    return entry.call;
  }

  #group(chatId: ChatId, method: string): GroupCall {
    const call = this.#lookup(chatId);
    if (!(call instanceof GroupCall)) {
      throw new WrongModeError(`${method} is not available on an RTMP call`);
    }
    return call;
  }

  /**
   * Registers the call `create` builds for a chat, after checking — all
   * synchronously, so concurrent calls for one chat cannot interleave —
   * that no live call exists (a dead one is reaped). Nothing is allocated
   * for a refused chat, and nothing is registered if `create` throws.
   */
  #register<C extends Call>(
    chatId: ChatId,
    create: (hooks: CallHooks) => C,
  ): C {
    this.#assertOpen();
    const key = chatKey(chatId);
    const existing = this.#calls.get(key);
    if (existing && !existing.call.dead) {
      throw new ConnectionExistsError(`Chat ${chatId} already has a call`);
    }
    if (existing) this.#reap(key, existing.call);
    const call = create(this.#hooks(chatId));
    this.#calls.set(key, { chatId, call });
    return call;
  }

  /** The event hooks a call of `chatId` reports through. */
  #hooks(chatId: ChatId): CallHooks {
    return {
      onConnection: (info: NetworkInfo) =>
        this.#emit("onConnectionChange", this.#connection, [chatId, info]),
      onStreamEnd: (
        type: StreamType,
        device: StreamDevice,
        error?: TgCallError,
      ) =>
        this.#emit(
          "onStreamEnd",
          this.#streamEnd,
          error ? [chatId, type, device, error] : [chatId, type, device],
        ),
      onUpgrade: (state: MediaState) =>
        this.#emit("onUpgrade", this.#upgrade, [chatId, state]),
    };
  }

  get #callLogger(): CallLogger {
    return { debug: this.#logger.debug, warn: this.#logger.warn };
  }

  /** Drops a failed/timed-out call and makes sure its resources are gone. */
  #reap(key: string, call: Call): void {
    if (this.#calls.get(key)?.call === call) this.#calls.delete(key);
    const done: Promise<void> = call.dispose().catch(() => {}).finally(() =>
      this.#dying.delete(done)
    );
    this.#dying.add(done);
  }

  // -- calls ----------------------------------------------------------------

  /**
   * Starts a WebRTC call and returns the join params JSON for
   * `phone.joinGroupCall`.
   *
   * @throws {ConnectionExistsError} when the chat has a live call.
   */
  createCall(chatId: ChatId, options: CreateCallOptions = {}): Promise<string> {
    try {
      const call = this.#register(chatId, (hooks) =>
        new GroupCall({
          chatId,
          certificate: this.#certs.take(),
          video: options.video ?? true,
          ffmpegPath: this.#ffmpegPath,
          ffmpegStderrLog: !!this.#options.ffmpegStderrLog,
          connectTimeoutMs: this.#options.connectTimeoutMs ?? 10_000,
          networkTypes: this.#options.networkTypes ?? ["udp4", "udp6"],
          bindAddress: this.#options.bindAddress,
          mux: this.#mux,
          srtpProfiles: this.#options.srtpProfiles,
          verboseConnectionLogs: !!this.#options.verboseConnectionLogs,
          logger: this.#callLogger,
          ...hooks,
        }));
      return Promise.resolve(call.joinPayload());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Feeds Telegram's answer (`updateGroupCallConnection.params.data`) and
   * starts connecting. Calling it again replaces the remote parameters.
   *
   * @throws {ConnectionNotFoundError} before `createCall`.
   * @throws {InvalidParamsError} for malformed JSON.
   * @throws {StreamModeError} for `{"stream": true}` (listener only).
   * @throws {RtmpModeError} for an RTMP call's answer.
   */
  async connect(chatId: ChatId, answerJson: string): Promise<void> {
    const call = this.#group(chatId, "connect");
    const answer = parseJoinResponse(answerJson);
    if (answer.mode === "stream") {
      throw new StreamModeError(
        `Chat ${chatId}: Telegram joined the bot as a listener (stream mode); re-join once it may speak`,
      );
    }
    if (answer.mode === "rtmp") {
      throw new RtmpModeError(
        `Chat ${chatId} is an RTMP call: push with startRtmp() to the URL from phone.getGroupCallStreamRtmpUrl`,
      );
    }
    await call.connect(answer);
  }

  /**
   * Starts an RTMP push call to `rtmpUrl` (from
   * `phone.getGroupCallStreamRtmpUrl`: url + key).
   *
   * @throws {ConnectionExistsError} when the chat has a live call.
   * @throws {InvalidParamsError} unless the URL is rtmp:// or rtmps://.
   */
  startRtmp(chatId: ChatId, rtmpUrl: string): Promise<void> {
    try {
      this.#register(chatId, (hooks) =>
        new RtmpCall({
          chatId,
          url: rtmpUrl,
          ffmpegPath: this.#ffmpegPath,
          ffmpegStderrLog: !!this.#options.ffmpegStderrLog,
          logger: this.#callLogger,
          ...hooks,
        }));
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Plays `source`, replacing what was playing (no end event for it).
   * Waits up to `connectTimeoutMs` for the call to connect.
   *
   * @throws {NotConnectedError} when it does not connect in time.
   * @throws {FFmpegSpawnError} when ffmpeg cannot start.
   */
  async setStreamSources(
    chatId: ChatId,
    source: Source,
    options: StreamSourceOptions = {},
  ): Promise<void> {
    if (!source || typeof source.legs !== "function") {
      throw new InvalidParamsError(
        "setStreamSources needs a Source (fromFile, fromUrl, fromShell, …)",
      );
    }
    const offsetMs = options.offsetMs ?? 0;
    if (!Number.isFinite(offsetMs) || offsetMs < 0) {
      throw new InvalidParamsError(
        `offsetMs must be a finite number ≥ 0, got ${offsetMs}`,
      );
    }
    await this.#lookup(chatId).setSource(source, offsetMs);
  }

  /** Pauses playback; `false` when already paused. */
  async pause(chatId: ChatId): Promise<boolean> {
    return await this.#lookup(chatId).pause();
  }

  /** Resumes playback; `false` when not paused. */
  async resume(chatId: ChatId): Promise<boolean> {
    return await this.#lookup(chatId).resume();
  }

  /** Mutes audio (silence is sent); `false` when already muted. */
  async mute(chatId: ChatId): Promise<boolean> {
    return await this.#lookup(chatId).mute();
  }

  /** Unmutes; `false` when not muted. */
  async unmute(chatId: ChatId): Promise<boolean> {
    return await this.#lookup(chatId).unmute();
  }

  /**
   * Seeks by `deltaMs` from the current position (negative: back).
   *
   * @throws {NoSourceError} when nothing is playing.
   * @throws {SeekUnsupportedError} when the source cannot seek.
   */
  async seekBy(chatId: ChatId, deltaMs: number): Promise<void> {
    await this.#lookup(chatId).seekBy(deltaMs);
  }

  /** Playback position in ms; continuous across pause, resume and seek. */
  time(chatId: ChatId): number {
    return this.#lookup(chatId).time();
  }

  /**
   * The audio SSRC as in the join JSON (signed int32), for
   * `phone.leaveGroupCall`'s `source`.
   *
   * @throws {WrongModeError} on an RTMP call.
   */
  audioSsrc(chatId: ChatId): number {
    return this.#group(chatId, "audioSsrc").telegramAudioSsrc;
  }

  /** The call's media state. */
  mediaState(chatId: ChatId): MediaState {
    return this.#lookup(chatId).mediaState();
  }

  /**
   * Connection and media statistics.
   *
   * @throws {WrongModeError} on an RTMP call.
   */
  stats(chatId: ChatId): CallStats {
    return this.#group(chatId, "stats").stats();
  }

  /** Every live call. */
  calls(): Map<ChatId, CallInfo> {
    this.#assertOpen();
    const out = new Map<ChatId, CallInfo>();
    for (const [key, entry] of this.#calls) {
      const call = entry.call;
      if (call.dead) {
        this.#reap(key, call);
        continue;
      }
      out.set(entry.chatId, {
        mode: call instanceof GroupCall ? "webrtc" : "rtmp",
        state: call.state,
        playing: call.playing,
        media: call.mediaState(),
        timeMs: call.time(),
      });
    }
    return out;
  }

  /** Ends a call (no stream-end event; `closed` is reported). The chat id is free afterwards. */
  async stop(chatId: ChatId): Promise<void> {
    this.#assertOpen();
    const key = chatKey(chatId);
    const entry = this.#calls.get(key);
    if (!entry) {
      throw new ConnectionNotFoundError(`No call for chat ${chatId}`);
    }
    this.#calls.delete(key);
    await entry.call.stop();
  }

  /** Stops every call and releases everything. Idempotent. */
  close(): Promise<void> {
    return this.#closing ??= (async () => {
      this.#closed = true;
      const calls = [...this.#calls.values()];
      this.#calls.clear();
      await Promise.all(calls.map((e) => e.call.stop()));
      await Promise.all([...this.#dying]);
      this.#certs.close();
      await this.#mux?.close();
      this.#mux = undefined;
      await this.#dispatcher.idle();
    })();
  }

  /** `await using client = await Client.create()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Resolves once every queued event has been delivered (for tests and shutdown). */
  idle(): Promise<void> {
    return this.#dispatcher.idle();
  }
}

async function checkFfmpeg(path: string): Promise<void> {
  let child;
  try {
    child = await spawn(path, { args: ["-hide_banner", "-version"] });
  } catch (error) {
    if (error instanceof SpawnError) {
      throw new FFmpegSpawnError(
        path,
        `ffmpeg not found or not executable (${path}); install it or set ffmpegPath`,
        { cause: error },
      );
    }
    throw error;
  }
  await new Response(child.stdout).arrayBuffer();
  const status = await child.exited;
  if (status.code !== 0) {
    throw new FFmpegSpawnError(
      path,
      `${path} -version exited with ${
        status.code ?? status.signal
      }: ${child.stderrTail()}`,
    );
  }
}
