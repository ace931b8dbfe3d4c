/** A child's CPU time from /proc/<pid>/stat: parsed exactly, growing while it works, unknown when gone. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import {
  parseProcStatCpuMs,
  processCpuMs,
} from "../../src/runtime/process_cpu.ts";
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
