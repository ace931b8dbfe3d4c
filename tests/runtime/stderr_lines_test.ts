/**
 * Issue #13: a child that prints megabytes without a line break costs
 * bounded memory. Lines are capped at 8 KiB (head kept, the rest counted
 * in a marker), each line is still delivered once, and the next line
 * arrives intact: first on the splitter alone, then through `spawn` with a
 * real child writing 20 MB of stderr in one line.
 */
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { spawn } from "../../src/runtime/subprocess.ts";
import {
  STDERR_LINE_BYTES,
  StderrLineSplitter,
} from "../../src/runtime/stderr_lines.ts";
import { heapUsedAfterGc } from "../_support/gc.ts";
import { test } from "../_support/harness.ts";
import { tempDir } from "../_support/media.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);

function split(chunks: readonly Uint8Array[], maxBytes?: number): string[] {
  const lines: string[] = [];
  const splitter = new StderrLineSplitter((l) => lines.push(l), maxBytes);
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

test("stderr lines: split on \\n and \\r, empty lines skipped, any chunking", () => {
  const text = "a\r\nframe:1 pts:0\rlavfi.x=-3\n\n\nlast";
  const expected = ["a", "frame:1 pts:0", "lavfi.x=-3", "last"];
  assert.deepEqual(split([utf8(text)]), expected);
  const bytes = utf8(text);
  assert.deepEqual(
    split(Array.from(bytes, (b) => Uint8Array.of(b))),
    expected,
    "one byte at a time",
  );
  assert.deepEqual(split([]), []);
});

test("stderr lines: a line over the cap keeps its head and says how much was cut", () => {
  assert.deepEqual(split([utf8("12345678\n")], 8), ["12345678"]);
  assert.deepEqual(split([utf8("123456789\nok")], 8), [
    "12345678…[truncated 1 bytes]",
    "ok",
  ]);
  // Spread over chunks, and without a final break.
  assert.deepEqual(split([utf8("abcdef"), utf8("ghijkl"), utf8("mn")], 8), [
    "abcdefgh…[truncated 6 bytes]",
  ]);
  // A character the cap would split is left out whole (é is 2 bytes, 😀 4).
  assert.deepEqual(split([utf8("abcdefgé\n")], 8), [
    "abcdefg…[truncated 2 bytes]",
  ]);
  assert.deepEqual(split([utf8("abcde😀xyz\n")], 8), [
    "abcde…[truncated 7 bytes]",
  ]);
  assert.deepEqual(split([utf8("abcd😀xyz\n")], 8), [
    "abcd😀…[truncated 3 bytes]",
  ]);
});

test("stderr lines: a throwing callback does not stop the splitting", () => {
  const seen: string[] = [];
  const splitter = new StderrLineSplitter((line) => {
    seen.push(line);
    throw new Error("logger broke");
  });
  splitter.push(utf8("one\ntwo\n"));
  assert.deepEqual(seen, ["one", "two"]);
});

const JUNK_BYTES = 20_000_000;

test("stderr lines: a child printing 20 MB without a break costs bounded memory; the next line is intact", async () => {
  const tmp = tempDir();
  try {
    const written = tmp.path("written");
    const go = tmp.path("go");
    // Writes the junk, says so, then waits for the test before the line
    // that follows, so the heap is measured while the long line is open.
    const script = `head -c ${JUNK_BYTES} /dev/zero | tr '\\0' x >&2
touch '${written}'
while [ ! -e '${go}' ]; do sleep 0.02; done
printf '\\nframe:7 pts:6720 pts_time:0.14\\n' >&2`;
    const lines: string[] = [];
    const baseline = await heapUsedAfterGc();
    const child = await spawn("sh", {
      args: ["-c", script],
      stdout: "null",
      onStderrLine: (line) => lines.push(line),
    });
    try {
      while (!existsSync(written)) {
        await new Promise((r) => setTimeout(r, 20));
      }
      // What is left in the pipe (64 KiB at most) reaches us meanwhile.
      await new Promise((r) => setTimeout(r, 200));
      const growth = await heapUsedAfterGc() - baseline;
      console.log(
        `heap growth with a 20 MB line open: ${(growth / 1024).toFixed(0)} KiB`,
      );
      assert.ok(growth < 4 * 1024 * 1024, `heap grew ${growth} bytes`);
      assert.deepEqual(lines, [], "the open line is not delivered early");
      writeFileSync(go, "");
      assert.deepEqual(await child.exited, { code: 0, signal: null });
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
    assert.equal(lines.length, 2, "the long line is delivered once");
    const marker = `…[truncated ${JUNK_BYTES - STDERR_LINE_BYTES} bytes]`;
    assert.equal(lines[0], "x".repeat(STDERR_LINE_BYTES) + marker);
    assert.equal(lines[1], "frame:7 pts:6720 pts_time:0.14");
    assert.ok(
      child.stderrTail().endsWith("\nframe:7 pts:6720 pts_time:0.14\n"),
    );
    assert.ok(child.stderrTail().length <= 16384);
  } finally {
    tmp.cleanup();
  }
});
