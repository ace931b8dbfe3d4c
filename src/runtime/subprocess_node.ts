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
        stdout: child.stdout
          ? Readable.toWeb(child.stdout) as ReadableStream<Uint8Array>
          : undefined,
        stderr: Readable.toWeb(child.stderr!) as ReadableStream<Uint8Array>,
        status,
        killGroup(signal: KillSignal) {
          process.kill(-pid, signal);
        },
      });
    });
  });
}
