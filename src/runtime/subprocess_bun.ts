/**
 * `Bun.spawn` backend.
 *
 * @module
 */

import process from "node:process";
import type { BunGlobal } from "./detect.ts";
import type {
  ChildHandle,
  ChildOptions,
  KillSignal,
} from "./subprocess_types.ts";

/** @internal */
export function spawnBun(
  bun: BunGlobal,
  command: string,
  options: ChildOptions,
): ChildHandle {
  const child = bun.spawn([command, ...options.args], {
    cwd: options.cwd,
    // Bun replaces the environment wholesale when `env` is given.
    env: options.env
      ? { ...process.env, ...options.env } as Record<string, string>
      : undefined,
    stdin: "ignore",
    stdout: options.stdout === "piped" ? "pipe" : "ignore",
    stderr: "pipe",
    detached: true,
  });
  const pid = child.pid;
  return {
    pid,
    stdout: options.stdout === "piped"
      ? child.stdout as ReadableStream<Uint8Array>
      : undefined,
    stderr: child.stderr as ReadableStream<Uint8Array>,
    status: child.exited.then((code) =>
      child.signalCode
        ? { code: null, signal: child.signalCode }
        : { code, signal: null }
    ),
    killGroup(signal: KillSignal) {
      process.kill(-pid, signal);
    },
  };
}
