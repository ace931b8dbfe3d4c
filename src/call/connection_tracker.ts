/**
 * A call's connection state as the user sees it, the promises waiting for
 * Connected, and the connect timeout: a call not connected within
 * `timeoutMs` of starting to connect reports `timeout` (ntgcalls' rule).
 * Every state change is reported once; waiting callers are settled when
 * the call connects, fails, times out or stops.
 *
 * @module
 */

import { ClosedError, NotConnectedError, type TgCallError } from "../errors.ts";
import type { ScheduledTask, Scheduler } from "../runtime/scheduler.ts";
import type { ConnectionState, NetworkInfo } from "./types.ts";

/** Options for {@linkcode ConnectionTracker}. */
export interface ConnectionTrackerOptions {
  /** The chat (for error messages). */
  chatId: number | bigint;
  /** Connect timeout, and how long `waitConnected` waits. */
  timeoutMs: number;
  /** Timer source. */
  scheduler: Scheduler;
  /** A state change, reported once per change. */
  onChange(info: NetworkInfo): void;
  /** The connect timeout fired; the state is already `timeout`. */
  onTimeout(): void;
  /**
   * Where the connection stands (ICE or DTLS step, what was sent and
   * answered), added to the timeout error so it says what never came.
   */
  progress?(): string | undefined;
}

interface Waiter {
  resolve(): void;
  reject(error: TgCallError): void;
}

/** Connection state, connect timeout and the callers waiting for Connected. */
export class ConnectionTracker {
  readonly #o: ConnectionTrackerOptions;
  readonly #timeoutTask: ScheduledTask;
  #state: ConnectionState | "new" = "new";
  #waiters: Waiter[] = [];
  #stopped = false;
  #failure: TgCallError | undefined;

  /** @param options See {@linkcode ConnectionTrackerOptions}. */
  constructor(options: ConnectionTrackerOptions) {
    this.#o = options;
    this.#timeoutTask = options.scheduler.task(() => this.#onTimeout());
  }

  /** Current state. */
  get state(): ConnectionState | "new" {
    return this.#state;
  }

  /** Why the connection failed, when `failed` came with a reason; cleared by `connecting`. */
  get failure(): TgCallError | undefined {
    return this.#failure;
  }

  /** Whether `stop` was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Stopped, failed, timed out or closed: nothing will flow again. */
  get dead(): boolean {
    return this.#stopped || this.#state === "failed" ||
      this.#state === "timeout" || this.#state === "closed";
  }

  /** Connected, or disconnected but not yet failed: media may go out. */
  get live(): boolean {
    return this.#state === "connected" || this.#state === "disconnected";
  }

  /** Reports `state` unless it is the current one. */
  set(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#o.onChange({ state, kind: "normal" });
  }

  /** Reports `connecting` and (re)arms the connect timeout. */
  connecting(): void {
    this.#failure = undefined;
    this.set("connecting");
    this.#timeoutTask.after(this.#o.timeoutMs);
  }

  /** Reports `connected` and releases every waiter. */
  connected(): void {
    this.#timeoutTask.cancel();
    this.set("connected");
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.resolve();
  }

  /**
   * Reports `failed`. With `reason`, waiters are rejected now; without it
   * (the transport could not even be opened) they wait out their timeout.
   */
  failed(reason?: TgCallError): void {
    this.#timeoutTask.cancel();
    if (this.#state !== "failed") this.#failure = reason;
    this.set("failed");
    if (reason) this.#rejectWaiters(reason);
  }

  /** Marks the call stopped: timeout disarmed, waiters rejected. */
  stop(): void {
    this.#stopped = true;
    this.#timeoutTask.cancel();
    this.#rejectWaiters(new ClosedError("The call was stopped"));
  }

  /**
   * Resolves once connected; rejects with {@linkcode NotConnectedError}
   * after `timeoutMs` (or when the connection fails/times out), and with
   * {@linkcode ClosedError} once stopped.
   */
  waitConnected(): Promise<void> {
    if (this.#stopped) {
      return Promise.reject(new ClosedError("The call was stopped"));
    }
    if (this.live) return Promise.resolve();
    if (this.#state === "failed" || this.#state === "timeout") {
      return Promise.reject(
        new NotConnectedError(`Call ${this.#o.chatId} is ${this.#state}`),
      );
    }
    return new Promise((resolve, reject) => {
      const task = this.#o.scheduler.task(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(this.#notConnectedInTime());
      });
      const waiter: Waiter = {
        resolve: () => (task.cancel(), resolve()),
        reject: (e) => (task.cancel(), reject(e)),
      };
      this.#waiters.push(waiter);
      task.after(this.#o.timeoutMs);
    });
  }

  #onTimeout(): void {
    if (this.#state === "connected" || this.#stopped) return;
    this.set("timeout");
    this.#rejectWaiters(this.#notConnectedInTime());
    this.#o.onTimeout();
  }

  #notConnectedInTime(): NotConnectedError {
    let progress: string | undefined;
    try {
      progress = this.#o.progress?.();
    } catch { /* a diagnostic must not replace the error it explains */ }
    return new NotConnectedError(
      `Call ${this.#o.chatId}: not connected within ${this.#o.timeoutMs} ms${
        progress ? ` (${progress})` : ""
      }`,
    );
  }

  #rejectWaiters(error: TgCallError): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(error);
  }
}
