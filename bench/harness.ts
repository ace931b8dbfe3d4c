/**
 * The benchmark contract shared by every file in `bench/`.
 *
 * A case measures one number and, where it has them, named baselines in the
 * same run, so results from a loaded machine are read as ratios rather than
 * absolute times. Every case runs {@linkcode DEFAULT_REPEATS} times or more,
 * its baselines interleaved with it (load drifts; interleaving spreads the
 * drift over both sides), and reports the median and the spread. Nothing
 * here gates CI.
 *
 * @module
 */

/** One measured quantity. */
export interface Measurement {
  /** Measured value, in the case's unit. */
  value: number;
  /** Extra figures worth printing (e.g. p99 lateness); numbers are medianed. */
  notes?: Record<string, number | string>;
}

/** A comparison point measured in the same run as the case. */
export interface BaselineCase {
  /** What it is, e.g. `"libsrtp"`. */
  name: string;
  /** Measures it; throws {@linkcode BenchUnavailable} when it cannot. */
  run(): Promise<Measurement> | Measurement;
}

/** A benchmark case. */
export interface BenchCase {
  /** Stable name, e.g. `"srtp-protect-cm-160"`; `--only` matches prefixes. */
  name: string;
  /** Unit of `value`, e.g. `"us/pkt"`. */
  unit: string;
  /** Measures tgcall's implementation. */
  run(): Promise<Measurement> | Measurement;
  /** The baseline the case is judged against. */
  baseline?: BaselineCase;
  /** Further baselines, reported beside the main one. */
  baselines?: BaselineCase[];
  /**
   * Runs of the case (and of each baseline); default 5. A case that takes
   * its own median over many runs (connect, start, scale) sets 1.
   */
  repeats?: number;
}

/** Repeats per case: medians of fewer are not worth quoting. */
export const DEFAULT_REPEATS = 5;

/**
 * Thrown by a case or baseline that cannot run or measure here (a missing
 * compiler, library or package; a runtime without the counter needed): the
 * result then says so in `notes` instead of faking a number.
 */
export class BenchUnavailable extends Error {
  /** @param reason Why, e.g. `"gcc not found"`. */
  constructor(reason: string) {
    super(reason);
    this.name = "BenchUnavailable";
  }
}

/** A named value in a result. */
export interface NamedValue {
  /** Baseline name. */
  name: string;
  /** Its median, in the case's unit. */
  value: number;
}

/** One line of the output contract. */
export interface BenchResult {
  /** Case name. */
  name: string;
  /** Unit of `value` and of every baseline. */
  unit: string;
  /** Median over the repeats; `null` only when `notes.missing` says why. */
  value: number | null;
  /** The main baseline's median, when it could run. */
  baseline?: NamedValue;
  /** The other baselines' medians. */
  baselines?: NamedValue[];
  /** Spreads, medianed notes, missing baselines. */
  notes?: Record<string, number | string>;
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

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** (max − min) / median, in percent: how far apart the repeats were. */
export function spreadPercent(values: readonly number[]): number {
  const m = median(values);
  if (m === 0) return 0;
  return ((Math.max(...values) - Math.min(...values)) / Math.abs(m)) * 100;
}

/** Rounds to 4 significant decimals, as printed and saved. */
export function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

/** The cases whose names start with one of `prefixes` (all without any). */
export function selectCases(
  all: readonly BenchCase[],
  prefixes: readonly string[] | undefined,
): BenchCase[] {
  if (!prefixes || prefixes.length === 0) return [...all];
  return all.filter((c) => prefixes.some((p) => c.name.startsWith(p)));
}

interface Series {
  name: string;
  values: number[];
  notes: Record<string, (number | string)[]>;
  missing?: string;
}

async function measureInto(
  series: Series,
  run: () => Promise<Measurement> | Measurement,
): Promise<void> {
  if (series.missing !== undefined) return;
  try {
    const m = await run();
    series.values.push(m.value);
    for (const [k, v] of Object.entries(m.notes ?? {})) {
      (series.notes[k] ??= []).push(v);
    }
  } catch (error) {
    if (!(error instanceof BenchUnavailable)) throw error;
    series.missing = error.message;
  }
}

function summarize(s: Series, notes: Record<string, number | string>): void {
  const prefix = s.name === "" ? "" : `${s.name} `;
  if (s.missing !== undefined) {
    notes[`${prefix}missing`] = s.missing;
    return;
  }
  notes[`${prefix}spread%`] = round(spreadPercent(s.values));
  // Load only ever adds time: on a busy machine the minimum is the better
  // estimate of the work itself, so it is kept beside the median.
  notes[`${prefix}min`] = round(Math.min(...s.values));
  for (const [k, vs] of Object.entries(s.notes)) {
    const numbers = vs.filter((v): v is number => typeof v === "number");
    notes[`${prefix}${k}`] = numbers.length === vs.length
      ? round(median(numbers))
      : vs[vs.length - 1];
  }
}

/** Runs one case and its baselines, interleaved, and summarizes them. */
export async function runCase(c: BenchCase): Promise<BenchResult> {
  const repeats = Math.max(1, c.repeats ?? DEFAULT_REPEATS);
  const ours: Series = { name: "", values: [], notes: {} };
  const others = [c.baseline, ...(c.baselines ?? [])]
    .filter((b): b is BaselineCase => b !== undefined)
    .map((b) => ({ b, s: { name: b.name, values: [], notes: {} } as Series }));
  for (let r = 0; r < repeats; r++) {
    await measureInto(ours, () => c.run());
    for (const { b, s } of others) await measureInto(s, () => b.run());
  }
  const notes: Record<string, number | string> = { repeats };
  summarize(ours, notes);
  const named: (NamedValue | undefined)[] = others.map(({ s }) => {
    summarize(s, notes);
    return s.missing === undefined
      ? { name: s.name, value: round(median(s.values)) }
      : undefined;
  });
  const result: BenchResult = {
    name: c.name,
    unit: c.unit,
    value: ours.missing === undefined ? round(median(ours.values)) : null,
  };
  const main = c.baseline ? named.shift() : undefined;
  if (main) result.baseline = main;
  const rest = named.filter((n): n is NamedValue => n !== undefined);
  if (rest.length > 0) result.baselines = rest;
  result.notes = notes;
  return result;
}

const exitHooks: (() => Promise<void> | void)[] = [];

/** Registers cleanup for shared fixtures (sockets, peers), run after all cases. */
export function atBenchExit(hook: () => Promise<void> | void): void {
  exitHooks.push(hook);
}

/** Runs and clears the hooks registered with {@linkcode atBenchExit}. */
export async function runBenchExitHooks(): Promise<void> {
  for (const hook of exitHooks.splice(0).reverse()) await hook();
}
