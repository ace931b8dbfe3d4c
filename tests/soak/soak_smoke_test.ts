/**
 * The soak of #13/#14 in miniature for CI (`npm run soak` is the long
 * form): 40 create → stream → end → stop cycles, then 5 calls streaming
 * audio for 8 s. Nothing may be left after close (descriptors, children,
 * scheduler tasks, sockets back to where they were after the cycles' warm
 * start), every event must come exactly once per cause, and the audio RTP
 * timestamps must keep to the receiver's clock within 20 ms.
 */
import assert from "node:assert/strict";
import { runSoak, soakFaults } from "../../soak/run.ts";
import { test } from "../_support/harness.ts";

test(
  "soak smoke: cycles and streaming calls leave nothing behind, events once, no drift",
  async () => {
    const report = await runSoak({
      cycles: 40,
      parallel: 20,
      calls: 5,
      seconds: 8,
      sampleEveryS: 3,
    });
    console.log(
      "soak smoke:",
      JSON.stringify({ ...report, eventFaults: report.eventFaults.length }),
    );
    assert.deepEqual(soakFaults(report), []);
    assert.equal(report.eventTotals.streamEnd, 40, "one end per tone");
    assert.ok(report.drift.packets > 5 * 40, "the calls streamed");
    assert.ok(report.drift.measured > 0, "drift measured");
  },
  { timeout: 120_000 },
);
