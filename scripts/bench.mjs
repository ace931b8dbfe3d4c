#!/usr/bin/env node
// `npm run bench` runs the benchmarks on Node (compiled with tsc);
// `bun run bench` invokes this same script, which then hands over to Bun so
// that Bun is what gets measured; `deno task bench` passes --runtime=deno.
// Arguments (--only, --json) pass through.
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { ensureSetup, root, withBin } from "./setup.mjs";

// `--runtime=deno|bun|node` picks the runtime explicitly (deno task uses it);
// otherwise the package manager that invoked us decides.
let runtime = (process.env.npm_config_user_agent ?? "").startsWith("bun/")
  ? "bun"
  : "node";
const args = process.argv.slice(2).filter((arg) => {
  const m = arg.match(/^--runtime=(deno|bun|node)$/);
  if (m) runtime = m[1];
  return !m;
});
const env = withBin(process.env);
ensureSetup();
let result;
if (runtime === "deno") {
  result = spawnSync("deno", [
    "run",
    "-A",
    "--unstable-net",
    "bench/main.ts",
    ...args,
  ], {
    cwd: root,
    env,
    stdio: "inherit",
  });
} else if (runtime === "bun") {
  result = spawnSync("bun", ["bench/main.ts", ...args], {
    cwd: root,
    env,
    stdio: "inherit",
  });
} else {
  execFileSync("npx", ["tsc", "-p", "tsconfig.json"], {
    cwd: root,
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  result = spawnSync(process.execPath, [
    join(root, ".build", "bench", "main.js"),
    ...args,
  ], {
    cwd: root,
    env,
    stdio: "inherit",
  });
}
process.exit(result.status ?? 1);
