/**
 * The benchmark contract shared by every file in `bench/`.
 *
 * A case measures one number and, where it has one, a named baseline in the
 * same run, so results from a loaded CI machine are read as ratios rather
 * than absolute times. Nothing here gates CI.
 *
 * @module
 */

/** One measured quantity. */
export interface Measurement {
  /** Measured value, in the case's unit. */
  value: number;
  /** Extra figures worth printing (e.g. p99 lateness). */
  notes?: Record<string, number>;
}

/** A benchmark case. */
export interface BenchCase {
  /** Stable name, e.g. `"srtp-protect-cm-160"`; `--only` matches prefixes. */
  name: string;
  /** Unit of `value`, e.g. `"us/pkt"`. */
  unit: string;
  /** Measures tgcall's implementation. */
  run(): Promise<Measurement> | Measurement;
  /** The same work done the ordinary way, measured in the same run. */
  baseline?: { name: string; run(): Promise<Measurement> | Measurement };
}

/** Times `fn` over `iterations` calls after a warm-up; µs per call, best of `rounds`. */
export function microsPerCall(
  fn: () => void,
  iterations: number,
  rounds = 5,
): number {
  for (let i = 0; i < Math.min(iterations, 2000); i++) fn();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    best = Math.min(best, ((performance.now() - start) * 1000) / iterations);
  }
  return best;
}
