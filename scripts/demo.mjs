#!/usr/bin/env node
// The main demo: joins a local libdatachannel group-call peer through the
// public Client API, streams a tone (or --input), prints a progress line and
// ends with `VERDICT: PASS …` / `VERDICT: FAIL <reason>` (exit 0/1).
//
// `npm run demo` runs it on Node (compiled with tsc); `bun run demo` hands
// over to Bun; `deno task demo` passes --runtime=deno. Other arguments
// (--duration, --input, --video, --frequency, --quiet) pass through.
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { ensureSetup, root, withBin } from "./setup.mjs";

let runtime = (process.env.npm_config_user_agent ?? "").startsWith("bun/")
  ? "bun"
  : "node";
const args = process.argv.slice(2).filter((arg) => {
  const m = arg.match(/^--runtime=(deno|bun|node)$/);
  if (m) runtime = m[1];
  return !m && arg !== "--";
});
const env = withBin(process.env);
ensureSetup({ ffmpeg: true });
let result;
if (runtime === "deno") {
  result = spawnSync("deno", [
    "run",
    "-A",
    "--unstable-net",
    "examples/demo.ts",
    ...args,
  ], { cwd: root, env, stdio: "inherit" });
} else if (runtime === "bun") {
  result = spawnSync("bun", ["examples/demo.ts", ...args], {
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
    join(root, ".build", "examples", "demo.js"),
    ...args,
  ], { cwd: root, env, stdio: "inherit" });
}
process.exit(result.status ?? 1);
