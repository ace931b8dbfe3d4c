/**
 * ICE + DTLS under 30 % random loss each way against libdatachannel (the
 * setup of `tests/transport/peer_transport_loss_test.ts`, counted over more
 * runs): the median time to connected, and the share of runs connected
 * within 5 s. A run that does not connect within 31 s (past our own 30 s
 * DTLS deadline) counts as never connecting (`never` in the notes).
 *
 * @module
 */

import process from "node:process";
import { lossyConnect } from "../tests/_support/lossy_connect.ts";
import type { BenchCase, Measurement } from "./harness.ts";

const RUNS = Number(process.env.TGCALL_LOSS_RUNS ?? 40);
const LOSS = 0.3;

/** ms to connected per run; `Infinity` for a run that never connected. */
async function lossyConnects(): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const { connectedMs } = await lossyConnect(LOSS);
    times.push(connectedMs ?? Infinity);
  }
  return times.sort((a, b) => a - b);
}

let shared: Promise<number[]> | undefined;

function summary(times: number[]): Record<string, number> {
  const finite = times.filter(Number.isFinite);
  return {
    runs: times.length,
    never: times.length - finite.length,
    "p90-ms": times[Math.floor(times.length * 0.9)],
    "max-connected-ms": finite[finite.length - 1] ?? NaN,
  };
}

/** Both cases read one series of runs. */
async function measure(
  pick: (times: number[]) => number,
): Promise<Measurement> {
  const times = await (shared ??= lossyConnects());
  return { value: pick(times), notes: summary(times) };
}

/** DTLS-under-loss cases. */
export const cases: BenchCase[] = [{
  name: "dtls-loss-median",
  unit: "ms",
  // A median over its own runs already: one repeat.
  repeats: 1,
  run: () => measure((t) => t[t.length >> 1]),
}, {
  name: "dtls-loss-within-5s",
  unit: "%",
  // A median over its own runs already: one repeat.
  repeats: 1,
  run: () =>
    measure((t) => (100 * t.filter((x) => x <= 5000).length) / t.length),
}];
