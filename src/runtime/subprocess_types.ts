/**
 * The subprocess types shared by {@linkcode spawn} and the per-runtime
 * backends (`subprocess_{bun,deno,node}.ts`). A file of their own so the
 * backends need not import the module that loads them.
 *
 * @module
 */

/**
 * Signals tgcall sends to children (`SIGCONT` wakes a stopped one, so it
 * can act on what follows).
 */
export type KillSignal = "SIGTERM" | "SIGKILL" | "SIGINT" | "SIGCONT";

/** How a child ended. Exactly one of `code` and `signal` is non-null. */
export interface ExitStatus {
  /** Exit code when the child exited by itself. */
  code: number | null;
  /** Signal name when the child was killed by a signal. */
  signal: string | null;
}

/** Options for {@linkcode spawn}. */
export interface SpawnOptions {
  /** Arguments, passed as-is (no shell, no globbing). */
  args?: readonly string[];
  /** Working directory. */
  cwd?: string;
  /** Extra environment variables, merged over the parent's. */
  env?: Record<string, string>;
  /** `"piped"` (default) exposes stdout as a stream; `"null"` discards it. */
  stdout?: "piped" | "null";
  /**
   * Receives each stderr line (split on `\n` and `\r`) without the break.
   * A line over 8 KiB keeps its head and ends with `…[truncated N bytes]`
   * (`src/runtime/stderr_lines.ts`), so memory stays bounded.
   */
  onStderrLine?: (line: string) => void;
  /** Bytes of stderr to keep for {@linkcode Subprocess.stderrTail}; default 16 KiB. */
  stderrTailBytes?: number;
}

/** A running child process. */
export interface Subprocess {
  /** OS process id, also the id of its process group. */
  readonly pid: number;
  /** The child's stdout; empty when spawned with `stdout: "null"`. */
  readonly stdout: ReadableStream<Uint8Array>;
  /** Resolves once the child has exited and its stderr is fully drained. */
  readonly exited: Promise<ExitStatus>;
  /** Whether {@linkcode Subprocess.kill} was called before the exit. */
  readonly killed: boolean;
  /** The last bytes of stderr (see `stderrTailBytes`). */
  stderrTail(): string;
  /** Signals the child's whole process group. No-op after exit. */
  kill(signal?: KillSignal): void;
  /**
   * SIGTERM to the group, then SIGKILL after `graceMs` (default 2000) if it
   * is still alive; drains stdout meanwhile; resolves with the exit status.
   */
  stop(graceMs?: number): Promise<ExitStatus>;
}

/** @internal What a runtime backend returns; `spawn` wraps it. */
export interface ChildHandle {
  readonly pid: number;
  readonly stdout: ReadableStream<Uint8Array> | undefined;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly status: Promise<ExitStatus>;
  killGroup(signal: KillSignal): void;
}

/** @internal Backend options, already normalised. */
export interface ChildOptions {
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  stdout: "piped" | "null";
}
