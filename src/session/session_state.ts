/**
 * The states of a {@linkcode GroupCallSession}, the transitions allowed
 * between them (as data), and the listener list that reports them.
 *
 * ```text
 * joining ──► connected ◄──► reconnecting
 *    │           │  ▲            │
 *    │           ▼  │            ▼
 *    ├──────► listening ──► rejoining ──► (connected | listening)
 *    ▼
 * stopped  ◄── from every state, exactly once
 * ```
 *
 * @module
 */

import type { TgCallError } from "../errors.ts";

/** Where a session is. */
export type SessionState =
  /** The first join is in progress (`joinGroupCall` has not resolved). */
  | "joining"
  /** Media flows to the SFU. */
  | "connected"
  /** Telegram made us a listener (stream mode): nothing can be sent. */
  | "listening"
  /** The transport lost consent; `phone.checkGroupCall` runs periodically. */
  | "reconnecting"
  /** A full rejoin (fresh SSRCs, ICE credentials, certificate) is pending. */
  | "rejoining"
  /** Final: left, replaced, discarded or failed; see `stopReason`. */
  | "stopped";

/** Why the state changed. */
export type SessionStateReason =
  /** A join or rejoin connected. */
  | "joined"
  /** Telegram answered `{"stream": true}`. */
  | "stream_mode"
  /** The transport stopped hearing the SFU (ICE consent, RFC 7675 §5.1). */
  | "transport_disconnected"
  /** The transport heard the SFU again without a rejoin. */
  | "transport_recovered"
  /** The transport failed or timed out, or the call was stopped under us. */
  | "transport_failed"
  /** `phone.checkGroupCall` no longer lists our source. */
  | "source_missing"
  /** A self `updateGroupCallParticipants` with our source and `left`. */
  | "kicked"
  /** A stream-mode listener got `can_self_unmute`: rejoin to speak. */
  | "can_speak"
  /** `leave()` was called. */
  | "left"
  /** The account joined the call from another device. */
  | "joined_elsewhere"
  /** The call ended for everyone (`groupCallDiscarded`). */
  | "discarded"
  /** A failure the session cannot recover from; see `error`. */
  | "error";

/** What an `onStateChange` listener receives besides the new state. */
export interface SessionStateInfo {
  /** The state before this change. */
  readonly previous: SessionState;
  /** Why it changed. */
  readonly reason: SessionStateReason;
  /** The error behind the change, when there is one. */
  readonly error?: TgCallError;
}

/** Why a session stopped. */
export interface StopReason {
  /** `left`: `leave()`; the others as in {@linkcode SessionStateReason}. */
  readonly kind: "left" | "joined_elsewhere" | "discarded" | "error";
  /** The typed error (absent for `left`). */
  readonly error?: TgCallError;
}

/** `onStateChange` listener. */
export type SessionStateListener = (
  state: SessionState,
  info: SessionStateInfo,
) => unknown;

/** Which states each state may move to. `stopped` is final. */
export const SESSION_TRANSITIONS: Readonly<
  Record<SessionState, readonly SessionState[]>
> = {
  joining: ["connected", "listening", "stopped"],
  connected: ["reconnecting", "rejoining", "stopped"],
  reconnecting: ["connected", "rejoining", "stopped"],
  rejoining: ["connected", "listening", "stopped"],
  listening: ["rejoining", "stopped"],
  stopped: [],
};

/**
 * The current state plus its listeners. Listeners run in transition order
 * and never re-entrantly: a listener that causes another transition (say,
 * `leave()` on `rejoining`) sees it after every listener saw this one. A
 * listener that throws is reported to `onListenerError` and skipped.
 *
 * @example
 * ```ts
 * import { SessionStateMachine } from "./session_state.ts";
 *
 * const machine = new SessionStateMachine();
 * machine.onChange((state, info) => console.log(info.previous, "→", state));
 * machine.move("connected", "joined"); // joining → connected
 * console.log(machine.move("listening", "stream_mode")); // false: not allowed
 * ```
 */
export class SessionStateMachine {
  readonly #listeners = new Set<SessionStateListener>();
  readonly #queue: [SessionState, SessionStateInfo][] = [];
  readonly #onListenerError: (error: unknown) => void;
  #state: SessionState = "joining";
  #delivering = false;

  /** @param onListenerError Receives what a listener threw. */
  constructor(onListenerError: (error: unknown) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  /** The current state. */
  get state(): SessionState {
    return this.#state;
  }

  /** Whether `to` is reachable from the current state. */
  canMove(to: SessionState): boolean {
    return SESSION_TRANSITIONS[this.#state].includes(to);
  }

  /**
   * Moves to `to` and notifies listeners; `false` (and nothing happens)
   * when the table does not allow it, which makes `stopped` fire once.
   */
  move(
    to: SessionState,
    reason: SessionStateReason,
    error?: TgCallError,
  ): boolean {
    if (!this.canMove(to)) return false;
    const info: SessionStateInfo = error
      ? { previous: this.#state, reason, error }
      : { previous: this.#state, reason };
    this.#state = to;
    this.#queue.push([to, info]);
    this.#deliver();
    return true;
  }

  /** Adds a listener; returns its unsubscribe function. */
  onChange(listener: SessionStateListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Drops every listener (after `stopped` was delivered). */
  clear(): void {
    this.#listeners.clear();
  }

  #deliver(): void {
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        for (const listener of [...this.#listeners]) {
          try {
            const result = listener(next[0], next[1]);
            if (result instanceof Promise) {
              result.catch((error) => this.#onListenerError(error));
            }
          } catch (error) {
            this.#onListenerError(error);
          }
        }
      }
    } finally {
      this.#delivering = false;
    }
  }
}
