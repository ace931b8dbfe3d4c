/**
 * Allocation per operation, estimated from the JavaScript heap's growth —
 * the same way on Deno and Node (V8) and Bun (JavaScriptCore), none of
 * which exposes a per-allocation counter without flags.
 *
 * How the estimate is derived:
 * 1. The work runs in intervals of `interval` operations; before and after
 *    each, `process.memoryUsage().heapUsed` is read (V8: used heap bytes,
 *    new space included; JSC: heap size, which advances a block at a
 *    time, hence intervals thousands of operations long).
 * 2. Between two collections the heap only grows, by exactly what was
 *    allocated. An interval whose reading dropped had a collection in it;
 *    it is discarded (and counted: `heapDrops`, about the number of
 *    collections that interval sampling sees). The median growth of the
 *    remaining intervals, divided by `interval`, is bytes per operation.
 * 3. The same loop with an empty operation gives the harness's own share
 *    (the readings and the loop's yields to I/O), which is subtracted.
 * 4. Allocations per operation = bytes per operation ÷ the bytes of one
 *    `Uint8Array.subarray()` view — the typical per-packet allocation on
 *    a send path — measured by the same method in the same process, since
 *    object sizes differ by runtime (V8 pointer compression, JSC cells).
 *
 * So `allocs/pkt` reads "typed-array-view equivalents per packet"; 0 means
 * the heap did not grow measurably over the run.
 *
 * @module
 */

import process from "node:process";
import { median } from "./harness.ts";

/** One probe's findings. */
export interface AllocEstimate {
  /** Heap bytes allocated per operation (harness share subtracted). */
  bytesPerOp: number;
  /** Intervals whose heap reading dropped (a collection inside). */
  heapDrops: number;
  /** Intervals used for the median. */
  intervals: number;
}

/** Runs `count` operations (yielding to I/O as it sees fit). */
type Loop = (count: number) => Promise<void>;

async function growthPerOp(
  loop: Loop,
  interval: number,
  intervals: number,
): Promise<AllocEstimate> {
  const growth: number[] = [];
  let drops = 0;
  await loop(interval); // settle
  for (let i = 0; i < intervals; i++) {
    const before = process.memoryUsage().heapUsed;
    await loop(interval);
    const delta = process.memoryUsage().heapUsed - before;
    if (delta < 0) drops++;
    else growth.push(delta / interval);
  }
  return {
    bytesPerOp: growth.length > 0 ? median(growth) : NaN,
    heapDrops: drops,
    intervals: growth.length,
  };
}

/**
 * Estimates bytes allocated per operation of `loop` (which runs a given
 * number of operations), net of `emptyLoop` (the same loop doing nothing).
 */
export async function allocationPerOp(
  loop: Loop,
  emptyLoop: Loop,
  interval: number,
  intervals: number,
): Promise<AllocEstimate & { harnessBytesPerOp: number }> {
  const empty = await growthPerOp(emptyLoop, interval, intervals);
  const work = await growthPerOp(loop, interval, intervals);
  return {
    ...work,
    bytesPerOp: Math.max(0, work.bytesPerOp - (empty.bytesPerOp || 0)),
    harnessBytesPerOp: empty.bytesPerOp,
  };
}

const ring: Uint8Array[] = new Array(1024);

/** Bytes one `subarray` view costs here (kept alive briefly so it is real). */
export async function subarrayBytes(): Promise<number> {
  const buf = new Uint8Array(64);
  let k = 0;
  const est = await growthPerOp(
    (count) => {
      for (let i = 0; i < count; i++) ring[k++ & 1023] = buf.subarray(0, 8);
      return Promise.resolve();
    },
    20_000,
    9,
  );
  return est.bytesPerOp;
}
