/**
 * The soak's drift meter (soak/drift.ts) on synthetic arrivals: a packet
 * delivered late and out of order, or an arrival gap with timestamps going
 * on (a stalled event loop), is neither a jump nor drift; a new timestamp
 * base is a jump, and one flagged with the marker bit says it was a new RTP
 * run; RTP time falling behind the arrivals is drift. Delivery lateness
 * confined to one window moves the arrival drift but not the clock drift.
 */
import assert from "node:assert/strict";
import { DriftMeter } from "../../soak/drift.ts";
import { test } from "../_support/harness.ts";

function rtp(seq: number, ts: number, marker = false): Uint8Array {
  const p = new Uint8Array(20);
  const view = new DataView(p.buffer);
  p[0] = 0x80;
  p[1] = (marker ? 0x80 : 0) | 111;
  view.setUint16(2, seq & 0xffff);
  view.setUint32(4, ts >>> 0);
  return p;
}

/** 60 s of 20 ms packets; `at(i)` is packet i's arrival, `ts(i)` its timestamp. */
function feed(
  meter: DriftMeter,
  at: (i: number) => number,
  ts: (i: number) => number = (i) => 0xffff0000 + i * 960,
  marker: (i: number) => boolean = () => false,
): void {
  meter.from = 0;
  for (let i = 0; i < 3000; i++) {
    meter.add(rtp(65000 + i, ts(i), marker(i)), at(i));
  }
}

test("drift meter: a stall, a late out-of-order packet and wrap-around are not drift", () => {
  const meter = new DriftMeter();
  // A 1.5 s stall at 30 s, then a burst; packet 1000 delivered 2 s late.
  const at = (i: number) =>
    i === 1000
      ? 40_000
      : Math.max(i * 20, i < 1500 ? 0 : Math.min(31_500, i * 20 + 1500));
  meter.from = 0;
  for (let i = 0; i < 3000; i++) {
    if (i === 1000) continue;
    meter.add(rtp(65000 + i, 0xffff0000 + i * 960), at(i));
    if (i === 1999) {
      meter.add(rtp(65000 + 1000, 0xffff0000 + 1000 * 960), at(1000));
    }
  }
  assert.equal(meter.jumps, 0);
  assert.equal(meter.reordered, 1);
  assert.ok(Math.abs(meter.driftMs()) < 1, `drift ${meter.driftMs()}`);
});

test("drift meter: a new timestamp base is a jump, flagged when the marker bit says so; lagging RTP time is drift", () => {
  const jumped = new DriftMeter();
  feed(
    jumped,
    (i) => i * 20,
    (i) => i * 960 + (i >= 1000 ? 48_000 * 60 : 0),
    (i) => i === 1000,
  );
  assert.equal(jumped.jumps, 1);
  assert.equal(jumped.jumpsAtNewRun, 1);
  assert.equal(jumped.jumpLog[0].newRun, true);
  assert.ok(Math.abs(jumped.driftMs()) < 1);

  const lagging = new DriftMeter();
  // 40 ms of RTP time lost at each of three underruns.
  feed(
    lagging,
    (i) => i * 20,
    (i) => (i - 2 * Math.min(3, Math.floor(i / 700))) * 960,
  );
  assert.equal(lagging.jumps, 0);
  assert.ok(
    Math.abs(lagging.driftMs() - 120) < 1,
    `drift ${lagging.driftMs()}`,
  );
});

test("drift meter: packets delivered late through the first window move the arrival drift, not the clock drift", () => {
  const meter = new DriftMeter();
  // A busy host at the start: for 10 s, four packets in five reach the
  // receiver 40 ms late; afterwards every one is on time.
  feed(meter, (i) => i * 20 + (i < 500 && i % 5 !== 0 ? 40 : 0));
  const w = meter.windows()!;
  assert.ok(Math.abs(w.driftMs + 40) < 1, `arrival drift ${w.driftMs}`);
  assert.ok(Math.abs(w.clockDriftMs) < 1, `clock drift ${w.clockDriftMs}`);
  assert.ok(Math.abs(w.headLateMs - 40) < 1, `late ${w.headLateMs}`);
  assert.ok(Math.abs(w.tailLateMs) < 1, `late ${w.tailLateMs}`);
  assert.equal(w.windowS, 10);

  // RTP time lost at underruns shows in both: it is the sender's clock.
  const lagging = new DriftMeter();
  feed(
    lagging,
    (i) => i * 20 + (i % 3 === 0 ? 25 : 0),
    (i) => (i - 2 * Math.min(3, Math.floor(i / 700))) * 960,
  );
  assert.ok(
    Math.abs(lagging.clockDriftMs() - 120) < 1,
    `clock drift ${lagging.clockDriftMs()}`,
  );
});
