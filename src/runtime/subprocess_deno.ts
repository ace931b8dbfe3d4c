/**
 * `Deno.Command` backend.
 *
 * @module
 */

import type { DenoGlobal } from "./detect.ts";
import type {
  ChildHandle,
  ChildOptions,
  KillSignal,
} from "./subprocess_types.ts";

/** @internal */
export function spawnDeno(
  deno: DenoGlobal,
  command: string,
  options: ChildOptions,
): ChildHandle {
  const child = new deno.Command(command, {
    args: options.args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: options.stdout,
    stderr: "piped",
    detached: true,
  }).spawn();
  const pid = child.pid;
  return {
    pid,
    stdout: options.stdout === "piped" ? child.stdout : undefined,
    stderr: child.stderr,
    // Deno reports a signalled child as code 128+n *and* the signal; keep
    // Node's convention of exactly one being set.
    status: child.status.then((s) =>
      s.signal
        ? { code: null, signal: s.signal }
        : { code: s.code, signal: null }
    ),
    killGroup(signal: KillSignal) {
      deno.kill(-pid, signal);
    },
  };
}
