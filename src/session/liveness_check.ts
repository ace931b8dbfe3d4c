/**
 * `phone.checkGroupCall` while the transport is disconnected
 * (telegram-wire.md §8): tdesktop asks every 4 s whether our source is
 * still joined, and rejoins when it is not or when Telegram answers
 * `GROUPCALL_JOIN_MISSING`. The answer is the *subset still joined* — an
 * empty list means we are gone, not "all fine". While a presentation is
 * live its source rides along (tdesktop `checkJoined`), and a presentation
 * Telegram no longer lists is re-joined on its own (`rejoinPresentation`).
 *
 * @module
 */

import type { TgCallError } from "../errors.ts";
import type { ScheduledTask, Scheduler } from "../runtime/scheduler.ts";
import { adapterError, isNotInCall } from "./join_errors.ts";
import type { GroupCallRef, MtprotoAdapter } from "./mtproto_adapter.ts";

/** What a {@linkcode LivenessCheck} needs. */
export interface LivenessCheckOptions {
  /** Sends `phone.checkGroupCall`. */
  readonly adapter: MtprotoAdapter;
  /** Runs the period. */
  readonly scheduler: Scheduler;
  /** Period, ms (the first check comes one period after `start`). */
  readonly intervalMs: number;
  /** Receives checks that failed without a verdict (network errors). */
  readonly logger: { warn(...args: unknown[]): void };
  /** Our source is no longer joined (`error`: Telegram said so by an error). */
  onMissing(error?: TgCallError): void;
  /**
   * Sources checked along with ours (the presentation's, as tdesktop sends
   * both in one `checkGroupCall`), and what to do when Telegram omits one
   * while ours is still joined.
   */
  readonly companion?: LivenessCompanion;
}

/** Sources that ride along in another source's liveness check. */
export interface LivenessCompanion {
  /** The unsigned sources to check now (none: empty). */
  checkedSources(): readonly number[];
  /** Telegram no longer lists `missing` (a subset of `checkedSources()`). */
  onCheckMissing(missing: readonly number[]): void;
}

/**
 * A periodic membership check of one source.
 *
 * @example
 * ```ts
 * import { LivenessCheck } from "./liveness_check.ts";
 * import { Scheduler } from "../runtime/scheduler.ts";
 *
 * const check = new LivenessCheck({
 *   adapter: {
 *     getGroupCall: () => Promise.resolve(null),
 *     joinGroupCall: () => Promise.resolve("{}"),
 *     leaveGroupCall: () => Promise.resolve(),
 *     checkGroupCall: (_call, sources) => Promise.resolve(sources),
 *     onUpdate: () => () => {},
 *   },
 *   scheduler: new Scheduler(),
 *   intervalMs: 4000,
 *   logger: console,
 *   onMissing: () => console.log("rejoin"),
 * });
 * check.start({ id: 1n, accessHash: 2n }, 1234);
 * check.stop();
 * ```
 */
export class LivenessCheck {
  readonly #o: LivenessCheckOptions;
  readonly #task: ScheduledTask;
  #call: GroupCallRef | undefined;
  #source = 0;
  /** Bumped by start/stop: an answer to an older check is ignored. */
  #generation = 0;

  /** @param options See {@linkcode LivenessCheckOptions}. */
  constructor(options: LivenessCheckOptions) {
    this.#o = options;
    this.#task = options.scheduler.task(() => void this.#run(this.#generation));
  }

  /** Checks `source` in `call` every period until {@linkcode stop}. */
  start(call: GroupCallRef, source: number): void {
    this.#call = call;
    this.#source = source;
    this.#generation++;
    this.#task.after(this.#o.intervalMs);
  }

  /** Stops checking; a check in flight is ignored. */
  stop(): void {
    this.#generation++;
    this.#task.cancel();
  }

  async #run(generation: number): Promise<void> {
    const call = this.#call!;
    const source = this.#source;
    const companion = this.#o.companion;
    const extra = companion?.checkedSources() ?? [];
    let joined: number[];
    try {
      joined = await this.#o.adapter.checkGroupCall(call, [source, ...extra]);
    } catch (thrown) {
      if (generation !== this.#generation) return;
      const error = adapterError(thrown, "phone.checkGroupCall");
      if (isNotInCall(error)) {
        this.#o.onMissing(error);
        return;
      }
      this.#o.logger.warn("tgcall: session: checkGroupCall failed", error);
      this.#task.after(this.#o.intervalMs);
      return;
    }
    if (generation !== this.#generation) return;
    const listed = new Set(joined.map((s) => s >>> 0));
    if (!listed.has(source)) {
      this.#o.onMissing();
      return;
    }
    this.#task.after(this.#o.intervalMs);
    const missing = extra.filter((s) => !listed.has(s));
    if (missing.length > 0) companion!.onCheckMissing(missing);
  }
}
