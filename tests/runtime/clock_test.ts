import assert from "node:assert/strict";
import { monotonicClock, monotonicToUnixMs } from "../../src/runtime/clock.ts";
import { runtimeName, runtimeVersion } from "../../src/runtime/detect.ts";
import { test } from "../_support/harness.ts";

test("clock: readings never decrease and map onto wall time", () => {
  let last = monotonicClock.now();
  for (let i = 0; i < 10000; i++) {
    const now = monotonicClock.now();
    assert.ok(now >= last);
    last = now;
  }
  assert.ok(
    Math.abs(monotonicToUnixMs(monotonicClock.now()) - Date.now()) < 1000,
  );
});

test("detect: the runtime is named with its version", () => {
  assert.match(
    runtimeVersion(),
    new RegExp(`^${runtimeName} \\d+\\.\\d+\\.\\d+`),
  );
});
