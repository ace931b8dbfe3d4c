/**
 * Subprocesses on Deno, Bun and Node behind one interface, shaped for
 * ffmpeg: argv only (never a shell), stdout as a byte stream, stderr always
 * drained (Deno stalls a child whose piped stderr is never read) into a
 * line callback and a bounded tail, and each child in its own process group
 * so a kill reaches everything it started.
 *
 * Children outlive their parent in every runtime, so live process groups
 * are also killed when this process exits.
 *
 * @module
 */

import { SpawnError } from "../errors.ts";
import { bunGlobal, denoGlobal } from "./detect.ts";
import { trackResource } from "./resources.ts";
import { StderrLineSplitter } from "./stderr_lines.ts";
import { spawnBun } from "./subprocess_bun.ts";
import { spawnDeno } from "./subprocess_deno.ts";
import { spawnNode } from "./subprocess_node.ts";

export type {
  ExitStatus,
  KillSignal,
  SpawnOptions,
  Subprocess,
} from "./subprocess_types.ts";
import type {
  ChildHandle,
  ChildOptions,
  ExitStatus,
  KillSignal,
  SpawnOptions,
  Subprocess,
} from "./subprocess_types.ts";

const liveGroups = new Set<ChildHandle>();
let exitHookInstalled = false;

function killAllOnExit(): void {
  for (const child of liveGroups) {
    try {
      child.killGroup("SIGKILL");
    } catch { /* already gone */ }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  if (denoGlobal && !bunGlobal) {
    globalThis.addEventListener("unload", killAllOnExit);
    return;
  }
  const proc = (globalThis as unknown as {
    process?: { on(event: string, handler: () => void): void };
  }).process;
  proc?.on("exit", killAllOnExit);
}

/**
 * Spawns `command` with `options.args`, in a new process group.
 *
 * @example
 * ```ts ignore
 * import { spawn } from "./subprocess.ts";
 *
 * const child = await spawn("ffmpeg", { args: ["-version"] });
 * const text = await new Response(child.stdout).text();
 * console.log(text.split("\n")[0], await child.exited);
 * ```
 *
 * @throws {SpawnError} when the binary is missing or cannot be executed.
 */
export async function spawn(
  command: string,
  options: SpawnOptions = {},
): Promise<Subprocess> {
  const childOptions: ChildOptions = {
    args: [...(options.args ?? [])],
    cwd: options.cwd,
    env: options.env,
    stdout: options.stdout ?? "piped",
  };
  let child: ChildHandle;
  try {
    child = bunGlobal
      ? spawnBun(bunGlobal, command, childOptions)
      : denoGlobal
      ? spawnDeno(denoGlobal, command, childOptions)
      : await spawnNode(command, childOptions);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SpawnError(command, `Cannot spawn ${command}: ${reason}`, {
      cause: error,
    });
  }
  installExitHook();
  liveGroups.add(child);
  trackResource("subprocesses", 1);

  const tailLimit = options.stderrTailBytes ?? 16384;
  let tail = "";
  const drained = drainStderr(child.stderr, options.onStderrLine, (text) => {
    tail += text;
    if (tail.length > tailLimit * 2) tail = tail.slice(-tailLimit);
  });
  let exitedFlag = false;
  let killedFlag = false;
  const exited = Promise.all([child.status, drained]).then(([status]) => {
    exitedFlag = true;
    liveGroups.delete(child);
    trackResource("subprocesses", -1);
    return status;
  });
  const stdout = child.stdout
    ? boundedReads(child.stdout)
    : new ReadableStream<Uint8Array>({
      start: (controller) => controller.close(),
    });
  const kill = (signal: KillSignal = "SIGTERM") => {
    if (exitedFlag) return;
    killedFlag = true;
    try {
      child.killGroup(signal);
    } catch { /* exited between the check and the signal */ }
  };
  return {
    pid: child.pid,
    stdout,
    exited,
    get killed() {
      return killedFlag;
    },
    stderrTail: () => tail.length > tailLimit ? tail.slice(-tailLimit) : tail,
    kill,
    async stop(graceMs = 2000) {
      kill("SIGTERM");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const escalate = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          kill("SIGKILL");
          resolve();
        }, graceMs);
      });
      // Keep reading stdout into the void rather than closing it: a child
      // flushing its trailer is never blocked on a full pipe, and ffmpeg
      // never sees EPIPE (which it reports as exit 1 instead of its clean
      // 255). If the caller still holds a reader, it drains the pipe itself.
      const draining = stdout.locked
        ? undefined
        : stdout.pipeTo(new WritableStream()).catch(() => {});
      await Promise.race([exited, escalate]);
      clearTimeout(timer);
      const status = await exited;
      await draining;
      return status;
    },
  };
}

/** The most one read of a child's stdout returns, bytes. */
const STDOUT_READ_BYTES = 16384;

/**
 * Reads a byte stream at most {@linkcode STDOUT_READ_BYTES} at a time, and
 * only when asked. A runtime's own reads take all the pipe holds (64 KiB on
 * Linux, 4 s of 128 kbps Opus); what is not read stays in the pipe, where
 * it stalls the child instead of filling memory. One buffer is reused;
 * each chunk is a copy of what was read. Streams that are not byte streams
 * (Node's, already read on demand) are returned as they are.
 */
function boundedReads(
  stream: ReadableStream<Uint8Array>,
): ReadableStream<Uint8Array> {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = stream.getReader({ mode: "byob" });
  } catch {
    return stream;
  }
  let buffer = new Uint8Array(STDOUT_READ_BYTES);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read(buffer);
      if (done || !value) {
        controller.close();
        return;
      }
      controller.enqueue(value.slice());
      buffer = new Uint8Array(value.buffer);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/**
 * Reads stderr to its end: as text into `onText` (the caller keeps a
 * bounded tail) and, when `onLine` is given, as lines of at most
 * `STDERR_LINE_BYTES` (8 KiB) each, so a child printing megabytes without
 * a break cannot grow memory.
 */
async function drainStderr(
  stderr: ReadableStream<Uint8Array>,
  onLine: ((line: string) => void) | undefined,
  onText: (text: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  const lines = onLine ? new StderrLineSplitter(onLine) : undefined;
  try {
    for await (const chunk of stderr) {
      onText(decoder.decode(chunk, { stream: true }));
      lines?.push(chunk);
    }
  } catch { /* the pipe broke because the child died: nothing more to read */ }
  onText(decoder.decode());
  lines?.end();
}

/**
 * Whether an exit status means the child stopped cleanly: exit code 0, or —
 * only when we asked it to stop — exit code 255 (ffmpeg's answer to SIGTERM)
 * or death by SIGTERM/SIGKILL/SIGINT.
 */
export function isCleanExit(status: ExitStatus, killedByUs: boolean): boolean {
  if (status.code === 0) return true;
  if (!killedByUs) return false;
  return status.code === 255 ||
    status.signal === "SIGTERM" || status.signal === "SIGKILL" ||
    status.signal === "SIGINT";
}
