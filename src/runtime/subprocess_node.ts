/**
 * `node:child_process` backend (Node only; Deno and Bun use their own).
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { Readable } from "node:stream";
import type {
  ChildHandle,
  ChildOptions,
  ExitStatus,
  KillSignal,
} from "./subprocess_types.ts";

/** @internal */
export function spawnNode(
  command: string,
  options: ChildOptions,
): Promise<ChildHandle> {
  const child: ChildProcess = spawn(command, options.args, {
    cwd: options.cwd,
    env: options.env ? { ...process.env, ...options.env } : process.env,
    stdio: ["ignore", options.stdout === "piped" ? "pipe" : "ignore", "pipe"],
    detached: true,
    shell: false,
    windowsHide: true,
  });
  const status = new Promise<ExitStatus>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("spawn", () => {
      child.off("error", reject);
      // Errors after spawn (e.g. a failed kill) surface through exit status.
      child.on("error", () => {});
      const pid = child.pid!;
      resolve({
        pid,
        stdout: child.stdout ? pullStream(child.stdout) : undefined,
        stderr: Readable.toWeb(child.stderr!) as ReadableStream<Uint8Array>,
        status,
        killGroup(signal: KillSignal) {
          process.kill(-pid, signal);
        },
      });
    });
  });
}

/**
 * stdout as a web stream that reads only when its reader asks. Node 20's
 * `Readable.toWeb` queues up to `highWaterMark` *chunks* (16384 of them),
 * so it keeps reading a child that produces faster than it is consumed —
 * measured: 10 s of 128 kbps Opus read ahead. Here the Node stream is
 * paused after every chunk it hands over, so it stops reading at its own
 * 16 KiB high-water mark and the child blocks on a full pipe. Chunks keep
 * the boundaries of the reads that produced them.
 */
function pullStream(readable: Readable): ReadableStream<Uint8Array> {
  const ready: Uint8Array[] = [];
  let done = false;
  let wake: (() => void) | undefined;
  const settle = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  readable.pause();
  readable.on("data", (chunk: Uint8Array) => {
    ready.push(chunk);
    readable.pause();
    settle();
  });
  const finish = () => {
    done = true;
    settle();
  };
  readable.once("end", finish);
  readable.once("close", finish);
  readable.on("error", finish);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (ready.length === 0 && !done) {
        const woken = new Promise<void>((resolve) => wake = resolve);
        readable.resume();
        await woken;
      }
      const chunk = ready.shift();
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
    cancel() {
      readable.destroy();
    },
  }, { highWaterMark: 0 });
}
