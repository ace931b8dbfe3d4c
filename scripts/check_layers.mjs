#!/usr/bin/env node
// The architecture rules as a check (`npm test` runs it with the static
// checks): the folder tree is the stack and packets only travel downward.
//
// 1. No file under src/ is longer than 400 lines.
// 2. A layer imports only layers beneath it (the table below); the wire
//    layers never import the call, client, session or source layers, and
//    dtls/ imports nothing from srtp/.
// 3. No import cycle between files, type-only imports included.
//
// Prints every violation and exits 1 if there is one.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { root } from "./setup.mjs";

const MAX_LINES = 400;

// Layer → the layers it may import (besides itself). Top to bottom.
const allowed = {
  session: [
    "client",
    "call",
    "source",
    "signaling",
    "media",
    "errors",
    "runtime",
  ],
  adapters: ["session", "client", "errors"],
  client: [
    "call",
    "source",
    "transport",
    "signaling",
    "media",
    "srtp",
    "dtls",
    "errors",
    "runtime",
  ],
  call: [
    "source",
    "transport",
    "media",
    "rtp",
    "signaling",
    "srtp",
    "dtls",
    "ice",
    "errors",
    "runtime",
  ],
  source: ["media", "errors", "runtime"],
  transport: ["dtls", "srtp", "ice", "stun", "errors", "runtime"],
  media: ["rtp", "errors", "runtime"],
  rtp: ["errors", "runtime"],
  signaling: ["ice", "dtls", "errors", "runtime"],
  srtp: ["errors", "runtime"],
  dtls: ["errors", "runtime"],
  ice: ["stun", "errors", "runtime"],
  stun: ["errors", "runtime"],
  runtime: ["errors"],
  errors: ["runtime"],
  testing: null, // test tooling may import anything in src/
};

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

const src = join(root, "src");
const files = walk(src);
const problems = [];
const graph = new Map();

const layerOf = (file) => {
  const rel = relative(src, file).split("\\").join("/");
  const first = rel.split("/")[0];
  return first.endsWith(".ts") ? first.slice(0, -3) : first;
};

for (const file of files) {
  const text = readFileSync(file, "utf8");
  const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  const rel = relative(root, file);
  if (lines > MAX_LINES) {
    problems.push(`${rel}: ${lines} lines (max ${MAX_LINES})`);
  }
  const deps = [];
  for (
    const m of text.matchAll(
      /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["'](\.{1,2}\/[^"']+)["']/g,
    )
  ) {
    deps.push(resolve(dirname(file), m[1]));
  }
  for (const m of text.matchAll(/import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)) {
    deps.push(resolve(dirname(file), m[1]));
  }
  graph.set(file, deps);
  const from = layerOf(file);
  const may = allowed[from];
  if (may === undefined) {
    problems.push(`${rel}: folder src/${from}/ is not in the layer table`);
    continue;
  }
  if (may === null) continue;
  for (const dep of deps) {
    if (!dep.startsWith(src)) {
      problems.push(`${rel}: imports ${relative(root, dep)} outside src/`);
      continue;
    }
    const to = layerOf(dep);
    if (to !== from && !may.includes(to)) {
      problems.push(
        `${rel}: layer ${from} must not import ${to} (${relative(root, dep)})`,
      );
    }
  }
}

// Cycle detection (Tarjan-free DFS with colours; reports each back edge).
const colour = new Map();
const stack = [];
function visit(file) {
  colour.set(file, 1);
  stack.push(file);
  for (const dep of graph.get(file) ?? []) {
    if (!graph.has(dep)) continue;
    const c = colour.get(dep) ?? 0;
    if (c === 1) {
      const cycle = stack.slice(stack.indexOf(dep)).concat(dep);
      problems.push(
        `import cycle: ${cycle.map((f) => relative(root, f)).join(" → ")}`,
      );
    } else if (c === 0) visit(dep);
  }
  stack.pop();
  colour.set(file, 2);
}
for (const file of files) if (!colour.has(file)) visit(file);

if (problems.length) {
  for (const p of problems) console.log(`layers: ${p}`);
  console.log(`layers: ${problems.length} problem(s) in ${files.length} files`);
  process.exit(1);
}
console.log(
  `layers: ${files.length} files, none over ${MAX_LINES} lines, imports only downward, no cycles`,
);
