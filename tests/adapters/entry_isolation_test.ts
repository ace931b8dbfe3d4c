/**
 * mtcute and GramJS are optional peer dependencies: only `mtcute.ts` and
 * `gramjs.ts` may import them. This walks every module `mod.ts` reaches
 * (the tsc output `mod.js` under Node) and lists its package imports.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "../_support/harness.ts";

const IMPORT = /(?:from|import)\s*\(?\s*"([^"]+)"/g;

/** Package specifiers imported by `entry` and every module it reaches. */
function packageImports(entry: URL): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const queue = [entry];
  for (let url = queue.pop(); url !== undefined; url = queue.pop()) {
    if (seen.has(url.href)) continue;
    seen.add(url.href);
    const text = readFileSync(fileURLToPath(url), "utf8")
      // Doc comments carry `@example` imports that are not the module's.
      .replace(/\/\*[\s\S]*?\*\//g, "");
    for (const [, specifier] of text.matchAll(IMPORT)) {
      if (specifier.startsWith(".")) queue.push(new URL(specifier, url));
      else packages.add(specifier);
    }
  }
  return packages;
}

function entryPoint(name: string): URL {
  const root = new URL("../../", import.meta.url);
  const ts = new URL(`${name}.ts`, root);
  return existsSync(fileURLToPath(ts)) ? ts : new URL(`${name}.js`, root);
}

test("mod.ts reaches neither mtcute nor GramJS", () => {
  const packages = [...packageImports(entryPoint("mod"))];
  const clients = packages.filter((p) =>
    p.startsWith("@mtcute/") || p === "telegram" || p.startsWith("telegram/")
  );
  assert.deepEqual(clients, []);
  assert.ok(packages.some((p) => p.startsWith("@noble/")), "walk found deps");
});

test("each adapter entry imports only its own client", () => {
  const mtcute = [...packageImports(entryPoint("mtcute"))];
  const gramjs = [...packageImports(entryPoint("gramjs"))];
  assert.ok(mtcute.some((p) => p.startsWith("@mtcute/core")));
  assert.ok(!mtcute.some((p) => p.startsWith("telegram")));
  assert.ok(gramjs.some((p) => p === "telegram"));
  assert.ok(!gramjs.some((p) => p.startsWith("@mtcute/")));
});
