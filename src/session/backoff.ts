/**
 * Delays between rejoins: exponential, capped, with upward jitter.
 *
 * Telegram clients that rejoin without a pause loop forever against a
 * server that keeps dropping them (tdesktop#29650: "Rejoin after no my
 * ssrc" every 20 s, for hours). The delay doubles from `baseMs` up to
 * `maxMs`; jitter only ever *lengthens* a delay, so the bound a caller
 * reasons about (with the defaults: at most 5 rejoins in any minute of
 * permanent failure, 1 + 2 + 4 + 8 + 16 + 30 s) holds for every draw, while
 * many sessions dropped by one SFU restart still spread out.
 *
 * @module
 */

import { InvalidParamsError } from "../errors.ts";

/** Tuning of {@linkcode Backoff}. */
export interface BackoffOptions {
  /** First delay, ms; default 1 000. */
  baseMs?: number;
  /** Growth per attempt; default 2. */
  factor?: number;
  /** Longest delay, ms, jitter included; default 30 000. */
  maxMs?: number;
  /** Up to this fraction is added to each delay at random; default 0.2. */
  jitter?: number;
}

/** {@linkcode BackoffOptions} with every default filled in. */
export type ResolvedBackoffOptions = Required<BackoffOptions>;

/**
 * Fills in defaults and checks ranges.
 *
 * @throws {InvalidParamsError} for a non-positive base, a factor below 1, a
 * cap below the base or a jitter outside [0, 1].
 */
export function resolveBackoffOptions(
  options: BackoffOptions = {},
): ResolvedBackoffOptions {
  const resolved = {
    baseMs: options.baseMs ?? 1_000,
    factor: options.factor ?? 2,
    maxMs: options.maxMs ?? 30_000,
    jitter: options.jitter ?? 0.2,
  };
  const { baseMs, factor, maxMs, jitter } = resolved;
  if (!(Number.isFinite(baseMs) && baseMs > 0)) {
    throw new InvalidParamsError(`backoff.baseMs must be > 0, got ${baseMs}`);
  }
  if (!(Number.isFinite(factor) && factor >= 1)) {
    throw new InvalidParamsError(`backoff.factor must be ≥ 1, got ${factor}`);
  }
  if (!(Number.isFinite(maxMs) && maxMs >= baseMs)) {
    throw new InvalidParamsError(
      `backoff.maxMs must be ≥ baseMs (${baseMs}), got ${maxMs}`,
    );
  }
  if (!(jitter >= 0 && jitter <= 1)) {
    throw new InvalidParamsError(
      `backoff.jitter must be in [0, 1], got ${jitter}`,
    );
  }
  return resolved;
}

/**
 * The delay before attempt number `attempt` (0-based): `baseMs·factor^attempt`
 * stretched by up to `jitter` (from `random`, in [0, 1)), never above `maxMs`.
 */
export function backoffDelay(
  attempt: number,
  options: ResolvedBackoffOptions,
  random: number,
): number {
  const raw = Math.min(
    options.maxMs,
    options.baseMs * options.factor ** Math.max(0, attempt),
  );
  return Math.min(options.maxMs, raw * (1 + options.jitter * random));
}

/**
 * The attempt counter behind {@linkcode backoffDelay}.
 *
 * @example
 * ```ts
 * import { Backoff } from "./backoff.ts";
 *
 * const backoff = new Backoff({ baseMs: 1000, jitter: 0 });
 * console.log(backoff.next(), backoff.next(), backoff.next()); // 1000 2000 4000
 * backoff.reset();
 * console.log(backoff.next()); // 1000
 * ```
 */
export class Backoff {
  readonly #options: ResolvedBackoffOptions;
  readonly #random: () => number;
  #attempt = 0;

  /**
   * @param options Tuning; see {@linkcode BackoffOptions}.
   * @param random Uniform [0, 1) source; default `Math.random`.
   */
  constructor(
    options: BackoffOptions = {},
    random: () => number = Math.random,
  ) {
    this.#options = resolveBackoffOptions(options);
    this.#random = random;
  }

  /** Attempts handed out since the last {@linkcode Backoff.reset}. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The longest delay this backoff hands out, ms. */
  get maxMs(): number {
    return this.#options.maxMs;
  }

  /** The delay before the next attempt, ms; each call moves one step on. */
  next(): number {
    return backoffDelay(this.#attempt++, this.#options, this.#random());
  }

  /** Starts over from `baseMs` (after a connection that held). */
  reset(): void {
    this.#attempt = 0;
  }
}
