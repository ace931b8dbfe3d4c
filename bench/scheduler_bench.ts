/**
 * Shared deadline scheduler versus a `setTimeout` per stream, for many
 * simulated 20 ms audio streams: CPU per frame dispatch and lateness.
 *
 * @module
 */

import process from "node:process";
import { Scheduler } from "../src/runtime/scheduler.ts";
import type { BenchCase, Measurement } from "./harness.ts";

const STREAMS = 1000;
const FRAME_MS = 20;
const DURATION_MS = 1000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function runShared(): Promise<Measurement> {
  const scheduler = new Scheduler();
  const lateness: number[] = [];
  const cpu0 = cpuMicros();
  const start = scheduler.clock.now() + 10;
  await new Promise<void>((resolve) => {
    let live = STREAMS;
    for (let s = 0; s < STREAMS; s++) {
      let due = start + (s % FRAME_MS);
      const end = due + DURATION_MS;
      const task = scheduler.task((now) => {
        lateness.push(now - due);
        due += FRAME_MS;
        if (due < end) task.at(due);
        else if (--live === 0) resolve();
      });
      task.at(due);
    }
  });
  const cpu = cpuMicros() - cpu0;
  lateness.sort((a, b) => a - b);
  return {
    value: cpu / lateness.length,
    notes: {
      p50LateMs: percentile(lateness, 0.5),
      p99LateMs: percentile(lateness, 0.99),
    },
  };
}

async function runTimerPerStream(): Promise<Measurement> {
  const lateness: number[] = [];
  const cpu0 = cpuMicros();
  const start = performance.now() + 10;
  await new Promise<void>((resolve) => {
    let live = STREAMS;
    for (let s = 0; s < STREAMS; s++) {
      let due = start + (s % FRAME_MS);
      const end = due + DURATION_MS;
      const fire = () => {
        const now = performance.now();
        lateness.push(now - due);
        due += FRAME_MS;
        if (due < end) setTimeout(fire, Math.max(0, due - performance.now()));
        else if (--live === 0) resolve();
      };
      setTimeout(fire, Math.max(0, due - performance.now()));
    }
  });
  const cpu = cpuMicros() - cpu0;
  lateness.sort((a, b) => a - b);
  return {
    value: cpu / lateness.length,
    notes: {
      p50LateMs: percentile(lateness, 0.5),
      p99LateMs: percentile(lateness, 0.99),
    },
  };
}

/** Cases in this file. */
export const cases: BenchCase[] = [{
  name: "scheduler-1000x20ms",
  unit: "us-cpu/frame",
  run: runShared,
  baseline: { name: "setTimeout-per-stream", run: runTimerPerStream },
}];
