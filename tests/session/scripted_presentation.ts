/**
 * The scripted client and adapter of `scripted_peers.ts` with screen
 * sharing: a client presentation that connects (or not) on fake time, and
 * an adapter whose `checkGroupCall` lists presentation sources it joined.
 */
import type { ChatId, StreamSourceOptions } from "../../src/client/options.ts";
import type { ConnectionState } from "../../src/call/types.ts";
import {
  ConnectionExistsError,
  ConnectionNotFoundError,
  NotConnectedError,
} from "../../src/errors.ts";
import type { Scheduler } from "../../src/runtime/scheduler.ts";
import type { GroupCallRef } from "../../src/session/mtproto_adapter.ts";
import type { Source } from "../../src/source/sources.ts";
import { fakeScheduler } from "../_support/fake_time.ts";
import { flush, ScriptedAdapter, ScriptedClient } from "./scripted_peers.ts";

type Listener = Parameters<ScriptedClient["onConnectionChange"]>[0];

interface ScriptedPresentation {
  ssrc: number;
  state: ConnectionState | "new";
}

/** A scripted client with a presentation per chat. */
export class PresentingClient extends ScriptedClient {
  /** Every presentation payload created, in order. */
  readonly presentationPayloads: string[] = [];
  /** Every `setPresentationSource`, in order. */
  readonly shares: { source: Source; offsetMs: number; at: number }[] = [];
  readonly #presentations = new Map<string, ScriptedPresentation>();
  readonly #connection = new Set<Listener>();
  readonly #end = new Set<Listener>();
  readonly #sched: Scheduler;

  constructor(scheduler: Scheduler) {
    super(scheduler);
    this.#sched = scheduler;
  }

  /** The chat's presentation, if any. */
  presentation(chatId: ChatId): ScriptedPresentation | undefined {
    return this.#presentations.get(String(chatId));
  }

  #call(chatId: ChatId): void {
    if (!this.calls_.has(String(chatId))) {
      throw new ConnectionNotFoundError(`No call for chat ${chatId}`);
    }
  }

  /** Drives the presentation's transport. */
  presentationTransport(chatId: ChatId, state: ConnectionState): void {
    const p = this.presentation(chatId);
    if (p) p.state = state;
    this.#later(this.#connection, [chatId, { state, kind: "presentation" }]);
  }

  /** The shared source played to its end. */
  screenEnd(chatId: ChatId): void {
    this.#later(this.#end, [chatId, "video", "screen"]);
  }

  #later(set: Set<Listener>, args: unknown[]): void {
    queueMicrotask(() => {
      for (const listener of [...set]) {
        (listener as (...a: unknown[]) => unknown)(...args);
      }
    });
  }

  createPresentation(chatId: ChatId): Promise<string> {
    this.#call(chatId);
    const live = this.presentation(chatId);
    if (live && !["failed", "timeout", "closed"].includes(live.state)) {
      return Promise.reject(new ConnectionExistsError("presenting"));
    }
    const ssrc = (Math.random() * 2 ** 32) | 0 || 1;
    const params = JSON.stringify({ ssrc, ufrag: "s", pwd: "p" });
    this.presentationPayloads.push(params);
    this.#presentations.set(String(chatId), { ssrc, state: "new" });
    return Promise.resolve(params);
  }

  connectPresentation(chatId: ChatId): Promise<void> {
    this.#call(chatId);
    this.presentationTransport(chatId, "connecting");
    const p = this.presentation(chatId)!;
    const task = this.#sched.task(() => {
      if (this.presentation(chatId) === p && p.state === "connecting") {
        this.presentationTransport(chatId, "connected");
      }
    });
    task.after(50);
    return Promise.resolve();
  }

  async setPresentationSource(
    chatId: ChatId,
    source: Source,
    options: StreamSourceOptions = {},
  ): Promise<void> {
    const p = this.presentation(chatId);
    if (!p) throw new ConnectionNotFoundError("no presentation");
    while (p.state !== "connected") {
      if (this.presentation(chatId) !== p || p.state !== "connecting") {
        throw new NotConnectedError("the presentation did not connect");
      }
      await flush();
    }
    this.shares.push({
      source,
      offsetMs: options.offsetMs ?? 0,
      at: this.#sched.clock.now(),
    });
  }

  stopPresentation(chatId: ChatId): Promise<void> {
    this.#call(chatId);
    if (!this.#presentations.delete(String(chatId))) {
      return Promise.reject(new ConnectionNotFoundError("no presentation"));
    }
    return Promise.resolve();
  }

  override stop(chatId: ChatId): Promise<void> {
    this.#presentations.delete(String(chatId));
    return super.stop(chatId);
  }

  override onConnectionChange(callback: Listener): () => void {
    this.#connection.add(callback);
    const off = super.onConnectionChange(callback);
    return () => {
      this.#connection.delete(callback);
      off();
    };
  }

  override onStreamEnd(callback: Listener): () => void {
    this.#end.add(callback);
    const off = super.onStreamEnd(callback);
    return () => {
      this.#end.delete(callback);
      off();
    };
  }
}

/** A scripted adapter with the presentation RPCs. */
export class PresentingAdapter extends ScriptedAdapter {
  /** Errors the next presentation joins throw, first first. */
  presentationFailures: Error[] = [];
  #presentation: number | undefined;

  joinGroupCallPresentation(call: GroupCallRef, params: string) {
    this.requests.push({
      method: "joinGroupCallPresentation",
      args: { call, params },
    });
    const failure = this.presentationFailures.shift();
    if (failure) return Promise.reject(failure);
    if (this.#presentation !== undefined) {
      this.joined.delete(this.#presentation);
    }
    this.#presentation = JSON.parse(params).ssrc >>> 0;
    this.joined.add(this.#presentation);
    return Promise.resolve('{"transport":{"ufrag":"x","pwd":"y"}}');
  }

  leaveGroupCallPresentation(call: GroupCallRef): Promise<void> {
    this.requests.push({
      method: "leaveGroupCallPresentation",
      args: { call },
    });
    if (this.#presentation !== undefined) {
      this.joined.delete(this.#presentation);
    }
    this.#presentation = undefined;
    return Promise.resolve();
  }

  /** Telegram forgets the presentation (checkGroupCall omits it). */
  dropPresentation(): void {
    if (this.#presentation !== undefined) {
      this.joined.delete(this.#presentation);
    }
  }
}

/** scriptedWorld() with the presenting client and adapter. */
export function presentingWorld() {
  const time = fakeScheduler();
  const client = new PresentingClient(time.scheduler);
  const adapter = new PresentingAdapter();
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
