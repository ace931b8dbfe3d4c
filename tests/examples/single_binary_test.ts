/**
 * `bun build --compile` turns a bot using tgcall into one executable that
 * still finds ffmpeg, builds a join payload and releases everything.
 * (`deno compile` downloads its runtime from dl.deno.land, which this
 * machine cannot reach, so it is not exercised here.)
 */
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
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
): Promise<{ code: number | null; out: string; err: string }> {
  const child = await spawn(cmd, { args });
  const out = await new Response(child.stdout).text();
  const status = await child.exited;
  return { code: status.code, out, err: child.stderrTail() };
}

test("single binary: bun build --compile of a tgcall bot runs", async () => {
  const tmp = tempDir();
  try {
    const entry = join(root, "examples", `.compile-probe-${process.pid}.ts`);
    writeFileSync(
      entry,
      `import { Client, fromFile } from "../mod.ts";
const client = await Client.create({ networkTypes: ["udp4"] });
const join = JSON.parse(await client.createCall(-100123));
console.log(JSON.stringify({ ufrag: /^[A-Za-z0-9+/]{4}$/.test(join.ufrag), source: fromFile("a.mp3").description }));
await client.close();
`,
    );
    try {
      const build = await run(process.execPath, [
        "build",
        "--compile",
        entry,
        "--outfile",
        tmp.path("bot"),
      ]);
      assert.equal(build.code, 0, build.err);
    } finally {
      rmSync(entry, { force: true });
    }
    const result = await run(tmp.path("bot"), []);
    assert.equal(result.code, 0, result.err);
    assert.deepEqual(JSON.parse(result.out.trim()), {
      ufrag: true,
      source: "file a.mp3",
    });
  } finally {
    tmp.cleanup();
  }
}, { timeout: 60_000, skip: isBun ? false : "bun only" });
