/**
 * Waits for a client call to connect. `Client.connect` resolves once the
 * sockets are bound; the outcome arrives later as connection events, which
 * the client delivers on its own queue. The waiter re-reads the call's
 * *current* state on every event (and once a second, in case an event was
 * dropped from a full queue), so a late event of a call stopped earlier
 * cannot be mistaken for the new call's.
 *
 * @module
 */

import { NotConnectedError, type TgCallError } from "../errors.ts";
import type { ScheduledTask, Scheduler } from "../runtime/scheduler.ts";
import type { ChatId } from "../client/options.ts";
import type { SessionClient } from "./session_options.ts";

/** How often the state is re-read without an event, ms. */
const POLL_MS = 1_000;

/**
 * The state of the chat's client call, read fresh (never from an event):
 * `"gone"` when it has none (never created, stopped, or dead and reaped).
 */
export function callState(client: SessionClient, chatId: ChatId): string {
  try {
    return client.calls().get(chatId)?.state ?? "gone";
  } catch {
    return "gone";
  }
}

/**
 * One pending wait at a time.
 *
 * @example
 * ```ts
 * import { ConnectWaiter } from "./connect_waiter.ts";
 * import { Scheduler } from "../runtime/scheduler.ts";
 *
 * let state = "connecting";
 * const waiter = new ConnectWaiter(new Scheduler(), () => state, "Chat 1");
 * const connected = waiter.wait();
 * state = "connected";
 * waiter.check(); // what a connection event does
 * await connected;
 * ```
 */
export class ConnectWaiter {
  readonly #readState: () => string;
  readonly #label: string;
  readonly #poll: ScheduledTask;
  #pending:
    | { resolve: () => void; reject: (error: TgCallError) => void }
    | undefined;

  /**
   * @param scheduler Runs the poll.
   * @param readState The call's current state; `"gone"` when it has none.
   * @param label Names the call in errors.
   */
  constructor(scheduler: Scheduler, readState: () => string, label: string) {
    this.#readState = readState;
    this.#label = label;
    this.#poll = scheduler.task(() => this.check());
  }

  /**
   * Resolves once the call is connected (or already disconnected again:
   * it did connect); rejects with {@linkcode NotConnectedError} when it
   * failed, timed out or disappeared. A previous wait is rejected.
   */
  wait(): Promise<void> {
    this.fail(new NotConnectedError(`${this.#label}: superseded`));
    const promise = new Promise<void>((resolve, reject) => {
      this.#pending = { resolve, reject };
    });
    this.check();
    return promise;
  }

  /** Re-reads the state and settles the wait when it is decided. */
  check(): void {
    if (!this.#pending) return;
    const state = this.#readState();
    if (state === "connected" || state === "disconnected") {
      this.#settle();
    } else if (state === "connecting" || state === "new") {
      this.#poll.after(POLL_MS);
    } else {
      this.#settle(
        new NotConnectedError(
          `${this.#label}: the call ${
            state === "gone" ? "ended" : state
          } before it connected`,
        ),
      );
    }
  }

  /** Rejects the pending wait, if any, with `error`. */
  fail(error: TgCallError): void {
    if (this.#pending) this.#settle(error);
  }

  #settle(error?: TgCallError): void {
    const pending = this.#pending!;
    this.#pending = undefined;
    this.#poll.cancel();
    if (error) pending.reject(error);
    else pending.resolve();
  }
}
