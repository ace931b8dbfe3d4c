/**
 * Issue #14, video: a VP8 frame's packets reach the sink (packetizer,
 * header extensions, the paced queue, the RTX history, transport-wide
 * sequence numbers) with one allocation per packet and nothing else: the
 * view of the packet's chunk of the frame, which `Uint8Array.set` needs to
 * copy from an offset (a byte loop instead costs 0.4–1.7 µs per 1,184-byte
 * chunk; `src/runtime/copy_payload.ts`). The RTX history's copy used to
 * allocate a second view per packet; the bound fails two.
 *
 * SRTP is left out: on large payloads each runtime uses the native cipher
 * that measured faster including its output buffer
 * (`src/runtime/native_crypto.ts`), which allocates by design. Measured in a
 * process of its own, like each audio profile (`tests/_support/steady_state.ts`).
 */
import assert from "node:assert/strict";
import { MediaSender } from "../../src/media/media_sender.ts";
import type { RtpSink } from "../../src/media/rtp_sink.ts";
import { test } from "../_support/harness.ts";
import {
  bytesPerPacket,
  measured,
  PACKETS,
  settled,
} from "../_support/steady_state.ts";

/** An inter frame that splits into 10 packets of ~1,150 bytes. */
const FRAME = new Uint8Array(11_500).fill(0x55);
const PACKETS_PER_FRAME = 10;
/**
 * One packet view (V8: ~104 bytes with pointer compression (Deno), ~96
 * without (Node)), Node's boxed clock reading (16), and per-frame objects
 * spread over ten packets; a second view per packet (~200) fails it.
 */
const VIEW_BOUND = 160;

test("steady state (video): each packet costs one payload view, nothing else", () => {
  let bytes = 0, packets = 0;
  const sink: RtpSink = {
    sendRtp: (buf, length) => {
      bytes += length + buf[0];
      packets++;
      return true;
    },
    sendRtcp: () => true,
  };
  const sender = new MediaSender({
    sink,
    audioSsrc: 1,
    video: { ssrc: 2, rtxSsrc: 3 },
  });
  try {
    let ts = 0, due = 0;
    const perPacket = settled(
      () =>
        bytesPerPacket(
          () => sender.sendVideo(FRAME, ts += 3000, due += 1000 / 30, 0),
          PACKETS / PACKETS_PER_FRAME,
        ) / PACKETS_PER_FRAME,
      VIEW_BOUND,
    );
    console.log(`video: ${perPacket.toFixed(2)} B/packet`);
    assert.ok(bytes > 0);
    assert.equal(packets % PACKETS_PER_FRAME, 0);
    assert.ok(packets >= PACKETS, `${packets} packets sent`);
    if (!measured) return;
    assert.ok(perPacket < VIEW_BOUND, `video allocates ${perPacket} B/packet`);
  } finally {
    sender.close();
  }
});
