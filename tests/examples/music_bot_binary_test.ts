/**
 * The offline music bot as one executable: `examples/music-bot/compile.ts`
 * (`Bun.build` with `compile`, node-datachannel's native addon embedded —
 * see that file for why plain `bun build --compile` cannot embed it) builds
 * `offline.ts`, and the binary, run from a directory without node_modules,
 * passes its own scripted conversation against the local group-call server.
 * (`deno compile` downloads its runtime from dl.deno.land, which this
 * machine cannot reach, so it is not exercised here.)
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { spawn } from "../../src/runtime/subprocess.ts";
import { test } from "../_support/harness.ts";
import { tempDir } from "../_support/media.ts";

const isBun = "Bun" in globalThis;
const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

async function run(
  cmd: string,
  args: string[],
  cwd?: string,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = await spawn(cmd, { args, cwd });
  const out = await new Response(child.stdout).text();
  const status = await child.exited;
  return { code: status.code, out, err: child.stderrTail() };
}

test(
  "music bot binary: compile.ts embeds the libdatachannel addon and the binary passes MUSIC-BOT",
  async () => {
    const tmp = tempDir();
    try {
      const binary = tmp.path("music-bot-offline");
      const build = await run(process.execPath, [
        join(root, "examples/music-bot/compile.ts"),
        "--outfile",
        binary,
      ]);
      assert.equal(build.code, 0, build.err);
      assert.match(build.out, /embedded .*node_datachannel\.node/);
      const result = await run(binary, [], tmp.dir);
      assert.equal(result.code, 0, `${result.out}\n${result.err}`);
      assert.match(
        result.out,
        /^MUSIC-BOT: PASS \d+ audio packets from source \d+; heard 440 Hz .*, 550 Hz .*, 660 Hz .*, 880 Hz .*leaveGroupCall for \d+ and \d+$/m,
      );
    } finally {
      tmp.cleanup();
    }
  },
  { timeout: 120_000, skip: isBun ? false : "bun only (bun build --compile)" },
);
