#!/usr/bin/env node
// The full test suite: `npm test` (also `deno task test`).
//
// Works on a fresh machine with only Node and npm: installs the pinned
// dependencies (which bring Deno and Bun), installs ffmpeg through apt when
// it is missing and we are root, runs the static checks, then the same test
// files under Deno, Bun and Node. Ends with one line "N passed, N failed".
//
// Options: --runtime=deno,bun,node  --no-checks  --no-setup
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { ensureSetup, root, withBin } from "./setup.mjs";

const { values } = parseArgs({
  options: {
    runtime: { type: "string", default: "deno,bun,node" },
    "no-checks": { type: "boolean", default: false },
    "no-setup": { type: "boolean", default: false },
  },
});
const runtimes = values.runtime.split(",").map((s) => s.trim()).filter(Boolean);

if (!values["no-setup"]) ensureSetup({ ffmpeg: true });
const env = withBin(process.env);

/** Wall time of every step, so the summary can name the slow ones. */
const timings = [];

/** Runs a command, streaming its output, and returns what it printed. */
function run(label, cmd, args, options = {}) {
  console.log(`\n=== ${label}: ${cmd} ${args.join(" ")}`);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      ...options,
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on("data", (d) => {
      out += d;
      process.stderr.write(d);
    });
    child.on("error", (error) => resolve({ code: 127, out: String(error) }));
    child.on("close", (code, signal) => {
      timings.push({ label, seconds: (performance.now() - started) / 1000 });
      resolve({ code: code ?? 128, signal, out });
    });
  });
}

// deno and bun colour their summaries when they think a human is watching.
// deno-lint-ignore no-control-regex
const plain = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");

function testFiles(dir, suffix = "_test.js") {
  const files = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...testFiles(path, suffix));
    else if (name.endsWith(suffix)) files.push(path);
  }
  return files.sort();
}

const results = []; // { name, passed, failed }

/**
 * What failed and why, a few lines per file: CI shows only the end of the
 * log, so the summary must name the failing tests itself.
 */
const failures = []; // { label, lines }

function noteFailure(label, runtime, out) {
  const o = plain(out).split("\n");
  let lines;
  if (runtime === "deno") {
    const from = o.findIndex((l) => /^\s*ERRORS\s*$/.test(l));
    const to = o.findIndex((l, i) => i > from && /^\s*FAILURES\s*$/.test(l));
    lines = from < 0 ? [] : o.slice(from + 1, to < 0 ? undefined : to);
    lines = lines.filter((l) => l.trim() && !/^\s+(at |\^)/.test(l));
  } else if (runtime === "bun") {
    lines = o.filter((l) =>
      /^(\(fail\)|error:|\w*Error\b)|^\s*(Expected|Received)/.test(l)
    );
  } else {
    // TAP: the failing test, then its YAML; a multi-line message starts on
    // the line after `error: |-`.
    lines = o.filter((l, i) =>
      /^\s*not ok\b|^\s+(error|expected|actual|location):/.test(l) ||
      /error: [|>]-?$/.test(o[i - 1] ?? "")
    );
  }
  if (lines.length === 0) lines = o.filter((l) => l.trim()).slice(-10);
  failures.push({ label, lines: lines.slice(0, 24) });
}

if (!values["no-checks"]) {
  const checks = [
    ["deno fmt --check", "deno", ["fmt", "--check"]],
    ["deno lint", "deno", ["lint"]],
    ["deno check", "deno", [
      "check",
      "mod.ts",
      "mtcute.ts",
      "gramjs.ts",
      "testing.ts",
      "src",
      "tests",
      "bench",
      "examples",
      "fuzz",
      "soak",
    ]],
    ["deno doc --lint mod.ts testing.ts", "deno", [
      "doc",
      "--lint",
      "mod.ts",
      "testing.ts",
    ]],
    // The @examples of mod.ts and of every file it re-exports from,
    // type-checked and run (`deno test --doc` reads only the files named).
    ["deno test --doc (public API examples)", "deno", [
      "test",
      "-A",
      "--doc",
      "mod.ts",
      ...new Set(Array.from(
        readFileSync(join(root, "mod.ts"), "utf8").matchAll(
          /from "\.\/(src\/[^"]+)"/g,
        ),
        (m) => m[1],
      )),
    ]],
    ["deno publish --dry-run", "deno", [
      "publish",
      "--dry-run",
      "--allow-dirty",
    ]],
    ["npm build (JS + .d.ts)", "npx", ["tsc", "-p", "tsconfig.build.json"]],
    // The folder tree is the stack: no file over 400 lines, imports only
    // downward, no import cycle (scripts/check_layers.mjs).
    ["layers", process.execPath, [join(root, "scripts", "check_layers.mjs")]],
  ];
  let passed = 0, failed = 0;
  for (const [label, cmd, args] of checks) {
    const { code } = await run(`check ${label}`, cmd, args);
    if (code === 0) passed++;
    else {
      failed++;
      console.log(`!!! check failed: ${label}`);
    }
  }
  results.push({ name: "static checks", passed, failed });
}

for (const runtime of runtimes) {
  let res;
  if (runtime === "deno") {
    // One process per file: node-datachannel keeps process-wide native
    // state bound to the first isolate that loaded it, and `deno test` gives
    // every file its own isolate, so a second file using it panics Deno.
    let passed = 0, failed = 0;
    const notes = [];
    for (const file of testFiles(join(root, "tests"), "_test.ts")) {
      const rel = relative(root, file);
      res = await run(`deno ${rel}`, "deno", [
        "test",
        "-A",
        "--unstable-net",
        rel,
      ]);
      const o = plain(res.out);
      const m = [
        ...o.matchAll(
          /(?:^|\n)(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/g,
        ),
      ].pop();
      const r = summary(`deno ${rel}`, res, m && [Number(m[1]), Number(m[2])]);
      if (r.failed) noteFailure(`deno ${rel}`, "deno", res.out);
      passed += r.passed;
      failed += r.failed;
      if (r.note) notes.push(`${rel}: ${r.note}`);
    }
    results.push({
      name: "deno",
      passed,
      failed,
      note: notes.join("; ") || undefined,
    });
  } else if (runtime === "bun") {
    // One process per file, as for Deno: a native crash (node-datachannel
    // inside Bun) then costs that file, not every file after it.
    let passed = 0, failed = 0;
    const notes = [];
    for (const file of testFiles(join(root, "tests"), "_test.ts")) {
      const rel = relative(root, file);
      res = await run(`bun ${rel}`, "bun", [
        "test",
        "--timeout",
        "120000",
        `./${rel}`,
      ]);
      const o = plain(res.out);
      const p = o.match(/^\s*(\d+) pass$/m), f = o.match(/^\s*(\d+) fail$/m);
      const r = summary(
        `bun ${rel}`,
        res,
        p && f && [Number(p[1]), Number(f[1])],
      );
      if (r.failed) noteFailure(`bun ${rel}`, "bun", res.out);
      passed += r.passed;
      failed += r.failed;
      if (r.note) notes.push(`${rel}: ${r.note}`);
    }
    results.push({
      name: "bun",
      passed,
      failed,
      note: notes.join("; ") || undefined,
    });
  } else if (runtime === "node") {
    const build = await run("node build", "npx", [
      "tsc",
      "-p",
      "tsconfig.json",
    ]);
    if (build.code !== 0) {
      results.push({ name: "node", passed: 0, failed: 1 });
      continue;
    }
    const files = testFiles(join(root, ".build", "tests")).map((f) =>
      relative(root, f)
    );
    res = await run("node", process.execPath, [
      "--test",
      // A test file whose tests all finished must not hang the suite on a
      // native handle (node-datachannel's threads have been seen to).
      "--test-force-exit",
      "--test-reporter=tap",
      ...files,
    ]);
    const p = res.out.match(/^# pass (\d+)$/m),
      f = res.out.match(/^# fail (\d+)$/m);
    const c = res.out.match(/^# cancelled (\d+)$/m);
    const r = summary(
      "node",
      res,
      p && f && [Number(p[1]), Number(f[1]) + Number(c?.[1] ?? 0)],
    );
    if (r.failed) noteFailure("node", "node", res.out);
    results.push(r);
  } else {
    console.error(`unknown runtime: ${runtime}`);
    results.push({ name: runtime, passed: 0, failed: 1 });
  }
}

/** A runner that crashed or printed no summary counts as one failure. */
function summary(name, res, counts) {
  if (!counts) {
    return {
      name,
      passed: 0,
      failed: 1,
      note: `no summary (exit ${res.code})`,
    };
  }
  const [passed, failed] = counts;
  if (res.code !== 0 && failed === 0) {
    return { name, passed, failed: 1, note: `exit ${res.code}` };
  }
  return { name, passed, failed };
}

if (failures.length) console.log("\n=== failures");
for (const { label, lines } of failures) {
  console.log(`--- ${label}`);
  for (const line of lines) console.log(`  ${line.slice(0, 300)}`);
}

console.log("\n=== slowest steps");
for (
  const t of timings.toSorted((a, b) => b.seconds - a.seconds).slice(0, 12)
) {
  console.log(`  ${t.seconds.toFixed(1).padStart(7)} s  ${t.label}`);
}
const total = timings.reduce((a, t) => a + t.seconds, 0);
console.log(`  ${total.toFixed(1).padStart(7)} s  all steps`);

console.log("\n=== summary");
for (const r of results) {
  console.log(
    `  ${r.name.padEnd(14)} ${r.passed} passed, ${r.failed} failed${
      r.note ? ` (${r.note})` : ""
    }`,
  );
}
const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
