// Runs a TypeScript entry point (e.g. bench/main.ts) on the runtime that
// should be measured or demonstrated, with the remaining arguments:
// `--runtime=deno|bun|node` picks it explicitly (deno tasks pass it);
// otherwise the package manager that invoked us decides (`bun run` → Bun,
// `npm run` → Node, which runs the tsc output in .build/).
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { ensureSetup, root, withBin } from "./setup.mjs";

/**
 * Runs `entry` ("dir/name", no extension) and exits with its status.
 * @param {string} entry
 * @param {{ ffmpeg?: boolean }} setup what ensureSetup must provide
 */
export function runEntry(entry, setup = {}) {
  let runtime = (process.env.npm_config_user_agent ?? "").startsWith("bun/")
    ? "bun"
    : "node";
  const args = process.argv.slice(2).filter((arg) => {
    const m = arg.match(/^--runtime=(deno|bun|node)$/);
    if (m) runtime = m[1];
    return !m && arg !== "--";
  });
  const env = withBin(process.env);
  ensureSetup(setup);
  const options = { cwd: root, env, stdio: "inherit" };
  let result;
  if (runtime === "deno") {
    result = spawnSync("deno", [
      "run",
      "-A",
      "--unstable-net",
      `${entry}.ts`,
      ...args,
    ], options);
  } else if (runtime === "bun") {
    result = spawnSync("bun", [`${entry}.ts`, ...args], options);
  } else {
    execFileSync("npx", ["tsc", "-p", "tsconfig.json"], {
      cwd: root,
      env,
      stdio: ["ignore", "ignore", "inherit"],
    });
    result = spawnSync(
      process.execPath,
      [join(root, ".build", `${entry}.js`), ...args],
      options,
    );
  }
  process.exit(result.status ?? 1);
}
