/**
 * A GroupCall whose SFU goes silent (a relay in between starts dropping
 * everything): consent checks stop being answered, so the
 * call reports disconnected, then failed; a running video counts as stopped
 * (onUpgrade), ffmpeg and sockets are released without waiting for stop, and
 * no stream-end event fires. Short consent timers keep the test fast.
 */
import assert from "node:assert/strict";
import { GroupCall } from "../../src/call/group_call.ts";
import type { MediaState, NetworkInfo } from "../../src/call/types.ts";
import { generateCertificate } from "../../src/dtls/certificate.ts";
import { openResources } from "../../src/runtime/resources.ts";
import {
  parseJoinResponse,
  type RtcJoinResponse,
} from "../../src/signaling/join_response.ts";
import { fromShells } from "../../src/source/shell_source.ts";
import { sourceRecipe } from "../../src/source/sources.ts";
import { LibdatachannelPeer } from "../../src/testing/libdatachannel_peer.ts";
import { test } from "../_support/harness.ts";
import { startLossyRelay } from "../../src/testing/udp_relay.ts";

test(
  "group call: losing the SFU → disconnected, failed, video stopped, resources released",
  async () => {
    const states: NetworkInfo["state"][] = [];
    const upgrades: MediaState[] = [];
    const ends: string[] = [];
    const base = openResources();
    const call = new GroupCall({
      chatId: 1,
      certificate: generateCertificate(),
      video: true,
      ffmpegPath: "ffmpeg",
      ffmpegStderrLog: false,
      connectTimeoutMs: 5000,
      networkTypes: ["udp4"],
      bindAddress: { udp4: "127.0.0.1" },
      verboseConnectionLogs: false,
      logger: { debug: () => {}, warn: () => {} },
      consent: { keepaliveMs: 200, disconnectedMs: 600, failedMs: 1500 },
      onConnection: (info) => void states.push(info.state),
      onStreamEnd: (type) => void ends.push(type),
      onUpgrade: (state) => void upgrades.push(state),
    });
    const peer = await LibdatachannelPeer.answer(call.joinPayload());
    const answer = parseJoinResponse(peer.answerJson) as RtcJoinResponse;
    const target = answer.transport.candidates.find((c) =>
      !c.address.includes(":")
    )!;
    let blackhole = false;
    const relay = await startLossyRelay(target, 0.5, () => blackhole ? 0 : 1);
    const beforeConnect = openResources(); // the relay's own sockets included
    answer.transport.candidates = [{
      ...target,
      address: "127.0.0.1",
      port: relay.port,
    }];
    try {
      await call.connect(answer);
      await call.setSource(sourceRecipe(fromShells(
        'ffmpeg -re -f lavfi -i "sine=duration=30"',
        'ffmpeg -re -f lavfi -i "testsrc2=size=160x120:rate=15:duration=30"',
      )));
      await peer.waitForPackets("video", 5, 5000);
      assert.equal(call.mediaState().videoStopped, false);
      assert.equal(openResources().subprocesses, base.subprocesses + 2);
      blackhole = true; // the SFU vanishes without a word
      const deadline = Date.now() + 8000;
      while (!states.includes("failed") && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(states, [
        "connecting",
        "connected",
        "disconnected",
        "failed",
      ]);
      assert.deepEqual(upgrades, [{
        muted: false,
        paused: false,
        videoStopped: true,
        presentationPaused: false,
      }]);
      assert.ok(call.dead);
      await new Promise((r) => setTimeout(r, 300));
      const now = openResources();
      assert.equal(
        now.subprocesses,
        base.subprocesses,
        "ffmpeg released on failure",
      );
      assert.equal(
        now.udpSockets,
        beforeConnect.udpSockets,
        "socket released on failure",
      );
      assert.deepEqual(ends, [], "a failed connection is not a stream end");
    } finally {
      await call.stop();
      await relay.close();
      await peer.close();
    }
  },
  { timeout: 30_000 },
);
