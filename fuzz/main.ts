/**
 * The fuzzer: `npm run fuzz`, `deno task fuzz`, `bun run fuzz`.
 *
 * Options:
 * - `--inputs N` per target (default 100 000)
 * - `--only NAME` (repeatable; names as in `fuzz/targets.ts`)
 * - `--seed N` (default random; always printed, so a run replays)
 * - `--time-limit-ms 50`, `--heap-every 50000`, `--heap-limit-mb 64`,
 *   `--hang-ms 10000` (watchdog)
 * - `--replay PATH` (repeatable): run corpus files, or every file in a
 *   corpus folder, and print what each ends in
 * - `--replay-index I` with one `--only` and the `--seed`: regenerate and
 *   run input I of that run, printing the full error
 * - `--no-save`: do not write crashers to `tests/fuzz_corpus/`
 * - `--json`: one JSON object with every report on stdout
 *
 * Exits 1 when any input crashed, overran the time bound, or the heap grew.
 *
 * @module
 */

import { readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { runtimeVersion } from "../src/runtime/detect.ts";
import { readCorpusFile, saveCrasher } from "./corpus.ts";
import { Rng } from "./mutate.ts";
import {
  crashSignature,
  type FuzzInput,
  type FuzzReport,
  fuzzTarget,
  minimise,
  runOnce,
} from "./runner.ts";
import { targetNamed, TARGETS } from "./targets.ts";
import type { WatchdogData } from "./watchdog.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    inputs: { type: "string", default: "100000" },
    only: { type: "string", multiple: true },
    seed: { type: "string" },
    "time-limit-ms": { type: "string", default: "50" },
    "heap-every": { type: "string", default: "50000" },
    "heap-limit-mb": { type: "string", default: "64" },
    "hang-ms": { type: "string", default: "10000" },
    replay: { type: "string", multiple: true },
    "replay-index": { type: "string" },
    "no-save": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});

const log = (line: string) =>
  (values.json ? process.stderr : process.stdout).write(line + "\n");

function preview(input: FuzzInput): string {
  if (typeof input === "string") {
    return JSON.stringify(
      input.length > 160 ? input.slice(0, 160) + "…" : input,
    );
  }
  const hex = Array.from(
    input.subarray(0, 64),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  return `${input.length} bytes ${hex}${input.length > 64 ? "…" : ""}`;
}

function describe(error: unknown): string {
  return error instanceof Error
    ? `${error.constructor.name}: ${error.message}`
    : String(error);
}

const unknown = (values.only ?? []).filter((n) => !targetNamed(n));
if (unknown.length > 0) {
  console.error(
    `Unknown target ${unknown.join(", ")}; targets: ${
      TARGETS.map((t) => t.name).join(", ")
    }`,
  );
  process.exit(2);
}
const selected = values.only
  ? TARGETS.filter((t) => values.only!.includes(t.name))
  : TARGETS;
const seed = values.seed !== undefined
  ? Number(values.seed) >>> 0
  : crypto.getRandomValues(new Uint32Array(1))[0];

if (values.replay) {
  let crashed = 0;
  for (const path of values.replay) {
    const files = statSync(path).isDirectory()
      ? readdirSync(path).sort().map((name) => join(path, name))
      : [path];
    for (const file of files) {
      const name = basename(dirname(file));
      const target = targetNamed(name);
      if (!target) throw new Error(`${file}: no target named ${name}`);
      const r = runOnce(target, readCorpusFile(file));
      if (r.crashed) crashed++;
      log(
        `${r.crashed ? "CRASH" : "ok   "} ${file}: ${
          r.error === undefined ? "returned" : describe(r.error)
        }`,
      );
      if (r.crashed && r.error instanceof Error) log(String(r.error.stack));
    }
  }
  process.exit(crashed > 0 ? 1 : 0);
}

if (values["replay-index"] !== undefined) {
  if (selected.length !== 1 || values.seed === undefined) {
    console.error("--replay-index needs --seed and exactly one --only");
    process.exit(2);
  }
  const target = selected[0];
  const index = Number(values["replay-index"]);
  const rng = new Rng(seed, target.name);
  const seeds = target.seeds();
  let input = target.generate(rng, seeds);
  for (let i = 0; i < index; i++) input = target.generate(rng, seeds);
  log(`${target.name} #${index}: ${preview(input)}`);
  const start = performance.now();
  const r = runOnce(target, input);
  log(
    `${r.crashed ? "CRASH" : "ok"} in ${
      (performance.now() - start).toFixed(2)
    } ms: ${r.error === undefined ? "returned" : describe(r.error)}`,
  );
  if (r.crashed && r.error instanceof Error) log(String(r.error.stack));
  if (r.crashed && !values["no-save"]) {
    log(`saved ${saveCrasher(target.name, minimise(target, input))}`);
  }
  process.exit(r.crashed ? 1 : 0);
}

const inputs = Number(values.inputs);
log(
  `fuzz: seed ${seed}, ${inputs} inputs per target, ${selected.length} targets, ${runtimeVersion()}`,
);

const progress = new Int32Array(new SharedArrayBuffer(12));
const watchdogData: WatchdogData = {
  progress,
  names: selected.map((t) => t.name),
  seed,
  hangMs: Number(values["hang-ms"]),
};
const watchdog = new Worker(
  new URL(
    import.meta.url.endsWith(".ts") ? "./watchdog.ts" : "./watchdog.js",
    import.meta.url,
  ),
  { workerData: watchdogData },
);
watchdog.unref();

const reports: FuzzReport[] = [];
let failed = false;
for (const [index, target] of selected.entries()) {
  Atomics.store(progress, 1, index);
  Atomics.store(progress, 2, 1);
  const report = await fuzzTarget(target, {
    seed,
    inputs,
    timeLimitMs: Number(values["time-limit-ms"]),
    heapEvery: Number(values["heap-every"]),
    heapLimitMb: Number(values["heap-limit-mb"]),
    progress,
    onProgress: (done) =>
      process.stderr.write(`  ${target.name}: ${done}/${inputs}\n`),
  });
  Atomics.store(progress, 2, 0);
  reports.push(report);
  log(
    `${
      target.name.padEnd(18)
    } ${report.inputs} inputs, ${report.crashes.length} crashes, ` +
      `${report.typedErrors} typed errors, slowest ${
        report.slowestMs.toFixed(2)
      } ms (again: ${report.slowestRetimedMs.toFixed(2)} ms), ${
        (report.wallMs / 1000).toFixed(1)
      } s` +
      (report.heap
        ? `, heap ${report.heap.firstMb}→${report.heap.lastMb} MB (floor +${report.heap.growthMb})`
        : ""),
  );
  for (const crash of report.crashes) {
    failed = true;
    const input = crash.kind === "throw"
      ? minimise(target, crash.input)
      : crash.input;
    log(`  CRASH #${crash.index}: ${crashSignature(crash.error)}`);
    log(`    ${describe(crash.error)}`);
    log(`    input: ${preview(input)}`);
    if (!values["no-save"]) log(`    saved ${saveCrasher(target.name, input)}`);
    log(
      `    replay: npm run fuzz -- --seed ${seed} --only ${target.name} --replay-index ${crash.index}`,
    );
  }
  if (report.heapLeak) {
    failed = true;
    log(`  HEAP: ${report.heapLeak}`);
  }
}
await watchdog.terminate();

if (values.json) {
  console.log(JSON.stringify({
    runtime: runtimeVersion(),
    seed,
    reports: reports.map((r) => ({
      ...r,
      crashes: r.crashes.map((c) => ({
        index: c.index,
        kind: c.kind,
        error: describe(c.error),
      })),
    })),
  }));
}
log(
  `${failed ? "FAILED" : "ok"}: ${
    reports.reduce((n, r) => n + r.inputs, 0)
  } inputs, seed ${seed}`,
);
process.exit(failed ? 1 : 0);
