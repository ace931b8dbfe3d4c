/**
 * The steady-state allocation measurement of issue #14, shared by
 * `tests/media/steady_state_allocations_test.ts` (AES-GCM, and the real
 * socket) and `tests/media/steady_state_allocations_cm_test.ts`
 * (AES-CM/HMAC-SHA1). Each profile is measured in a process of its own.
 * Measured after AES-GCM in one process, AES-CM on Node read 1,321 and
 * 1,331 B/packet in two CI runs of five, in all three tries of each, while
 * AES-GCM, always measured first, never read more than 16.26; neither
 * figure was reproduced outside CI (14 runs here, some under load). The
 * likely cause: functions both profiles run (`ctrXorInPlace`,
 * `protectRtp`, `sendAudio`, `bytesPerPacket` below) are deoptimized
 * when the second profile's objects reach them (`--trace-deopt`: wrong
 * map, wrong call target), and the code V8 builds next can keep boxing.
 * A process's calls all negotiate the profile Telegram's SFU picks, so one
 * profile per process is the steady state that matters.
 *
 * How allocation is measured: the heap in use is read around windows of
 * 1,000 packets sent synchronously, and the median growth per packet is
 * taken. A window that allocates nothing grows by nothing; one with a
 * 16-byte object per packet grows by 16 bytes per packet, except the rare
 * window in which a young-generation collection runs (the median ignores
 * it). No forced GC is needed, so it runs under scripts/test.mjs as is.
 * `TGCALL_ALLOC_PACKETS` scales the run (default 40,000 packets).
 *
 * @module
 */
import assert from "node:assert/strict";
import process from "node:process";
import { MediaSender } from "../../src/media/media_sender.ts";
import { OggOpusReader, type OpusFrame } from "../../src/media/ogg_reader.ts";
import type { SrtpProfileName } from "../../src/srtp/profile.ts";
import { test } from "./harness.ts";
import {
  countingPort,
  oggPages,
  oggPageStep,
  srtpSink,
} from "./ogg_send_path.ts";

/** Packets per measurement. */
export const PACKETS = Number(process.env.TGCALL_ALLOC_PACKETS ?? 40_000);
const WINDOW = 1000;
/**
 * JSC (Bun) reports the heap in use only as of its last collection, so
 * garbage is invisible to this method there: Bun runs the path and checks
 * what it sent, and the bounds hold on Deno and Node.
 */
export const measured = !("Bun" in globalThis);
/**
 * The reader's three objects per packet — the packet's view into the page
 * (not a copy), its frame, the array `push` returns — in bytes: V8 with
 * pointer compression (Deno) measures ~355, without it (Node) ~ twice.
 */
const READER_BOUND = "Deno" in globalThis ? 420 : 800;
/**
 * The send path's bound: nothing on Deno. On Node 20 `performance.now()`
 * returns a boxed 16-byte double from C++, and a packet reads the clock
 * once (abs-send-time and the transport-cc send time share the reading):
 * 16 bytes measured. The bound leaves room for one more boxed double; a
 * two-field object (40 bytes) or a packet view (96 bytes) fails it.
 */
const SEND_BOUND = "Deno" in globalThis ? 4 : 40;

/** V8's heap in use, bytes (JSC's: as of its last collection). */
export function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

/** Median heap growth per packet over windows of `WINDOW` calls of `step`. */
export function bytesPerPacket(
  step: (i: number) => void,
  packets: number,
): number {
  const growth: number[] = [];
  let i = 0;
  // Warm up: optimized code (compiled concurrently: give it time on a
  // loaded machine), the stream states of every SSRC.
  for (let k = 0; k < 20 * WINDOW; k++) step(i++);
  for (let w = 0; w < packets / WINDOW; w++) {
    const before = heapUsed();
    for (let k = 0; k < WINDOW; k++) step(i++);
    growth.push((heapUsed() - before) / WINDOW);
  }
  growth.sort((a, b) => a - b);
  return growth[growth.length >> 1];
}

/**
 * The lowest of up to three medians, stopping at the first under `bound`.
 * V8 compiles optimized code on a background thread, and on a loaded
 * machine a whole measurement can run before it lands. (The repeats did
 * not help the AES-CM readings above, all three tries stayed at ~1,321:
 * that is why the profiles now run apart.) Code that allocates per packet
 * in steady state is over the bound every time.
 */
export function settled(measure: () => number, bound: number): number {
  let best = measure();
  for (let tries = 1; measured && tries < 3 && best >= bound; tries++) {
    best = Math.min(best, measure());
  }
  return best;
}

/**
 * Registers the steady-state test of one SRTP profile: the send path alone
 * (a frame in hand → SRTP → the port), then the whole path from Ogg pages.
 */
export function steadyStateTest(profile: SrtpProfileName): void {
  test(`steady state (${profile}): frames reach the port without allocating; the Ogg reader adds three objects`, () => {
    const port = countingPort();
    const sink = srtpSink(profile, port, 9);
    const sender = new MediaSender({ sink, audioSsrc: 0x91234567 });
    const pages = oggPages(WINDOW);
    const frames: OpusFrame[] = [];
    try {
      const reader = new OggOpusReader();
      for (const page of pages) frames.push(...reader.push(page));
      const n = frames.length;
      // One continuous stream, as in steady state: each lap over the frames
      // continues the source clock (a clock going back would start a new
      // timing run, which is rare in life and may allocate: see
      // MediaSender's run gap).
      const span = frames[n - 1].timestamp + frames[n - 1].duration -
        frames[0].timestamp;
      // The send path alone: a frame in hand → SRTP → the port.
      // The packet count runs on across tries, so the clock never goes back.
      let k = 0;
      const send = settled(() =>
        bytesPerPacket(() => {
          const f = frames[k % n];
          const at = f.timestamp + Math.floor(k / n) * span;
          sender.sendAudio(f.data, at, f.duration, k * 20, -30, true);
          k++;
        }, PACKETS), SEND_BOUND);
      // The whole path, Ogg page in.
      const step = oggPageStep(pages, sender);
      const whole = settled(
        () => bytesPerPacket(step, PACKETS),
        READER_BOUND,
      );
      console.log(
        `${profile}: send path ${
          send.toFixed(2)
        } B/packet, with the Ogg reader ${
          whole.toFixed(2)
        } B/packet over ${PACKETS} packets`,
      );
      assert.ok(port.bytes > 0 && sink.counters.sent >= 2 * PACKETS);
      if (!measured) return;
      assert.ok(send < SEND_BOUND, `send path allocates ${send} B/packet`);
      assert.ok(
        whole < READER_BOUND,
        `Ogg reader + send allocate ${whole} B/packet`,
      );
    } finally {
      sender.close();
    }
  });
}
