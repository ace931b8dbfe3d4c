/**
 * The benchmark output contract: what `--json` prints and what `--save`
 * keeps in `bench/results.json`, one report per runtime family (Deno, Bun,
 * Node) so the three runtimes' figures sit side by side in one file.
 *
 * @module
 */

import { cpus, release, type } from "node:os";
import type { BenchResult } from "./harness.ts";

/** One runtime's results. */
export interface BenchReport {
  /** `"deno 2.x"`, `"bun 1.x"`, `"node 2x"`. */
  runtime: string;
  /** CPU model, core count and OS. */
  machine: string;
  /** When the run finished (ISO 8601). */
  date?: string;
  /** One entry per case run. */
  results: BenchResult[];
}

/** `"<cpu model>, <n> cores, <os> <release>"`. */
export function machineDescription(): string {
  const list = cpus();
  const model = list[0]?.model?.trim() || "unknown cpu";
  return `${model}, ${list.length} cores, ${type()} ${release()}`;
}

/** The runtime family of a report (`"deno"`, `"bun"`, `"node"`). */
export function runtimeFamily(runtime: string): string {
  return runtime.split(" ")[0];
}

/**
 * The saved file's reports with `report` in place of the one from the same
 * runtime family. Results for cases not rerun (another `--only`) are kept
 * from the earlier report, so partial runs accumulate.
 */
export function mergeReports(
  saved: unknown,
  report: BenchReport,
): BenchReport[] {
  const list = Array.isArray(saved)
    ? saved.filter(isReport)
    : isReport(saved)
    ? [saved]
    : [];
  const family = runtimeFamily(report.runtime);
  const previous = list.find((r) => runtimeFamily(r.runtime) === family);
  const rerun = new Set(report.results.map((r) => r.name));
  const merged: BenchReport = {
    ...report,
    results: [
      ...(previous?.results.filter((r) => !rerun.has(r.name)) ?? []),
      ...report.results,
    ],
  };
  const others = list.filter((r) => runtimeFamily(r.runtime) !== family);
  const order = ["deno", "bun", "node"];
  return [...others, merged].sort((a, b) =>
    order.indexOf(runtimeFamily(a.runtime)) -
    order.indexOf(runtimeFamily(b.runtime))
  );
}

/** Whether `x` has the shape of a {@linkcode BenchReport}. */
export function isReport(x: unknown): x is BenchReport {
  if (typeof x !== "object" || x === null) return false;
  const r = x as Record<string, unknown>;
  return typeof r.runtime === "string" && typeof r.machine === "string" &&
    Array.isArray(r.results) && r.results.every(isResult);
}

function isNamedValue(x: unknown): boolean {
  if (typeof x !== "object" || x === null) return false;
  const n = x as Record<string, unknown>;
  return typeof n.name === "string" && typeof n.value === "number";
}

/** Whether `x` has the shape of a {@linkcode BenchResult}. */
export function isResult(x: unknown): x is BenchResult {
  if (typeof x !== "object" || x === null) return false;
  const r = x as Record<string, unknown>;
  return typeof r.name === "string" && typeof r.unit === "string" &&
    (typeof r.value === "number" && Number.isFinite(r.value) ||
      r.value === null &&
        typeof (r.notes as Record<string, unknown> | undefined)
            ?.missing === "string") &&
    (r.baseline === undefined || isNamedValue(r.baseline)) &&
    (r.baselines === undefined ||
      (Array.isArray(r.baselines) && r.baselines.every(isNamedValue))) &&
    (r.notes === undefined ||
      (typeof r.notes === "object" && r.notes !== null &&
        Object.values(r.notes).every((v) =>
          typeof v === "number" || typeof v === "string"
        )));
}

/** One printed line: median, spread, and each baseline with value/baseline. */
export function formatResult(r: BenchResult): string {
  const spread = r.notes?.["spread%"];
  let line = `${r.name.padEnd(28)} ${String(r.value).padStart(9)} ${r.unit}` +
    (typeof spread === "number" ? ` ±${spread.toFixed(1)}%` : "");
  for (const b of [r.baseline, ...(r.baselines ?? [])]) {
    if (!b) continue;
    const ratio = b.value === 0 || r.value === null ? NaN : r.value / b.value;
    line += `  | ${b.name} ${b.value} (ratio ${ratio.toFixed(2)})`;
  }
  const extra = Object.entries(r.notes ?? {}).filter(([k]) =>
    k !== "spread%" && k !== "repeats"
  );
  if (extra.length > 0) {
    line += `\n${"".padEnd(30)}` +
      extra.map(([k, v]) => `${k} ${v}`).join(", ");
  }
  return line;
}
