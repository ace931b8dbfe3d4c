/**
 * Runs the benchmarks: `deno task bench`, `bun run bench`, `npm run bench`.
 *
 * `--only <prefix>` selects cases by name prefix (repeatable); `--json`
 * prints one object `{"runtime", "results": [{name, unit, value, baseline}]}`
 * on stdout instead of the table.
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { runtimeVersion } from "../src/runtime/detect.ts";
import type { BenchCase } from "./harness.ts";
import { cases as clientCases } from "./client_bench.ts";
import { cases as mediaCases } from "./media_bench.ts";
import { cases as schedulerCases } from "./scheduler_bench.ts";
import { cases as srtpCases } from "./srtp_bench.ts";

const all: BenchCase[] = [
  ...srtpCases,
  ...mediaCases,
  ...schedulerCases,
  ...clientCases,
];

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    only: { type: "string", multiple: true },
    json: { type: "boolean", default: false },
  },
});

const selected = all.filter((c) =>
  !values.only || values.only.some((prefix) => c.name.startsWith(prefix))
);

const round = (x: number) => Math.round(x * 1000) / 1000;
const results = [];
for (const c of selected) {
  const m = await c.run();
  const b = c.baseline ? await c.baseline.run() : undefined;
  const result = {
    name: c.name,
    unit: c.unit,
    value: round(m.value),
    ...(m.notes ? { notes: m.notes } : {}),
    ...(b && c.baseline
      ? {
        baseline: {
          name: c.baseline.name,
          value: round(b.value),
          ...(b.notes ? { notes: b.notes } : {}),
        },
      }
      : {}),
  };
  results.push(result);
  if (!values.json) {
    const notes = (n?: Record<string, number>) =>
      n
        ? " (" +
          Object.entries(n).map(([k, v]) => `${k} ${round(v)}`).join(", ") + ")"
        : "";
    console.log(
      `${c.name.padEnd(24)} ${round(m.value)} ${c.unit}${notes(m.notes)}` +
        (b && c.baseline
          ? `  | ${c.baseline.name}: ${round(b.value)}${notes(b.notes)}` +
            `  → ${round(b.value / m.value)}× baseline`
          : ""),
    );
  }
}
if (values.json) {
  console.log(JSON.stringify({ runtime: runtimeVersion(), results }));
} else {
  console.log(`runtime: ${runtimeVersion()}`);
}
