/**
 * How the fake Telegram delivers updates: to every account's listeners,
 * asynchronously (a timer of 0 ms per update, in order), the way an MTProto
 * client hands `updateGroupCallParticipants` to its handlers after the RPC
 * result that carried them. `self` is set per receiving account: a
 * participant is "self" only for the account it belongs to.
 *
 * @module
 */

import type {
  GroupCallUpdate,
  ParticipantUpdate,
} from "../session/mtproto_adapter.ts";

/** An account of the fake Telegram (the logged-in user of one adapter). */
export type AccountId = number;

/** A participant update before `self` is decided, with its owner. */
export type OwnedParticipantUpdate = Omit<ParticipantUpdate, "self"> & {
  /** The account the participant belongs to. */
  readonly owner: AccountId;
};

type Listener = (update: GroupCallUpdate) => void;

/** Per-account listeners and the pending deliveries. */
export class UpdateBus {
  readonly #listeners = new Map<AccountId, Set<Listener>>();
  readonly #pending = new Set<ReturnType<typeof setTimeout>>();
  #closed = false;

  /** Subscribes `listener` for `account`; returns the unsubscribe function. */
  subscribe(account: AccountId, listener: Listener): () => void {
    if (this.#closed) return () => {};
    let set = this.#listeners.get(account);
    if (!set) this.#listeners.set(account, set = new Set());
    const entry: Listener = (update) => listener(update);
    set.add(entry);
    return () => void set.delete(entry);
  }

  /** Queues a participant update for every account. */
  participant(update: OwnedParticipantUpdate): void {
    const { owner, ...fields } = update;
    this.#deliver((account) => ({
      ...fields,
      type: "participant",
      self: account === owner,
    }));
  }

  /** Queues `groupCallDiscarded` for every account. */
  discarded(callId: bigint): void {
    this.#deliver(() => ({ type: "discarded", callId }));
  }

  /** Drops pending deliveries and every listener. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
    this.#listeners.clear();
  }

  #deliver(build: (account: AccountId) => GroupCallUpdate): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      // Listeners are read at delivery: one that unsubscribed meanwhile
      // (a session that just left) hears nothing more.
      const errors: unknown[] = [];
      for (const [account, set] of this.#listeners) {
        for (const listener of [...set]) {
          try {
            listener(build(account));
          } catch (error) {
            errors.push(error);
          }
        }
      }
      if (errors.length > 0) throw errors[0];
    }, 0);
    this.#pending.add(timer);
  }
}
