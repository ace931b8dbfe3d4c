/** The event dispatcher: order, isolation of throwing callbacks, drop-oldest when full, re-entrancy. */
import assert from "node:assert/strict";
import { Dispatcher } from "../../src/client/dispatcher.ts";
import { test } from "../_support/harness.ts";

function logger() {
  const warns: string[] = [], errors: unknown[][] = [];
  return {
    warns,
    errors,
    log: {
      warn: (m: unknown) => void warns.push(String(m)),
      error: (...a: unknown[]) => void errors.push(a),
    },
  };
}

test("dispatcher: events run in order, one at a time, after the code that raised them", async () => {
  const l = logger();
  const d = new Dispatcher(16, l.log);
  const seen: string[] = [];
  d.push("a", async () => {
    seen.push("a:start");
    await new Promise((r) => setTimeout(r, 20));
    seen.push("a:end");
  });
  d.push("b", () => void seen.push("b"));
  seen.push("sync");
  await d.idle();
  assert.deepEqual(seen, ["sync", "a:start", "a:end", "b"]);
});

test("dispatcher: a throwing or rejecting callback is logged and the queue carries on", async () => {
  const l = logger();
  const d = new Dispatcher(16, l.log);
  const seen: number[] = [];
  d.push("throws", () => {
    throw new Error("boom");
  });
  d.push("rejects", () => Promise.reject(new Error("later boom")));
  d.push("ok", () => void seen.push(1));
  await d.idle();
  assert.deepEqual(seen, [1]);
  assert.equal(l.errors.length, 2);
  assert.match(String(l.errors[0][0]), /throws/);
});

test("dispatcher: when full, the oldest queued event is dropped with a warning", async () => {
  const l = logger();
  const d = new Dispatcher(3, l.log);
  const seen: number[] = [];
  let release!: () => void;
  d.push("blocker", () => new Promise<void>((r) => release = r));
  await new Promise((r) => setTimeout(r, 0)); // the blocker is running now
  for (let i = 1; i <= 5; i++) d.push(`e${i}`, () => void seen.push(i));
  assert.equal(d.pending, 3);
  assert.equal(d.dropped, 2);
  assert.equal(l.warns.length, 2);
  assert.match(l.warns[0], /dropped the oldest event \(e1\)/);
  release();
  await d.idle();
  assert.deepEqual(seen, [3, 4, 5]);
});

test("dispatcher: a callback may queue more events; they run after it", async () => {
  const l = logger();
  const d = new Dispatcher(8, l.log);
  const seen: string[] = [];
  d.push("outer", () => {
    d.push("inner", () => void seen.push("inner"));
    seen.push("outer");
  });
  d.push("next", () => void seen.push("next"));
  await d.idle();
  assert.deepEqual(seen, ["outer", "next", "inner"]);
});
