import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { SpawnError } from "../../src/errors.ts";
import { isCleanExit, spawn } from "../../src/runtime/subprocess.ts";
import { test } from "../_support/harness.ts";

/** Whether a pid still exists (zombies included: /proc keeps them). */
function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

async function readAll(
  stream: ReadableStream<Uint8Array>,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    length += chunk.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

async function waitGone(pid: number, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return !alive(pid);
}

test("subprocess: ffmpeg -version streams its stdout and exits 0", async () => {
  const child = await spawn("ffmpeg", { args: ["-version"] });
  const text = new TextDecoder().decode(await readAll(child.stdout));
  assert.match(text, /^ffmpeg version /);
  assert.match(text, /--enable-libopus/);
  assert.match(text, /--enable-libvpx/);
  const status = await child.exited;
  assert.deepEqual(status, { code: 0, signal: null });
  assert.equal(isCleanExit(status, child.killed), true);
  assert.equal(alive(child.pid), false, "the child is reaped, not a zombie");
});

test("subprocess: ffmpeg's Opus-in-OGG arrives as a byte stream, page by page", async () => {
  const child = await spawn("ffmpeg", {
    args: [
      "-nostdin",
      "-hide_banner",
      "-loglevel",
      "error",
      // At the input's own rate, as a live source: ffmpeg writes a page every
      // 20 ms. Faster than real time, a busy reader may find the whole
      // second in the pipe at once (a loaded CI machine read it in few
      // chunks), which says nothing about flushing.
      "-re",
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=440:duration=1",
      "-c:a",
      "libopus",
      "-page_duration",
      "20000",
      "-flush_packets",
      "1",
      "-f",
      "ogg",
      "pipe:1",
    ],
  });
  let chunks = 0;
  let bytes = 0;
  let head: Uint8Array | undefined;
  for await (const chunk of child.stdout) {
    head ??= chunk.slice(0, 4);
    chunks++;
    bytes += chunk.length;
  }
  assert.equal(new TextDecoder().decode(head), "OggS");
  assert.ok(bytes > 1000, `${bytes} bytes`);
  // -page_duration 20000 -flush_packets 1 makes ffmpeg flush every 20 ms
  // page; one second must arrive in many pieces, not one.
  assert.ok(chunks > 10, `${chunks} chunks`);
  assert.equal((await child.exited).code, 0);
});

test("subprocess: stderr lines and tail are captured from a failing ffmpeg", async () => {
  const lines: string[] = [];
  const child = await spawn("ffmpeg", {
    args: ["-nostdin", "-hide_banner", "-i", "/nonexistent/input.mp3"],
    stdout: "null",
    onStderrLine: (line) => lines.push(line),
  });
  const status = await child.exited;
  assert.notEqual(status.code, 0);
  assert.equal(isCleanExit(status, child.killed), false);
  assert.match(child.stderrTail(), /No such file or directory/);
  assert.ok(lines.some((l) => l.includes("/nonexistent/input.mp3")));
  assert.ok(lines.every((l) => !l.includes("\n") && !l.includes("\r")));
});

test("subprocess: the stderr tail is bounded", async () => {
  const child = await spawn("sh", {
    args: [
      "-c",
      "i=0; while [ $i -lt 2000 ]; do echo line-$i >&2; i=$((i+1)); done",
    ],
    stdout: "null",
    stderrTailBytes: 512,
  });
  await child.exited;
  const tail = child.stderrTail();
  assert.ok(tail.length <= 512);
  assert.match(tail, /line-1999\n$/);
});

test("subprocess: a child flooding stderr never stalls (stderr is always drained)", async () => {
  // 1 MB on stderr is far beyond a pipe buffer: an undrained pipe would
  // block the child before it prints "done".
  const child = await spawn("sh", {
    args: ["-c", "head -c 1000000 /dev/zero | tr '\\0' x >&2; echo done"],
  });
  const out = new TextDecoder().decode(await readAll(child.stdout));
  assert.equal(out.trim(), "done");
  assert.equal((await child.exited).code, 0);
});

test("subprocess: stop() ends ffmpeg by SIGTERM, exit 255 counts as clean, no process remains", async () => {
  const child = await spawn("ffmpeg", {
    args: [
      "-nostdin",
      "-hide_banner",
      "-loglevel",
      "error",
      "-re",
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=440",
      "-c:a",
      "libopus",
      "-page_duration",
      "20000",
      "-flush_packets",
      "1",
      "-f",
      "ogg",
      "pipe:1",
    ],
  });
  const reader = child.stdout.getReader();
  const first = await reader.read();
  assert.equal(first.done, false);
  reader.releaseLock();
  const status = await child.stop();
  assert.equal(child.killed, true);
  // ffmpeg catches SIGTERM and exits 255 (or dies of the signal, or of
  // SIGPIPE when stdout closed first); all are a clean stop we asked for.
  assert.ok(
    status.code === 255 || status.signal !== null,
    `status ${JSON.stringify(status)}`,
  );
  assert.equal(isCleanExit(status, true), status.signal !== "SIGPIPE");
  assert.equal(await waitGone(child.pid), true);
});

test("subprocess: kill reaches the whole process group, grandchildren included", async () => {
  const child = await spawn("sh", {
    args: ["-c", "sleep 300 & echo $!; wait"],
  });
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  const grandchild = Number(text.trim());
  assert.ok(grandchild > 0 && alive(grandchild));
  child.kill("SIGTERM");
  await reader.cancel();
  const status = await child.exited;
  assert.equal(status.signal, "SIGTERM");
  assert.equal(
    await waitGone(grandchild),
    true,
    "grandchild survived the kill",
  );
});

test("subprocess: stop() escalates to SIGKILL when SIGTERM is ignored", async () => {
  const child = await spawn("sh", {
    args: ["-c", "trap '' TERM; echo ready; sleep 30"],
  });
  const reader = child.stdout.getReader();
  await reader.read();
  reader.releaseLock();
  const started = Date.now();
  const status = await child.stop(200);
  assert.equal(status.signal, "SIGKILL");
  assert.ok(Date.now() - started < 5000);
  assert.equal(await waitGone(child.pid), true);
});

test("subprocess: a missing binary is a SpawnError naming it", async () => {
  await assert.rejects(
    spawn("tgcall-no-such-binary-x", { args: ["-version"] }),
    (error: unknown) =>
      error instanceof SpawnError &&
      error.command === "tgcall-no-such-binary-x" &&
      /tgcall-no-such-binary-x/.test(error.message),
  );
});

test("subprocess: arguments reach the child verbatim, never through a shell", async () => {
  const hostile = ["$(rm -rf ~)", "`id`", "a;b", "x|y", "*", "'q'", '"dq"', ""];
  const child = await spawn("printf", { args: ["%s\\n", ...hostile] });
  const out = new TextDecoder().decode(await readAll(child.stdout));
  assert.deepEqual(out.split("\n").slice(0, hostile.length), hostile);
  await child.exited;
});

test("subprocess: kill after exit is a harmless no-op", async () => {
  const child = await spawn("true", { stdout: "null" });
  await child.exited;
  child.kill("SIGKILL");
  assert.equal(child.killed, false);
  assert.deepEqual(await child.stop(), { code: 0, signal: null });
});
