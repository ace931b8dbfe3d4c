// Shared set-up for the README commands: dependencies (npm ci brings Deno
// and Bun as devDependencies) and, where asked, ffmpeg from Debian.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, lstatSync, statSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** `env` with node_modules/.bin first on PATH, so `deno` and `bun` resolve. */
export function withBin(env) {
  return {
    ...env,
    PATH: `${join(root, "node_modules", ".bin")}${delimiter}${env.PATH ?? ""}`,
  };
}

function has(cmd, env = process.env) {
  return spawnSync(cmd, ["--version"], { env, stdio: "ignore" }).status === 0 ||
    spawnSync(cmd, ["-version"], { env, stdio: "ignore" }).status === 0;
}

function sh(cmd, args) {
  console.log(`+ ${cmd} ${args.join(" ")}`);
  execFileSync(cmd, args, { cwd: root, stdio: "inherit" });
}

/** Installs what is missing; throws with a clear message when it cannot. */
export function ensureSetup({ ffmpeg = false } = {}) {
  const marker = join(root, "node_modules", ".package-lock.json");
  const lock = join(root, "package-lock.json");
  // A symlinked node_modules is another checkout's install (git worktrees
  // share one): `npm ci` here would empty it under every other checkout, so
  // only a missing install counts as stale.
  const shared = existsSync(join(root, "node_modules")) &&
    lstatSync(join(root, "node_modules")).isSymbolicLink();
  const stale = !existsSync(marker) ||
    (!shared && existsSync(lock) &&
      statSync(lock).mtimeMs > statSync(marker).mtimeMs);
  if (
    stale || !has("deno", withBin(process.env)) ||
    !has("bun", withBin(process.env))
  ) {
    sh(
      "npm",
      existsSync(lock)
        ? ["ci", "--no-audit", "--no-fund"]
        : ["install", "--no-audit", "--no-fund"],
    );
  }
  if (ffmpeg && !has("ffmpeg")) {
    const isRoot = typeof process.getuid === "function" &&
      process.getuid() === 0;
    if (isRoot && has("apt-get")) {
      sh("apt-get", ["update", "-qq"]);
      execFileSync("apt-get", ["install", "-y", "-qq", "ffmpeg"], {
        stdio: "inherit",
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      });
    } else {
      throw new Error(
        "ffmpeg is not installed and cannot be installed here: run `apt-get install ffmpeg` as root",
      );
    }
  }
}
