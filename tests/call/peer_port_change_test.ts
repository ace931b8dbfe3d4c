/**
 * The SFU vanishes and comes back on another UDP port (issue #13). The
 * relay the call was connected through closes (its port is provably free:
 * a silent socket binds it and counts what still arrives) and a new relay
 * to the same peer opens on a new port. Telegram's SFU is ICE-lite and
 * never checks us, so nothing tells the call about the new port: it keeps
 * asking for consent at the old address, goes disconnected, then failed
 * with `IceFailedError("consent-lost")` (RFC 7675 §5.1), releases
 * everything, and never sends to the new port — following the SFU there
 * takes a new join (the session's rejoin, `session_port_change_test.ts`).
 *
 * Consent timers are scaled down through the call's `consent` option
 * (keepalive 250 ms, disconnected 750 ms, failed 3 s);
 * `TGCALL_DEFAULT_CONSENT=1` runs with the defaults (2.5 s, 5 s, 30 s).
 */
import assert from "node:assert/strict";
import process from "node:process";
import { IceFailedError, NotConnectedError } from "../../src/errors.ts";
import { openResources } from "../../src/runtime/resources.ts";
import { bindUdp } from "../../src/runtime/udp.ts";
import {
  parseJoinResponse,
  type RtcJoinResponse,
} from "../../src/signaling/join_response.ts";
import { startUdpRelay } from "../../src/testing/udp_relay.ts";
import { test } from "../_support/harness.ts";
import {
  audioPackets,
  type ConsentTimers,
  ffmpegChildren,
  relayedCall,
  sleep,
  toneSource,
  until,
} from "../_support/relayed_call.ts";

const DEFAULTS = process.env.TGCALL_DEFAULT_CONSENT === "1";
const CONSENT: Required<ConsentTimers> = DEFAULTS
  ? { keepaliveMs: 2500, disconnectedMs: 5000, failedMs: 30_000 }
  : { keepaliveMs: 250, disconnectedMs: 750, failedMs: 3000 };

test(
  "call: the peer returns on another port → disconnected, failed (consent lost), nothing sent to either port after",
  async () => {
    const base = openResources();
    const rc = await relayedCall(CONSENT);
    const answer = parseJoinResponse(rc.peer.answerJson) as RtcJoinResponse;
    const target = answer.transport.candidates
      .find((c) => !c.address.includes(":"))!;
    const oldPort = rc.relay.port;
    let oldPortHits = 0;
    let sink: Awaited<ReturnType<typeof bindUdp>> | undefined;
    let moved: Awaited<ReturnType<typeof startUdpRelay>> | undefined;
    try {
      await rc.call.setSource(toneSource());
      await rc.peer.waitForPackets("audio", 50, 8000);
      const heard = audioPackets(rc.peer);

      // The SFU vanishes: its port closes. Binding it proves it is free;
      // the socket only counts (a closed port answers nothing either).
      const cutAt = performance.now();
      await rc.relay.close();
      sink = await bindUdp({
        address: "127.0.0.1",
        port: oldPort,
        onMessage: () => void oldPortHits++,
      });
      // It returns on another port, in front of the same peer.
      moved = await startUdpRelay(target);
      assert.notEqual(moved.port, oldPort, "a new port");
      const moving = openResources(); // the call's socket, the sink, the relay

      await until(
        () => rc.states.some((s) => s.state === "failed"),
        CONSENT.failedMs + 5000,
        "failed",
      );
      const [, , down, failed] = rc.states;
      console.log(
        `port ${oldPort} → ${moved.port}: disconnected ${
          (down.at - cutAt).toFixed(0)
        } ms, failed ${(failed.at - cutAt).toFixed(0)} ms after the cut; ` +
          `${oldPortHits} datagrams still sent to the old port`,
      );
      assert.deepEqual(rc.states.map((s) => s.state), [
        "connecting",
        "connected",
        "disconnected",
        "failed",
      ]);
      // Consent was last answered at most one keepalive before the cut.
      const { keepaliveMs, disconnectedMs, failedMs } = CONSENT;
      assert.ok(down.at - cutAt <= disconnectedMs + 500, "disconnected");
      assert.ok(
        failed.at - cutAt >= failedMs - 1.2 * keepaliveMs - 50 &&
          failed.at - cutAt <= failedMs + 1000,
        `failed ${(failed.at - cutAt).toFixed(0)} ms after the cut`,
      );

      // The typed cause: consent lost on the selected pair.
      const failure = rc.call.failure;
      assert.ok(failure instanceof NotConnectedError, String(failure));
      const cause = failure.cause;
      assert.ok(cause instanceof IceFailedError, String(cause));
      assert.equal(cause.reason, "consent-lost");
      assert.ok(rc.call.dead);

      // Until it failed the call kept at the old address, never the new one.
      assert.ok(oldPortHits > 0, "checks still went to the old port");
      assert.equal(moved.counts.up + moved.counts.upDropped, 0);
      assert.equal(moved.counts.down + moved.counts.downDropped, 0);
      assert.equal(audioPackets(rc.peer), heard, "nothing reached the peer");

      // Failed means silent and released: no datagram, ffmpeg or socket.
      await sleep(100);
      const hitsAfterFailed = oldPortHits;
      await sleep(Math.max(1000, 2 * keepaliveMs));
      assert.equal(oldPortHits, hitsAfterFailed, "nothing sent after failed");
      assert.equal(moved.counts.up, 0, "nothing sent to the new port");
      const now = openResources();
      assert.equal(now.subprocesses, base.subprocesses, "ffmpeg released");
      assert.deepEqual(ffmpegChildren(), []);
      assert.ok(
        now.udpSockets < moving.udpSockets,
        `sockets ${moving.udpSockets} → ${now.udpSockets}`,
      );

      // Exactly one failed and one closed, and stop adds only the closed.
      await rc.call.stop();
      const states = rc.states.map((s) => s.state);
      assert.deepEqual(states.filter((s) => s === "failed"), ["failed"]);
      assert.deepEqual(states.slice(4), ["closed"]);
      assert.deepEqual(rc.ends, [], "a failed connection is not a stream end");
    } finally {
      await rc.close();
      await moved?.close();
      await sink?.close();
    }
  },
  { timeout: DEFAULTS ? 60_000 : 20_000 },
);
