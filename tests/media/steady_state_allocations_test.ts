/**
 * Issue #14: audio frames reach the socket without allocating in steady
 * state. Ogg pages → OggOpusReader → MediaSender.sendAudio (extensions,
 * Opus packetizer, transport-wide sequence) → SRTP (AES-GCM and
 * AES-CM/HMAC-SHA1, in place) → the port the socket sits behind; then the
 * same through a UdpMux port and the UDP backend to a real socket.
 *
 * AES-CM/HMAC-SHA1 is measured in a process of its own,
 * `steady_state_allocations_cm_test.ts`; how, and why apart, in
 * `tests/_support/steady_state.ts`.
 *
 * The bounds are per runtime (see SEND_BOUND, READER_BOUND there); the real
 * socket's figure is printed, not bounded: `Deno.DatagramConn.send`
 * returns a promise and `node:dgram` builds a send request per datagram.
 */
import assert from "node:assert/strict";
import { MediaSender } from "../../src/media/media_sender.ts";
import { bindUdp } from "../../src/runtime/udp.ts";
import { UdpMux } from "../../src/transport/udp_mux.ts";
import { test } from "../_support/harness.ts";
import { srtpSink } from "../_support/ogg_send_path.ts";
import {
  heapUsed,
  PACKETS,
  steadyStateTest,
} from "../_support/steady_state.ts";

steadyStateTest("AEAD_AES_128_GCM");

test("steady state: the shared-socket port and the UDP backend, to a real socket", async () => {
  const receiver = await bindUdp({ address: "127.0.0.1", onMessage: () => {} });
  const mux = await UdpMux.open({
    networkTypes: ["udp4"],
    bindAddress: { udp4: "127.0.0.1" },
  });
  const port = mux.attach({
    ufrag: "alloc",
    remotes: [{ address: "127.0.0.1", port: receiver.port }],
    onMessage: () => {},
  })!;
  const sink = srtpSink("AEAD_AES_128_GCM", port, receiver.port);
  const sender = new MediaSender({ sink, audioSsrc: 0x91234567 });
  const frame = new Uint8Array(120).fill(0x5a);
  frame[0] = 0xfc;
  try {
    // Asynchronous backends bound sends in flight (256): send in bursts
    // and let completions run between them, as the 20 ms timers would.
    const burst = 100;
    const growth: number[] = [];
    let ts = 0;
    const packets = Math.min(PACKETS, 20_000);
    for (let b = 0; b < packets / burst; b++) {
      const before = heapUsed();
      for (let k = 0; k < burst; k++) {
        sender.sendAudio(frame, ts += 960, 960, ts / 48, -30, true);
      }
      if (b >= 20) growth.push((heapUsed() - before) / burst);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    growth.sort((a, b) => a - b);
    const perPacket = growth[growth.length >> 1];
    console.log(
      `real socket (${receiver.backend}): ${perPacket.toFixed(1)} B/packet`,
    );
    assert.equal(sink.counters.sendErrors, 0);
    assert.ok(sink.counters.sent > packets / 2);
  } finally {
    sender.close();
    await mux.close();
    await receiver.close();
  }
});
