/**
 * The fuzzing loop shared by `fuzz/main.ts` and the CI smoke test.
 *
 * Every input must end in a result or a {@linkcode TgCallError}: anything
 * else thrown (TypeError, RangeError, a plain Error) is a crash, and so is
 * an input over the time bound in wall time and then in CPU time on two
 * more tries (slow wall time alone is a GC pause or a busy machine). The heap is sampled after a forced GC every
 * `heapEvery` inputs; growth past `heapLimitMb` fails the run, since no
 * target keeps anything from one input to the next.
 *
 * @module
 */

import process from "node:process";
import { TgCallError } from "../src/errors.ts";
import { forceGc } from "../tests/_support/gc.ts";
import { Rng } from "./mutate.ts";

/** What a target is fed: bytes off the wire, or text (JSON, a command, a URL). */
export type FuzzInput = Uint8Array | string;

/** One parser (or a small group sharing an input format) under fuzzing. */
export interface FuzzTarget<T extends FuzzInput = FuzzInput> {
  /** Stable name: the `--only` value and the corpus folder. */
  readonly name: string;
  /** The functions it drives, for the report. */
  readonly drives: string;
  /** Builds the valid messages mutations start from; called once. */
  seeds(): T[];
  /** The next input, from the target's own stream of randomness. */
  generate(rng: Rng, seeds: readonly T[]): T;
  /**
   * Feeds one input to the parser. Returns, or throws a TgCallError;
   * it must not modify `input`. A broken invariant (a refused URL that
   * was accepted) is thrown as a plain Error, which counts as a crash.
   */
  run(input: T): void;
}

/** An input that did not end in a result or a TgCallError. */
export interface Crash {
  /** Which input of the run (regenerate it with the same seed). */
  index: number;
  /** The input. */
  input: FuzzInput;
  /** What it threw, or a description of the time overrun. */
  error: unknown;
  /** `"throw"`, or `"slow"` for an input over the time bound. */
  kind: "throw" | "slow";
}

/** Options for {@linkcode fuzzTarget}. */
export interface FuzzOptions {
  /** The run's seed. */
  seed: number;
  /** How many inputs to generate. */
  inputs: number;
  /** Per-input time bound, ms; default 50. */
  timeLimitMs?: number;
  /** Sample the heap every this many inputs; 0 (default) never. */
  heapEvery?: number;
  /** Heap growth that fails the run, MB; default 64. */
  heapLimitMb?: number;
  /** Stop after this many distinct crashes; default 10. */
  maxCrashes?: number;
  /** Written with the index of the input being run, for the watchdog. */
  progress?: Int32Array;
  /** Called every 2^16 inputs. */
  onProgress?: (done: number) => void;
}

/** What a run found. */
export interface FuzzReport {
  /** The target's name. */
  target: string;
  /** The seed. */
  seed: number;
  /** Inputs run. */
  inputs: number;
  /** Inputs that ended in a TgCallError (the rest returned). */
  typedErrors: number;
  /** Distinct crashes (by error class and message), first input of each. */
  crashes: Crash[];
  /** The slowest single try, ms. */
  slowestMs: number;
  /** That input, timed again (best of three), ms. */
  slowestRetimedMs: number;
  /** Index of the slowest input. */
  slowestIndex: number;
  /** Wall time of the run, ms. */
  wallMs: number;
  /** Heap after GC, MB: first sample, last sample, and the growth judged. */
  heap?: { firstMb: number; lastMb: number; growthMb: number };
  /** Set when the heap grew past the limit. */
  heapLeak?: string;
}

/** Whether `error` is an outcome the contract allows. */
export function isTyped(error: unknown): boolean {
  return error instanceof TgCallError;
}

/**
 * A copy of `input` at an odd offset inside a larger buffer, so a parser
 * that forgets `byteOffset` reads the wrong bytes, and one that works in
 * place does not modify the input.
 */
export function atOddOffset(input: Uint8Array): Uint8Array {
  const view = new Uint8Array(input.length + 3).subarray(3);
  view.set(input);
  return view;
}

/**
 * Runs `fn`, which is documented never to throw: any throw, typed or not,
 * is rethrown as a plain Error so that it counts as a crash.
 */
export function neverThrows<R>(name: string, fn: () => R): R {
  try {
    return fn();
  } catch (error) {
    throw new Error(`${name} threw, but must not: ${String(error)}`, {
      cause: error,
    });
  }
}

/**
 * Runs every function even when an earlier one throws a TgCallError (then
 * rethrown at the end); anything else is rethrown at once.
 */
export function runEach(...fns: (() => unknown)[]): void {
  let typed: unknown;
  for (const fn of fns) {
    try {
      fn();
    } catch (error) {
      if (!isTyped(error)) throw error;
      typed ??= error;
    }
  }
  if (typed !== undefined) throw typed;
}

/** Class name and message of a crash: what makes two crashes the same. */
export function crashSignature(error: unknown): string {
  if (error instanceof Error) {
    return `${error.constructor.name}: ${
      error.message.replace(/\d+/g, "N").slice(0, 120)
    }`;
  }
  return `non-Error: ${String(error).slice(0, 120)}`;
}

/** Runs `input` once; returns the error if it crashed. */
export function runOnce<T extends FuzzInput>(
  target: FuzzTarget<T>,
  input: T,
): { crashed: boolean; error?: unknown } {
  try {
    target.run(input);
    return { crashed: false };
  } catch (error) {
    return isTyped(error)
      ? { crashed: false, error }
      : { crashed: true, error };
  }
}

/**
 * CPU time of one run, ms (the whole process, so GC threads count too).
 * Unlike wall time it does not grow when a busy machine deschedules us,
 * so it decides whether an input is really over the time bound.
 */
export function cpuTimeOnce<T extends FuzzInput>(
  target: FuzzTarget<T>,
  input: T,
): number {
  const before = process.cpuUsage();
  runOnce(target, input);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

function timeOnce<T extends FuzzInput>(target: FuzzTarget<T>, input: T) {
  const start = performance.now();
  runOnce(target, input);
  return performance.now() - start;
}

/** Heap in use after a full GC (where the runtime allows one), bytes. */
async function heapSample(): Promise<number> {
  await forceGc();
  return process.memoryUsage().heapUsed;
}

/**
 * Generates and runs `options.inputs` inputs against `target`.
 * Never throws for what the target does; the report says.
 */
export async function fuzzTarget<T extends FuzzInput>(
  target: FuzzTarget<T>,
  options: FuzzOptions,
): Promise<FuzzReport> {
  const limit = options.timeLimitMs ?? 50;
  const heapEvery = options.heapEvery ?? 0;
  const maxCrashes = options.maxCrashes ?? 10;
  const rng = new Rng(options.seed, target.name);
  const seeds = target.seeds();
  const crashes = new Map<string, Crash>();
  const heap: number[] = [];
  let typedErrors = 0;
  let slowestMs = -1, slowestIndex = -1;
  let slowestInput: T | undefined;
  const started = performance.now();
  let i = 0;
  for (; i < options.inputs && crashes.size < maxCrashes; i++) {
    if (heapEvery > 0 && i % heapEvery === 0) heap.push(await heapSample());
    if (options.progress) Atomics.store(options.progress, 0, i);
    if (options.onProgress && i > 0 && (i & 0xffff) === 0) {
      options.onProgress(i);
    }
    const input = target.generate(rng, seeds);
    const t0 = performance.now();
    const outcome = runOnce(target, input);
    const ms = performance.now() - t0;
    if (outcome.crashed) {
      const signature = crashSignature(outcome.error);
      if (!crashes.has(signature)) {
        crashes.set(signature, {
          index: i,
          input,
          error: outcome.error,
          kind: "throw",
        });
      }
      continue;
    }
    if (outcome.error) typedErrors++;
    if (ms > slowestMs) {
      slowestMs = ms;
      slowestIndex = i;
      slowestInput = input;
    }
    if (ms > limit) {
      const cpu = Math.min(
        cpuTimeOnce(target, input),
        cpuTimeOnce(target, input),
      );
      if (cpu > limit) {
        crashes.set(`slow ${i}`, {
          index: i,
          input,
          error: new Error(
            `${target.name} took ${ms.toFixed(1)} ms, then ${
              cpu.toFixed(1)
            } ms of CPU (limit ${limit} ms)`,
          ),
          kind: "slow",
        });
      }
    }
  }
  const wallMs = performance.now() - started;
  if (heapEvery > 0) heap.push(await heapSample());
  const slowestRetimedMs = slowestInput === undefined ? 0 : Math.min(
    timeOnce(target, slowestInput),
    timeOnce(target, slowestInput),
    timeOnce(target, slowestInput),
  );
  const report: FuzzReport = {
    target: target.name,
    seed: options.seed,
    inputs: i,
    typedErrors,
    crashes: [...crashes.values()],
    slowestMs,
    slowestRetimedMs,
    slowestIndex,
    wallMs,
  };
  if (heap.length >= 2) {
    // Minima filter out garbage a GC left behind: a leak raises the floor.
    const mb = (b: number) => Math.round(b / 2 ** 20 * 10) / 10;
    const half = Math.max(1, Math.floor(heap.length / 2));
    const floor = Math.min(...heap.slice(0, half));
    const recent = Math.min(...heap.slice(-Math.min(3, heap.length - half)));
    const growth = mb(recent - floor);
    report.heap = {
      firstMb: mb(heap[0]),
      lastMb: mb(heap[heap.length - 1]),
      growthMb: growth,
    };
    if (growth > (options.heapLimitMb ?? 64)) {
      report.heapLeak =
        `${target.name}: heap floor grew ${growth} MB over ${i} inputs`;
    }
  }
  return report;
}

/**
 * A smaller input that still crashes the same way (same class and
 * message shape), by deleting ever smaller chunks while the crash stays.
 */
export function minimise<T extends FuzzInput>(
  target: FuzzTarget<T>,
  input: T,
  budget = 4000,
): T {
  const first = runOnce(target, input);
  if (!first.crashed) return input;
  const signature = crashSignature(first.error);
  const stillCrashes = (candidate: T) => {
    const r = runOnce(target, candidate);
    return r.crashed && crashSignature(r.error) === signature;
  };
  let best = input;
  let tries = 0;
  for (
    let chunk = Math.max(1, Math.floor(best.length / 2));
    chunk >= 1 && tries < budget;
    chunk = Math.floor(chunk / 2)
  ) {
    for (let at = 0; at < best.length && tries < budget;) {
      const candidate = (typeof best === "string"
        ? best.slice(0, at) + best.slice(at + chunk)
        : concatCut(best, at, chunk)) as T;
      tries++;
      if (stillCrashes(candidate)) {
        best = candidate;
      } else at += chunk;
    }
  }
  return best;
}

function concatCut(bytes: Uint8Array, at: number, n: number): Uint8Array {
  const out = new Uint8Array(bytes.length - Math.min(n, bytes.length - at));
  out.set(bytes.subarray(0, at));
  out.set(bytes.subarray(at + n), at);
  return out;
}
