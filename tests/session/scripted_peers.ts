/**
 * A scripted {@linkcode SessionClient} and {@linkcode MtprotoAdapter} on fake
 * time, for the session's unit tests: the client's transport does what the
 * test says, the adapter answers (or fails) as scripted and records every
 * request.
 */
import type { ChatId } from "../../src/client/options.ts";
import type { ConnectionState, MediaState } from "../../src/call/types.ts";
import {
  ConnectionExistsError,
  ConnectionNotFoundError,
  RtmpModeError,
  StreamModeError,
} from "../../src/errors.ts";
import type { Scheduler } from "../../src/runtime/scheduler.ts";
import { MtprotoError, TelegramRpcError } from "../../src/session/errors.ts";
import type {
  EditSelfRequest,
  GroupCallRef,
  GroupCallUpdate,
  JoinGroupCallRequest,
  MtprotoAdapter,
} from "../../src/session/mtproto_adapter.ts";
import type { SessionClient } from "../../src/session/session_options.ts";
import type { Source } from "../../src/source/sources.ts";
import { fakeScheduler } from "../_support/fake_time.ts";

/** What a scripted transport does after `connect`. */
export type ConnectScript = "connect" | "fail" | "timeout";

interface ScriptedCall {
  chatId: ChatId;
  state: ConnectionState | "new";
  ssrc: number;
  params: string;
  source?: Source;
  offsetMs: number;
  startedAt: number;
  paused: boolean;
  muted: boolean;
}

type Listener = (...args: never[]) => unknown;

/** A client whose calls connect (or not) on fake time. */
export class ScriptedClient implements SessionClient {
  readonly calls_ = new Map<string, ScriptedCall>();
  /** Every join payload created, in order. */
  readonly payloads: string[] = [];
  /** Every `setStreamSources`, in order. */
  readonly plays: { offsetMs: number; at: number }[] = [];
  /** What the next connects do (the last entry repeats). */
  connectScript: ConnectScript[] = ["connect"];
  readonly #scheduler: Scheduler;
  readonly #listeners = {
    connection: new Set<Listener>(),
    upgrade: new Set<Listener>(),
    end: new Set<Listener>(),
  };
  #connects = 0;

  constructor(scheduler: Scheduler) {
    this.#scheduler = scheduler;
  }

  #now(): number {
    return this.#scheduler.clock.now();
  }

  #emit(kind: "connection" | "upgrade" | "end", args: unknown[]): void {
    const set = this.#listeners[kind];
    // Like the real client's dispatcher: delivered later, in order.
    queueMicrotask(() => {
      for (const listener of [...set]) {
        (listener as (...a: unknown[]) => unknown)(...args);
      }
    });
  }

  #get(chatId: ChatId): ScriptedCall {
    const call = this.calls_.get(String(chatId));
    if (!call) throw new ConnectionNotFoundError(`No call for chat ${chatId}`);
    return call;
  }

  /** Drives the transport of the chat's call. */
  transport(chatId: ChatId, state: ConnectionState): void {
    const call = this.#get(chatId);
    call.state = state;
    if (state === "failed" || state === "timeout") {
      this.calls_.delete(String(chatId));
    }
    this.#emit("connection", [chatId, { state, kind: "normal" }]);
  }

  /** Reports a media-state change as the real client would. */
  upgrade(chatId: ChatId, state: MediaState): void {
    this.#emit("upgrade", [chatId, state]);
  }

  /** Ends the audio leg of what plays. */
  streamEnd(chatId: ChatId): void {
    this.#emit("end", [chatId, "audio", "microphone"]);
  }

  createCall(chatId: ChatId): Promise<string> {
    const existing = this.calls_.get(String(chatId));
    if (existing) {
      return Promise.reject(new ConnectionExistsError(`${chatId} has a call`));
    }
    // Signed, as in the real join JSON: half of them negative.
    const ssrc = (Math.random() * 2 ** 32) | 0 || 1;
    const params = JSON.stringify({
      ssrc,
      ufrag: Math.random().toString(36).slice(2, 6),
      pwd: Math.random().toString(36).slice(2),
    });
    this.payloads.push(params);
    this.calls_.set(String(chatId), {
      chatId,
      state: "new",
      ssrc,
      params,
      offsetMs: 0,
      startedAt: 0,
      paused: false,
      muted: false,
    });
    return Promise.resolve(params);
  }

  connect(chatId: ChatId, answerJson: string): Promise<void> {
    const call = this.#get(chatId);
    const answer = JSON.parse(answerJson);
    if (answer.stream && answer.rtmp) {
      return Promise.reject(new RtmpModeError("rtmp"));
    }
    if (answer.stream) return Promise.reject(new StreamModeError("stream"));
    const script = this.connectScript[
      Math.min(this.#connects++, this.connectScript.length - 1)
    ];
    call.state = "connecting";
    this.#emit("connection", [chatId, { state: "connecting", kind: "normal" }]);
    const task = this.#scheduler.task(() => {
      if (this.calls_.get(String(chatId)) !== call) return;
      this.transport(
        chatId,
        script === "connect"
          ? "connected"
          : script === "fail"
          ? "failed"
          : "timeout",
      );
    });
    task.after(script === "timeout" ? 10_000 : 50);
    return Promise.resolve();
  }

  stop(chatId: ChatId): Promise<void> {
    this.#get(chatId);
    this.calls_.delete(String(chatId));
    this.#emit("connection", [chatId, { state: "closed", kind: "normal" }]);
    return Promise.resolve();
  }

  setStreamSources(
    chatId: ChatId,
    source: Source,
    options: { offsetMs?: number } = {},
  ): Promise<void> {
    const call = this.#get(chatId);
    call.source = source;
    call.offsetMs = options.offsetMs ?? 0;
    call.startedAt = this.#now();
    this.plays.push({ offsetMs: call.offsetMs, at: this.#now() });
    return Promise.resolve();
  }

  #flag(
    chatId: ChatId,
    flag: "paused" | "muted",
    on: boolean,
  ): Promise<boolean> {
    const call = this.#get(chatId);
    if (call[flag] === on) return Promise.resolve(false);
    if (flag === "paused") {
      if (on) call.offsetMs = this.time(chatId);
      else call.startedAt = this.#now();
    }
    call[flag] = on;
    return Promise.resolve(true);
  }

  pause(chatId: ChatId): Promise<boolean> {
    return this.#flag(chatId, "paused", true);
  }
  resume(chatId: ChatId): Promise<boolean> {
    return this.#flag(chatId, "paused", false);
  }
  mute(chatId: ChatId): Promise<boolean> {
    return this.#flag(chatId, "muted", true);
  }
  unmute(chatId: ChatId): Promise<boolean> {
    return this.#flag(chatId, "muted", false);
  }
  seekBy(chatId: ChatId, deltaMs: number): Promise<void> {
    const call = this.#get(chatId);
    call.offsetMs = Math.max(0, this.time(chatId) + deltaMs);
    call.startedAt = this.#now();
    return Promise.resolve();
  }

  time(chatId: ChatId): number {
    const call = this.#get(chatId);
    if (!call.source) return 0;
    if (call.paused) return call.offsetMs;
    return call.offsetMs + (this.#now() - call.startedAt);
  }

  audioSsrc(chatId: ChatId): number {
    return this.#get(chatId).ssrc;
  }

  calls(): Map<ChatId, { state: ConnectionState | "new" }> {
    const out = new Map<ChatId, { state: ConnectionState | "new" }>();
    for (const call of this.calls_.values()) {
      out.set(call.chatId, { state: call.state });
    }
    return out;
  }

  onConnectionChange(callback: Listener): () => void {
    return this.#on("connection", callback);
  }
  onUpgrade(callback: Listener): () => void {
    return this.#on("upgrade", callback);
  }
  onStreamEnd(callback: Listener): () => void {
    return this.#on("end", callback);
  }

  #on(kind: "connection" | "upgrade" | "end", callback: Listener): () => void {
    this.#listeners[kind].add(callback);
    return () => this.#listeners[kind].delete(callback);
  }

  /** Subscriptions still held (0 once a session released everything). */
  get subscriptions(): number {
    const l = this.#listeners;
    return l.connection.size + l.upgrade.size + l.end.size;
  }
}

/** An adapter answering from a script, recording each request. */
export class ScriptedAdapter implements MtprotoAdapter {
  readonly requests: { method: string; args: unknown }[] = [];
  /** The chat's call; `null`: none. Replace to simulate a new call. */
  current: GroupCallRef | null = { id: 1n, accessHash: 11n };
  /** Sources Telegram considers joined (what checkGroupCall answers). */
  readonly joined = new Set<number>();
  /** Answer joins with `{"stream": true}` (and `rtmp`). */
  mode: "rtc" | "stream" | "rtmp" = "rtc";
  /** Errors the next joins throw, first first; `permanent` repeats forever. */
  failures: Error[] = [];
  permanent: Error | undefined;
  editError: Error | undefined;
  readonly #listeners = new Set<(update: GroupCallUpdate) => void>();

  static rpc(text: string, code = 400): TelegramRpcError {
    return new TelegramRpcError("phone.joinGroupCall", code, text);
  }

  static network(): MtprotoError {
    return new MtprotoError("connection lost");
  }

  count(method: string): number {
    return this.requests.filter((r) => r.method === method).length;
  }

  getGroupCall(chatId: ChatId): Promise<GroupCallRef | null> {
    this.requests.push({ method: "getGroupCall", args: { chatId } });
    return Promise.resolve(this.current);
  }

  joinGroupCall(request: JoinGroupCallRequest): Promise<string> {
    this.requests.push({ method: "joinGroupCall", args: request });
    const failure = this.failures.shift() ?? this.permanent;
    if (failure) return Promise.reject(failure);
    const source = JSON.parse(request.params).ssrc >>> 0;
    this.joined.clear();
    this.joined.add(source);
    this.emit({
      type: "participant",
      callId: request.call.id,
      self: true,
      source,
      left: false,
      canSelfUnmute: this.mode === "rtc",
      muted: this.mode !== "rtc",
    });
    if (this.mode === "stream") return Promise.resolve('{"stream":true}');
    if (this.mode === "rtmp") {
      return Promise.resolve('{"stream":true,"rtmp":true}');
    }
    return Promise.resolve('{"transport":{"ufrag":"x","pwd":"y"}}');
  }

  leaveGroupCall(call: GroupCallRef, source: number): Promise<void> {
    this.requests.push({ method: "leaveGroupCall", args: { call, source } });
    this.joined.delete(source);
    return Promise.resolve();
  }

  checkGroupCall(call: GroupCallRef, sources: number[]): Promise<number[]> {
    this.requests.push({ method: "checkGroupCall", args: { call, sources } });
    return Promise.resolve(sources.filter((s) => this.joined.has(s)));
  }

  editGroupCallParticipant(request: EditSelfRequest): Promise<void> {
    this.requests.push({ method: "editGroupCallParticipant", args: request });
    return this.editError ? Promise.reject(this.editError) : Promise.resolve();
  }

  onUpdate(listener: (update: GroupCallUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Delivers an update later, as an MTProto client would. */
  emit(update: GroupCallUpdate): void {
    queueMicrotask(() => {
      for (const listener of [...this.#listeners]) listener(update);
    });
  }

  /** Listeners still subscribed. */
  get subscriptions(): number {
    return this.#listeners.size;
  }
}

/** Lets every pending promise chain run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Fake time plus a scripted client and adapter on it. */
export function scriptedWorld(): {
  scheduler: Scheduler;
  client: ScriptedClient;
  adapter: ScriptedAdapter;
  now(): number;
  /** Advances fake time by `ms` in `stepMs` steps, settling promises in between. */
  run(ms: number, stepMs?: number): Promise<void>;
} {
  const time = fakeScheduler();
  const client = new ScriptedClient(time.scheduler);
  const adapter = new ScriptedAdapter();
  return {
    scheduler: time.scheduler,
    client,
    adapter,
    now: time.now,
    async run(ms: number, stepMs = 50) {
      await flush();
      for (let t = 0; t < ms; t += stepMs) {
        time.advance(Math.min(stepMs, ms - t));
        await flush();
      }
    },
  };
}

/** A source stand-in: the session only remembers and hands it on. */
export function fakeSource(seekable = true): Source {
  const base = {
    tracks: 1,
    parallelSpawn: false,
    description: "fake",
    legs: () => [],
    open: () => Promise.reject(new Error("not playable")),
  };
  return (seekable
    ? { ...base, openAt: base.open }
    : base) as unknown as Source;
}
