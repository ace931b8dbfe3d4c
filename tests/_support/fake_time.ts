/** A manual clock and timer host, and a scheduler on them: time moves only when the test says so. */
import { Scheduler, type TimerHost } from "../../src/runtime/scheduler.ts";

/** A manual clock plus a timer host that fires only inside `advance`. */
export function fakeTimers(): {
  clock: { now(): number };
  timers: TimerHost;
  now(): number;
  armed(): number;
  advance(ms: number): void;
} {
  let now = 0;
  let nextId = 1;
  const pending = new Map<number, { at: number; fn: () => void }>();
  return {
    clock: { now: () => now },
    timers: {
      setTimeout(fn, delay) {
        const id = nextId++;
        pending.set(id, { at: now + delay, fn });
        return id;
      },
      clearTimeout(handle) {
        pending.delete(handle as number);
      },
    },
    now: () => now,
    armed: () => pending.size,
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        let due: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of pending) {
          if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) {
            due = entry;
          }
        }
        if (!due) break;
        pending.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
      }
      now = end;
    },
  };
}

/** A scheduler on {@linkcode fakeTimers}, firing tasks exactly at their deadlines. */
export function fakeScheduler(): {
  scheduler: Scheduler;
  advance(ms: number): void;
  now(): number;
} {
  const time = fakeTimers();
  const scheduler = new Scheduler({
    clock: time.clock,
    timers: time.timers,
    earlyMs: 0,
  });
  return { scheduler, advance: time.advance, now: time.now };
}
