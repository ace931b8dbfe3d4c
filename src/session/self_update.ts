/**
 * What an update means for us (tdesktop `applySelfUpdate`, telegram-wire.md
 * §8): our source `left` → rejoin; ourselves present with a source we
 * never sent → the account joined from another device; `groupCallDiscarded`
 * → the call is over; `can_self_unmute` → a listener may now speak.
 *
 * @module
 */

import type { GroupCallUpdate } from "./mtproto_adapter.ts";

/** The session facts an update is judged against. */
export interface SelfView {
  /** The call we are in (updates of other calls are ignored). */
  readonly callId: bigint;
  /** The source of our current payload (unsigned). */
  readonly source: number | undefined;
  /** Every source we sent recently, current one included. */
  readonly ourSources: { has(source: number): boolean };
  /** Whether Telegram has accepted a join of ours yet. */
  readonly joined: boolean;
}

/** The verdict on one update. */
export type SelfUpdateVerdict =
  | "ignore"
  | "discarded"
  | "joined_elsewhere"
  | "left"
  | "can_self_unmute";

/**
 * Judges `update` against `view`. An old source of ours (leaving, or
 * reported late) is ignored, and so is another source reported before
 * Telegram accepted any join of ours.
 *
 * @example
 * ```ts
 * import { classifySelfUpdate } from "./self_update.ts";
 *
 * const view = { callId: 1n, source: 10, ourSources: new Set([9, 10]), joined: true };
 * const base = { type: "participant", callId: 1n, self: true, canSelfUnmute: true, muted: false } as const;
 * console.log(classifySelfUpdate({ ...base, source: 10, left: true }, view)); // "left"
 * console.log(classifySelfUpdate({ ...base, source: 77, left: false }, view)); // "joined_elsewhere"
 * ```
 */
export function classifySelfUpdate(
  update: GroupCallUpdate,
  view: SelfView,
): SelfUpdateVerdict {
  if (update.callId !== view.callId) return "ignore";
  if (update.type === "discarded") return "discarded";
  if (!update.self) return "ignore";
  const source = update.source >>> 0;
  if (!view.ourSources.has(source)) {
    return !update.left && view.joined ? "joined_elsewhere" : "ignore";
  }
  if (source !== view.source) return "ignore";
  if (update.left) return "left";
  return update.canSelfUnmute ? "can_self_unmute" : "ignore";
}

/**
 * Our recent sources, oldest dropped beyond `capacity`: enough to recognise
 * late updates about our own earlier joins.
 *
 * @example
 * ```ts
 * import { RecentSources } from "./self_update.ts";
 *
 * const sources = new RecentSources(2);
 * sources.add(1);
 * sources.add(2);
 * sources.add(3);
 * console.log(sources.has(1), sources.has(3)); // false true
 * ```
 */
export class RecentSources {
  readonly #capacity: number;
  readonly #sources = new Set<number>();

  /** @param capacity How many to keep; default 64. */
  constructor(capacity = 64) {
    this.#capacity = capacity;
  }

  /** Records a source we sent. */
  add(source: number): void {
    this.#sources.add(source);
    if (this.#sources.size > this.#capacity) {
      this.#sources.delete(this.#sources.values().next().value!);
    }
  }

  /** Whether `source` is one of ours. */
  has(source: number): boolean {
    return this.#sources.has(source);
  }
}
