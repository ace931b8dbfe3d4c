/**
 * A client's three events — stream end, connection change, media-state
 * upgrade — as subscription sets, fed by the calls through
 * {@linkcode ClientEvents.hooks} and delivered in order, one at a time,
 * through the client's {@linkcode Dispatcher}. After the client closes only
 * connection changes (the calls' `closed`) are still delivered.
 *
 * @module
 */

import type { TgCallError } from "../errors.ts";
import type {
  CallHooks,
  MediaState,
  NetworkInfo,
  StreamDevice,
} from "../call/types.ts";
import type { StreamType } from "../media/kind.ts";
import { Dispatcher, type DispatcherLogger } from "./dispatcher.ts";
import type { ChatId } from "./options.ts";

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

/** The subscribers of one client and the queue their events go through. */
export class ClientEvents {
  readonly #dispatcher: Dispatcher;
  readonly #logger: DispatcherLogger;
  readonly #streamEnd = new Set<StreamEndCallback>();
  readonly #connection = new Set<ConnectionChangeCallback>();
  readonly #upgrade = new Set<UpgradeCallback>();
  #closed = false;

  /**
   * @param capacity Event queue size, default 256 (oldest dropped when full).
   * @param logger Where drops and throwing callbacks are reported.
   */
  constructor(capacity: number | undefined, logger: DispatcherLogger) {
    this.#logger = logger;
    this.#dispatcher = new Dispatcher(capacity ?? 256, logger);
  }

  /** Subscribes to stream ends; returns the unsubscribe function. */
  onStreamEnd(callback: StreamEndCallback): () => void {
    this.#streamEnd.add(callback);
    return () => this.#streamEnd.delete(callback);
  }

  /** Subscribes to connection changes; returns the unsubscribe function. */
  onConnectionChange(callback: ConnectionChangeCallback): () => void {
    this.#connection.add(callback);
    return () => this.#connection.delete(callback);
  }

  /** Subscribes to media-state changes; returns the unsubscribe function. */
  onUpgrade(callback: UpgradeCallback): () => void {
    this.#upgrade.add(callback);
    return () => this.#upgrade.delete(callback);
  }

  /** The hooks a call of `chatId` reports through. */
  hooks(chatId: ChatId): CallHooks {
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

  /** From now on only connection changes are delivered. */
  close(): void {
    this.#closed = true;
  }

  /** Resolves once every queued event has been delivered. */
  idle(): Promise<void> {
    return this.#dispatcher.idle();
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
}
