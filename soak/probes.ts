/**
 * What the soak watches for growth: heap after a full GC, open file
 * descriptors, live ffmpeg children, armed scheduler tasks and tgcall's
 * own socket count — one {@linkcode SoakSample} at a time.
 *
 * @module
 */

import { readdirSync } from "node:fs";
import { openResources } from "../src/runtime/resources.ts";
import { sharedScheduler } from "../src/runtime/scheduler.ts";
import { heapUsedAfterGc } from "../tests/_support/gc.ts";

/** One reading of the process's resources. */
export interface SoakSample {
  /** Seconds since the soak started. */
  atS: number;
  /** What the soak was doing. */
  label: string;
  /** Heap holding data after a full GC, MB. */
  heapMb: number;
  /** Entries of /proc/self/fd (-1 where there is no /proc). */
  fds: number;
  /** ffmpeg children whose exit was not observed yet. */
  children: number;
  /** Tasks armed on the shared scheduler. */
  tasks: number;
  /** UDP sockets tgcall holds. */
  sockets: number;
}

/** Open file descriptors of this process, or -1 without /proc. */
export function openFds(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return -1;
  }
}

/** Reads every probe; `started` is the soak's `performance.now()` origin. */
export async function sample(
  label: string,
  started: number,
): Promise<SoakSample> {
  const heap = await heapUsedAfterGc();
  const resources = openResources();
  return {
    atS: Math.round((performance.now() - started) / 100) / 10,
    label,
    heapMb: Math.round(heap / 104857.6) / 10,
    fds: openFds(),
    children: resources.subprocesses,
    tasks: sharedScheduler().pending,
    sockets: resources.udpSockets,
  };
}
