/**
 * A wait on the scheduler that can be cut short: the pause between rejoins,
 * which `leave()` must end at once rather than after up to 30 s.
 *
 * @module
 */

import type { ScheduledTask, Scheduler } from "../runtime/scheduler.ts";

/**
 * One sleep at a time.
 *
 * @example
 * ```ts
 * import { CancellableSleep } from "./cancellable_sleep.ts";
 * import { Scheduler } from "../runtime/scheduler.ts";
 *
 * const sleep = new CancellableSleep(new Scheduler());
 * const slept = sleep.sleep(30_000);
 * sleep.cancel();
 * console.log(await slept); // false: cut short
 * ```
 */
export class CancellableSleep {
  readonly #task: ScheduledTask;
  #wake: ((awake: boolean) => void) | undefined;
  #cancelled = false;

  /** @param scheduler Runs the timer. */
  constructor(scheduler: Scheduler) {
    this.#task = scheduler.task(() => this.#settle(true));
  }

  /**
   * Resolves `true` after `ms`, or `false` once {@linkcode cancel} was
   * called (then, and ever after, immediately).
   */
  sleep(ms: number): Promise<boolean> {
    if (this.#cancelled) return Promise.resolve(false);
    this.#settle(false);
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#task.after(ms);
    });
  }

  /** Ends the current sleep with `false`; later sleeps end at once. */
  cancel(): void {
    this.#cancelled = true;
    this.#settle(false);
  }

  #settle(awake: boolean): void {
    this.#task.cancel();
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.(awake);
  }
}
