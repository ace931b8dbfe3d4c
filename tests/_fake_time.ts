/** A scheduler on a manual clock: time moves only when the test says so. */
import { Scheduler, type TimerHost } from "../src/runtime/scheduler.ts";

/** Returns a scheduler plus `advance(ms)`. */
export function fakeScheduler(): {
  scheduler: Scheduler;
  advance(ms: number): void;
  now(): number;
} {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const host: TimerHost = {
    setTimeout(fn, delay) {
      const id = nextId++;
      timers.set(id, { at: now + delay, fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
  };
  const scheduler = new Scheduler({
    clock: { now: () => now },
    timers: host,
    earlyMs: 0,
  });
  return {
    scheduler,
    now: () => now,
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        let due: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) {
            due = entry;
          }
        }
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
      }
      now = end;
    },
  };
}
