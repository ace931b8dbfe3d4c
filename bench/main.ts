/**
 * Runs the benchmarks: `deno task bench`, `bun run bench`, `npm run bench`
 * (or `node scripts/bench.mjs --runtime=deno|bun|node`).
 *
 * - `--only <prefix>` selects cases by name prefix (repeatable).
 * - `--json` prints the report (see `report.ts`) on stdout instead of the
 *   table.
 * - `--save` merges the report into `bench/results.json`, replacing this
 *   runtime family's earlier results for the cases run.
 *
 * Every case runs at least five times; the table shows the median, the
 * spread (max − min over the median) and value/baseline ratios (< 1: faster
 * than the baseline).
 *
 * @module
 */

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { runtimeVersion } from "../src/runtime/detect.ts";
import {
  type BenchCase,
  type BenchResult,
  runBenchExitHooks,
  runCase,
  selectCases,
} from "./harness.ts";
import {
  type BenchReport,
  formatResult,
  machineDescription,
  mergeReports,
} from "./report.ts";
import { cases as clientCases } from "./client_bench.ts";
import { cases as connectCases } from "./connect_bench.ts";
import { cases as dtlsLossCases } from "./dtls_loss_bench.ts";
import { cases as scaleCases } from "./scale_bench.ts";
import { cases as startCases } from "./start_bench.ts";
import { cases as mediaCases } from "./media_bench.ts";
import { cases as schedulerCases } from "./scheduler_bench.ts";
import { cases as sendPathCases } from "./send_path_bench.ts";
import { cases as sharedSocketCases } from "./shared_socket_bench.ts";
import { cases as srtpCases } from "./srtp_bench.ts";

const all: BenchCase[] = [
  ...srtpCases,
  ...sendPathCases,
  ...sharedSocketCases,
  ...mediaCases,
  ...schedulerCases,
  ...clientCases,
  ...connectCases,
  ...startCases,
  ...dtlsLossCases,
  ...scaleCases,
];

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    only: { type: "string", multiple: true },
    json: { type: "boolean", default: false },
    save: { type: "boolean", default: false },
  },
});

const selected = selectCases(all, values.only);
if (selected.length === 0) {
  console.error(`No case matches --only ${values.only?.join(", ")}`);
  process.exit(2);
}
const report: BenchReport = {
  runtime: runtimeVersion(),
  machine: machineDescription(),
  results: [],
};
if (!values.json) console.log(`${report.runtime} on ${report.machine}`);
try {
  for (const c of selected) {
    const result: BenchResult = await runCase(c);
    report.results.push(result);
    if (!values.json) console.log(formatResult(result));
  }
} finally {
  await runBenchExitHooks();
}
report.date = new Date().toISOString();
if (values.json) console.log(JSON.stringify(report));
if (values.save) {
  // `scripts/bench.mjs` runs every runtime from the repository root.
  const file = join(process.cwd(), "bench", "results.json");
  const saved = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : [];
  writeFileSync(
    file,
    JSON.stringify(mergeReports(saved, report), null, 2) + "\n",
  );
  if (!values.json) console.log(`saved to ${file}`);
}
// Native peers (libdatachannel) may keep the event loop alive.
process.exit(0);
