/**
 * A GroupCall through network outages with the ICE agent's default consent
 * timers (RFC 7675: disconnected after 5 s without a consent answer, failed
 * after 30 s), the network cut by a relay in front of the SFU (issue #13):
 *
 * - 6 s out: disconnected, then connected again by itself; the source keeps
 *   playing and no stream ends.
 * - 40 s out: failed ~30 s in, and everything is released at once (ffmpeg,
 *   sockets, timers) without waiting for stop; no stream-end event.
 *
 * Covered elsewhere, with short consent timers: the call-level failure with
 * video (`group_call_consent_test.ts`), the SFU coming back on another port
 * (`peer_port_change_test.ts`), and what follows a failure — the session
 * rejoining with new credentials (`tests/session/session_outage_test.ts`),
 * also on the SFU's new port (`tests/session/session_port_change_test.ts`).
 */
import assert from "node:assert/strict";
import { openResources } from "../../src/runtime/resources.ts";
import { test } from "../_support/harness.ts";
import {
  audioPackets,
  ffmpegChildren,
  relayedCall,
  sleep,
  toneSource,
  until,
} from "../_support/relayed_call.ts";

test(
  "call outage: 6 s without network → disconnected, then connected again by itself",
  async () => {
    const rc = await relayedCall();
    try {
      await rc.call.setSource(toneSource());
      await rc.peer.waitForPackets("audio", 50, 8000);
      const cutAt = performance.now();
      rc.relay.blackout = true;
      await sleep(6000);
      rc.relay.blackout = false;
      const restoredAt = performance.now();
      await until(
        () => rc.states.at(-1)?.state === "connected" && rc.states.length > 2,
        5000,
        "connected again",
      );
      const [, , down, up] = rc.states;
      console.log(
        `disconnected ${(down.at - cutAt).toFixed(0)} ms after the cut, ` +
          `connected ${
            (up.at - restoredAt).toFixed(0)
          } ms after the network returned`,
      );
      assert.deepEqual(rc.states.map((s) => s.state), [
        "connecting",
        "connected",
        "disconnected",
        "connected",
      ]);
      assert.ok(down.at - cutAt <= 6000, "disconnected within 6 s");
      const heard = audioPackets(rc.peer);
      await sleep(500);
      assert.ok(audioPackets(rc.peer) >= heard + 15, "audio flows again");
      assert.deepEqual(rc.ends, [], "the source kept playing");
      assert.equal(ffmpegChildren().length, 1);
    } finally {
      await rc.close();
    }
  },
  { timeout: 30_000 },
);

test(
  "call outage: 40 s without network → failed at the consent limit, everything released",
  async () => {
    const base = openResources();
    const rc = await relayedCall();
    try {
      await rc.call.setSource(toneSource());
      await rc.peer.waitForPackets("audio", 50, 8000);
      const withCall = openResources();
      const cutAt = performance.now();
      rc.relay.blackout = true;
      await until(
        () => rc.states.some((s) => s.state === "failed"),
        40_000,
        "failed",
      );
      const failed = rc.states.at(-1)!;
      console.log(`failed ${(failed.at - cutAt).toFixed(0)} ms after the cut`);
      assert.deepEqual(rc.states.map((s) => s.state), [
        "connecting",
        "connected",
        "disconnected",
        "failed",
      ]);
      // Consent was last answered at most one keepalive (≤ 3 s) before the cut.
      assert.ok(failed.at - cutAt >= 27_000 && failed.at - cutAt < 40_000);
      assert.ok(rc.call.dead);
      await sleep(300);
      const now = openResources();
      assert.equal(now.subprocesses, base.subprocesses, "ffmpeg released");
      assert.deepEqual(ffmpegChildren(), []);
      assert.ok(
        now.udpSockets < withCall.udpSockets,
        `sockets ${withCall.udpSockets} → ${now.udpSockets}`,
      );
      rc.relay.blackout = false; // the network returns: a failed call stays so
      await sleep(500);
      assert.equal(rc.states.length, 4);
      assert.deepEqual(rc.ends, [], "a failed connection is not a stream end");
    } finally {
      await rc.close();
    }
  },
  { timeout: 60_000 },
);
