/**
 * The README's demo runs on this runtime and passes its own verdict (and
 * fails on a bad input): joined through joinGroupCall to the local
 * group-call server, judged from what that server received, left with a
 * leaveGroupCall naming our source.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { spawn } from "../../src/runtime/subprocess.ts";
import { test } from "../_support/harness.ts";

const here = dirname(fileURLToPath(import.meta.url));

function demoCommand(): { cmd: string; args: string[] } {
  const g = globalThis as Record<string, unknown>;
  if (g.Bun) {
    return {
      cmd: process.execPath,
      args: [join(here, "../../examples/demo.ts")],
    };
  }
  if (g.Deno) {
    const deno = g.Deno as { execPath(): string };
    return {
      cmd: deno.execPath(),
      args: [
        "run",
        "-A",
        "--unstable-net",
        join(here, "../../examples/demo.ts"),
      ],
    };
  }
  // Node runs the tsc output: .build/tests/examples → .build/examples.
  return {
    cmd: process.execPath,
    args: [join(here, "../../examples/demo.js")],
  };
}

async function runDemo(
  extra: string[],
): Promise<{ code: number | null; out: string }> {
  const { cmd, args } = demoCommand();
  const child = await spawn(cmd, { args: [...args, ...extra] });
  const out = await new Response(child.stdout).text();
  const status = await child.exited;
  return { code: status.code, out };
}

test(
  "demo: streams a tone file through a session to the local server and prints VERDICT: PASS",
  async () => {
    const { code, out } = await runDemo(["--duration", "2", "--video"]);
    const verdict = out.split("\n").find((l) => l.startsWith("VERDICT:"));
    assert.ok(verdict, out);
    assert.match(
      verdict,
      /^VERDICT: PASS server received \d+ audio packets \(0 lost\).*tone (?:43[5-9]|44[0-5])\.\d Hz.*\(speaking\).*VP8 frames decoded; joined in \d+ ms through joinGroupCall.*leaveGroupCall sent with source \d+$/,
    );
    assert.equal(code, 0);
    assert.match(
      out,
      /\[connected\] .* packets [1-9]\d* +level -\d+ dBov speaking/,
      "progress line with what the server measured",
    );
    assert.match(out, /session: stopped \(left\)/);
  },
  { timeout: 60_000 },
);

test("demo: a missing input file is VERDICT: FAIL with exit 1", async () => {
  const { code, out } = await runDemo([
    "--duration",
    "1",
    "--quiet",
    "--input",
    "/nonexistent/tgcall.mp3",
  ]);
  assert.match(out, /^VERDICT: FAIL .*No playable audio stream/m);
  assert.equal(code, 1);
}, { timeout: 60_000 });
