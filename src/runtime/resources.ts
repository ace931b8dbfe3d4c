/**
 * A count of the OS-level resources tgcall holds open right now: UDP
 * sockets, live subprocesses and armed scheduler timers.
 *
 * Deno's test sanitizers catch leaks there; Node and Bun have no such thing,
 * so the test harness compares these counters before and after every test
 * on all three runtimes. Long-running bots can log them too.
 *
 * @module
 */

/** Snapshot of open resources. */
export interface OpenResources {
  /** Bound UDP sockets not yet closed. */
  udpSockets: number;
  /** Spawned subprocesses whose exit has not been observed yet. */
  subprocesses: number;
  /** Scheduler timers currently armed (0 or 1 per scheduler). */
  timers: number;
}

const counts: OpenResources = { udpSockets: 0, subprocesses: 0, timers: 0 };

/** Returns a copy of the current resource counts. */
export function openResources(): OpenResources {
  return { ...counts };
}

/** @internal Adjusts one counter; only the runtime adapters call this. */
export function trackResource(kind: keyof OpenResources, delta: 1 | -1): void {
  counts[kind] += delta;
}
