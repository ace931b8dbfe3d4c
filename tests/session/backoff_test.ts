import { strict as assert } from "node:assert";
import { test } from "../_support/harness.ts";
import { InvalidParamsError } from "../../src/errors.ts";
import {
  Backoff,
  backoffDelay,
  resolveBackoffOptions,
} from "../../src/session/backoff.ts";
import {
  classifySelfUpdate,
  RecentSources,
} from "../../src/session/self_update.ts";
import { SessionStateMachine } from "../../src/session/session_state.ts";
import { CancellableSleep } from "../../src/session/cancellable_sleep.ts";
import { fakeScheduler } from "../_support/fake_time.ts";

test("backoff: doubles from the base, capped, jitter only lengthens", () => {
  const options = resolveBackoffOptions();
  const expected = [1000, 2000, 4000, 8000, 16000, 30000, 30000];
  for (const [attempt, raw] of expected.entries()) {
    assert.equal(backoffDelay(attempt, options, 0), raw);
    const jittered = backoffDelay(attempt, options, 0.999);
    assert.ok(jittered >= raw && jittered <= Math.min(30000, raw * 1.2));
  }
  const backoff = new Backoff({ jitter: 0 });
  assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [
    1000,
    2000,
    4000,
  ]);
  backoff.reset();
  assert.equal(backoff.next(), 1000);
});

test("backoff: at most 5 attempts in any minute, whatever the jitter", () => {
  for (const random of [() => 0, () => 0.999, Math.random]) {
    const backoff = new Backoff({}, random);
    let at = 0;
    const attempts: number[] = [];
    while (at < 10 * 60_000) {
      at += backoff.next();
      attempts.push(at);
    }
    for (const start of attempts) {
      const inWindow = attempts.filter((t) => t >= start && t < start + 60_000);
      assert.ok(inWindow.length <= 5, `${inWindow.length} from ${start}`);
    }
  }
});

test("backoff: bad tuning is an InvalidParamsError", () => {
  for (
    const bad of [
      { baseMs: 0 },
      { factor: 0.5 },
      { baseMs: 5000, maxMs: 1000 },
      { jitter: 2 },
    ]
  ) {
    assert.throws(() => resolveBackoffOptions(bad), InvalidParamsError);
  }
});

test("self updates: left, elsewhere, discarded, can speak, stale", () => {
  const ourSources = new RecentSources();
  ourSources.add(9);
  ourSources.add(10);
  const view = { callId: 1n, source: 10, ourSources, joined: true };
  const p = {
    type: "participant",
    callId: 1n,
    self: true,
    canSelfUnmute: false,
    muted: true,
  } as const;
  assert.equal(
    classifySelfUpdate({ ...p, source: 10, left: true }, view),
    "left",
  );
  assert.equal(
    classifySelfUpdate({ ...p, source: 9, left: true }, view),
    "ignore",
  );
  assert.equal(
    classifySelfUpdate({ ...p, source: 9, left: false }, view),
    "ignore",
  );
  assert.equal(
    classifySelfUpdate({ ...p, source: 77, left: false }, view),
    "joined_elsewhere",
  );
  assert.equal(
    classifySelfUpdate({ ...p, source: 77, left: false }, {
      ...view,
      joined: false,
    }),
    "ignore",
  );
  assert.equal(
    classifySelfUpdate({ ...p, source: 77, left: true }, view),
    "ignore",
  );
  assert.equal(
    classifySelfUpdate({ ...p, source: 77, left: false, self: false }, view),
    "ignore",
  );
  assert.equal(
    classifySelfUpdate(
      { ...p, source: 10, left: false, canSelfUnmute: true },
      view,
    ),
    "can_self_unmute",
  );
  assert.equal(
    classifySelfUpdate({ ...p, source: 10, left: true, callId: 2n }, view),
    "ignore",
  );
  assert.equal(
    classifySelfUpdate({ type: "discarded", callId: 1n }, view),
    "discarded",
  );
  // Sources arrive unsigned; a signed one from a sloppy adapter still matches.
  ourSources.add(0xfffffff0);
  assert.equal(
    classifySelfUpdate({ ...p, source: 0xfffffff0 | 0, left: true }, {
      ...view,
      source: 0xfffffff0,
    }),
    "left",
  );
});

test("state machine: table-driven, stopped once, listeners not re-entered", () => {
  const errors: unknown[] = [];
  const machine = new SessionStateMachine((e) => errors.push(e));
  const seen: string[] = [];
  machine.onChange((state, info) => {
    seen.push(`${info.previous}>${state}:${info.reason}`);
    if (state === "rejoining") machine.move("stopped", "left");
  });
  machine.onChange(() => {
    throw new Error("listener bug");
  });
  assert.equal(machine.move("reconnecting", "transport_disconnected"), false);
  assert.ok(machine.move("connected", "joined"));
  assert.ok(machine.move("rejoining", "kicked"));
  assert.equal(machine.move("stopped", "error"), false);
  assert.deepEqual(seen, [
    "joining>connected:joined",
    "connected>rejoining:kicked",
    "rejoining>stopped:left",
  ]);
  assert.equal(errors.length, 3);
});

test("cancellable sleep: wakes on time, or false once cancelled", async () => {
  const time = fakeScheduler();
  const sleep = new CancellableSleep(time.scheduler);
  const first = sleep.sleep(1000);
  time.advance(999);
  let done: boolean | undefined;
  first.then((v) => done = v);
  await Promise.resolve();
  assert.equal(done, undefined);
  time.advance(1);
  assert.equal(await first, true);
  const second = sleep.sleep(1000);
  sleep.cancel();
  assert.equal(await second, false);
  assert.equal(await sleep.sleep(1), false);
  assert.equal(time.scheduler.pending, 0);
});
