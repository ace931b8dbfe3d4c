/**
 * One test API for Deno, Bun and Node.
 *
 * Under Deno, tests register with `Deno.test` so the op, resource and exit
 * sanitizers stay on (Deno's `node:test` shim runs without them). Elsewhere
 * they register with `node:test`, which Bun and Node both run. On every
 * runtime the harness also compares tgcall's own resource counters (UDP
 * sockets, subprocesses, armed timers) before and after each test, so a
 * leak fails the test on Node and Bun too.
 *
 * @module
 */

import { test as nodeTest } from "node:test";
import { openResources } from "../../src/runtime/resources.ts";

/** Options for {@linkcode test}. */
export interface TestOptions {
  /** Milliseconds before the test fails; default 30 000. */
  timeout?: number;
  /** Skip the test; a string gives the reason. */
  skip?: boolean | string;
}

type DenoTest = (definition: {
  name: string;
  fn: () => Promise<void>;
  ignore?: boolean;
}) => void;

const denoTest = (globalThis as unknown as { Deno?: { test: DenoTest } })
  .Deno?.test;
const isBun = "Bun" in globalThis;

async function withChecks(
  name: string,
  fn: () => void | Promise<void>,
  timeoutMs: number,
): Promise<void> {
  const before = openResources();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Test "${name}" timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([fn(), timeout]);
  } finally {
    clearTimeout(timer);
  }
  const after = openResources();
  const leaks = (Object.keys(after) as (keyof typeof after)[])
    .filter((key) => after[key] > before[key])
    .map((key) => `${key}: ${before[key]} -> ${after[key]}`);
  if (leaks.length > 0) {
    throw new Error(`Test "${name}" leaked resources: ${leaks.join(", ")}`);
  }
}

/** Registers a test on whichever runtime is running the file. */
export function test(
  name: string,
  fn: () => void | Promise<void>,
  options: TestOptions = {},
): void {
  const timeoutMs = options.timeout ?? 30_000;
  const skip = options.skip ?? false;
  const run = () => withChecks(name, fn, timeoutMs);
  if (denoTest) {
    denoTest({ name, fn: run, ignore: skip !== false });
  } else {
    // Bun honours node:test's `timeout` only via the CLI flag; the harness
    // timeout above applies everywhere.
    nodeTest(
      name,
      { skip, timeout: isBun ? undefined : timeoutMs + 1000 },
      run,
    );
  }
}
