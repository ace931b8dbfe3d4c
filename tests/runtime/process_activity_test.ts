/**
 * What a child is doing, from /proc: its CPU time parsed exactly, growing
 * while it works, unknown when it is gone; and whether it is blocked
 * writing a stdout or stderr nobody reads.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import {
  blockedWritingStdio,
  isStdioWrite,
  parseProcStatCpuMs,
  processCpuMs,
} from "../../src/runtime/process_activity.ts";
import { test } from "../_support/harness.ts";

const linux = process.platform === "linux";

test("proc stat: utime + stime + cutime + cstime in 1/100 s ticks", () => {
  // Fields 14–17 are 150, 25, 3, 2 ticks.
  const line = "42 (ffmpeg) R 1 42 42 0 -1 4194304 100 0 0 0 150 25 3 2 20 0";
  assert.equal(parseProcStatCpuMs(line), 1800);
});

test("proc stat: a command name with spaces and parentheses does not shift the fields", () => {
  const line = "7 (a) b (c) S 1 7 7 0 -1 0 0 0 0 0 4 6 0 0 20 0 1 0 100\n";
  assert.equal(parseProcStatCpuMs(line), 100);
});

test("proc stat: malformed lines are unknown, not NaN or a throw", () => {
  for (
    const line of [
      "",
      "42 ffmpeg R 1",
      "42 (ffmpeg) R 1 42",
      "42 (ffmpeg) R 1 42 42 0 -1 0 0 0 0 0 x 25 3 2",
      "42 (ffmpeg) R 1 42 42 0 -1 0 0 0 0 0 -5 25 3 2",
      "42 (ffmpeg) R 1 42 42 0 -1 0 0 0 0 0 1e30 25 3 2",
    ]
  ) {
    assert.equal(parseProcStatCpuMs(line), undefined, JSON.stringify(line));
  }
});

test("process cpu: bad pids are unknown", () => {
  for (const pid of [0, -1, 1.5, NaN, 2 ** 60]) {
    assert.equal(processCpuMs(pid), undefined, String(pid));
  }
});

test(
  "process cpu: a spinning child's time grows, a sleeping one's does not, a reaped one's is unknown",
  async () => {
    const spawnBash = (script: string) =>
      spawn("bash", ["-c", script], { stdio: "ignore" });
    const spinner = spawnBash("while :; do :; done");
    const sleeper = spawnBash("sleep 10");
    const exited = (c: ReturnType<typeof spawnBash>) =>
      new Promise((r) => c.once("exit", r));
    try {
      await new Promise((r) => setTimeout(r, 100));
      const spin0 = processCpuMs(spinner.pid!)!;
      const sleep0 = processCpuMs(sleeper.pid!)!;
      assert.equal(typeof spin0, "number");
      await new Promise((r) => setTimeout(r, 600));
      const spun = processCpuMs(spinner.pid!)! - spin0;
      const slept = processCpuMs(sleeper.pid!)! - sleep0;
      console.log(`600 ms: spinning child +${spun} ms CPU, sleeping +${slept}`);
      // At least a tick: how many depends on what else this host runs.
      assert.ok(spun >= 10, `spinner used ${spun} ms`);
      assert.ok(slept <= 10, `sleeper used ${slept} ms`);
    } finally {
      const gone = [exited(spinner), exited(sleeper)];
      spinner.kill("SIGKILL");
      sleeper.kill("SIGKILL");
      await Promise.all(gone);
    }
    assert.equal(processCpuMs(spinner.pid!), undefined);
  },
  { skip: !linux },
);

test("proc syscall: a blocked call on fd 1 or 2 is a stdio write, anything else is not", () => {
  const rest = "0x55f2d3e2fe40 0x129 0x0 0x0 0x0 0x0 0x7ffd5a0 0x7f1c2b3";
  assert.equal(isStdioWrite(`1 0x1 ${rest}`), true);
  assert.equal(isStdioWrite(`1 0x2 ${rest}\n`), true);
  assert.equal(isStdioWrite(`64 0x1 ${rest}`), true); // arm64 write
  assert.equal(isStdioWrite(`0 0x0 ${rest}`), false); // read(stdin)
  assert.equal(isStdioWrite(`1 0x7 ${rest}`), false); // another fd
  assert.equal(isStdioWrite("-1 0x7ffd5a0 0x7f1c2b3"), false); // not in a call
  assert.equal(isStdioWrite("running"), false);
  assert.equal(isStdioWrite(""), false);
});

test(
  "process activity: a child whose stdout or stderr nobody reads is blocked writing it; a sleeping one is not",
  async () => {
    const children = [
      spawn("bash", ["-c", "exec yes"], {
        stdio: ["ignore", "pipe", "ignore"],
      }),
      spawn("bash", ["-c", "exec yes >&2"], {
        stdio: ["ignore", "ignore", "pipe"],
      }),
      spawn("bash", ["-c", "exec sleep 10"], { stdio: "ignore" }),
    ];
    const exited = children.map((c) => new Promise((r) => c.once("exit", r)));
    try {
      // Long enough for the pipes (64 KiB, or a socket pair's buffer) to fill.
      let blocked: boolean[] = [];
      for (let i = 0; i < 50; i++) {
        await new Promise((r) => setTimeout(r, 100));
        blocked = children.map((c) => blockedWritingStdio(c.pid!));
        if (blocked[0] && blocked[1]) break;
      }
      assert.deepEqual(blocked, [true, true, false]);
    } finally {
      for (const c of children) {
        c.kill("SIGKILL");
        c.stdout?.destroy();
        c.stderr?.destroy();
      }
      await Promise.all(exited);
    }
    assert.equal(blockedWritingStdio(children[0].pid!), false, "reaped");
  },
  { skip: !linux },
);
