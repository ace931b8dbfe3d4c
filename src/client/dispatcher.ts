/**
 * One ordered queue for every user callback of a client. Events are
 * delivered one at a time, in the order they happened, outside the code
 * that raised them — so a callback may call back into the client (e.g.
 * `stop` inside `onStreamEnd`) without re-entering half-updated state. A
 * callback that throws (or rejects) is caught and logged; the dispatcher
 * carries on. When the queue is full the oldest event is dropped and a
 * warning logged, so a slow consumer cannot grow memory without bound.
 *
 * @module
 */

/** What the dispatcher logs through. */
export interface DispatcherLogger {
  /** Warnings (dropped events). */
  warn(...args: unknown[]): void;
  /** Errors (throwing callbacks). */
  error(...args: unknown[]): void;
}

/** A bounded, ordered event queue. */
export class Dispatcher {
  readonly #capacity: number;
  readonly #logger: DispatcherLogger;
  readonly #queue: { name: string; run: () => unknown }[] = [];
  #head = 0;
  #running = false;
  #idle: (() => void)[] = [];
  /** Events dropped because the queue was full. */
  dropped = 0;

  /**
   * @param capacity Maximum queued events (≥ 1).
   * @param logger Where drops and callback errors are reported.
   */
  constructor(capacity: number, logger: DispatcherLogger) {
    this.#capacity = Math.max(1, Math.floor(capacity));
    this.#logger = logger;
  }

  /** Events waiting. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** Queues `run` (named for logs); it runs after everything queued before it. */
  push(name: string, run: () => unknown): void {
    if (this.pending >= this.#capacity) {
      const old = this.#queue[this.#head];
      this.#queue[this.#head++] = undefined as never;
      this.dropped++;
      this.#logger.warn(
        `tgcall: event queue full (${this.#capacity}); dropped the oldest event (${old.name}). Raise dispatchBuffer.`,
      );
    }
    this.#queue.push({ name, run });
    if (!this.#running) {
      this.#running = true;
      queueMicrotask(() => this.#drain());
    }
  }

  /** Resolves once the queue is empty. */
  idle(): Promise<void> {
    if (!this.#running && this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async #drain(): Promise<void> {
    while (this.#head < this.#queue.length) {
      const event = this.#queue[this.#head];
      this.#queue[this.#head++] = undefined as never;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#head);
        this.#head = 0;
      }
      try {
        const result = event.run();
        if (result && typeof (result as Promise<unknown>).then === "function") {
          await result;
        }
      } catch (error) {
        this.#logger.error(`tgcall: ${event.name} callback threw`, error);
      }
    }
    this.#queue.length = 0;
    this.#head = 0;
    this.#running = false;
    const waiters = this.#idle;
    this.#idle = [];
    for (const w of waiters) w();
  }
}
