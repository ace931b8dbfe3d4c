/**
 * 1,000 createCall → connect → stream → stop cycles in one process, against
 * libdatachannel: no socket, timer or ffmpeg left behind; every transport and
 * ffmpeg leg we created is garbage-collected (counted with a
 * FinalizationRegistry); and the heap after the last cycle is within 10 % of
 * the heap after a 300-cycle warm-up (JIT, pools and runtime caches settle
 * there: on Node the heap still rises ~5 % between cycle 100 and 300 with
 * none of our objects alive).
 */
import assert from "node:assert/strict";
import process from "node:process";
import { Client, fromShell } from "../../mod.ts";
import { openResources } from "../../src/runtime/resources.ts";
import { LibdatachannelPeer } from "../../src/testing/libdatachannel_peer.ts";
import { PeerTransport } from "../../src/transport/peer_transport.ts";
import { FfmpegLeg } from "../../src/source/ffmpeg_leg.ts";
import { sharedScheduler } from "../../src/runtime/scheduler.ts";
import { heapUsedAfterGc } from "../_support/gc.ts";
import { test } from "../_support/harness.ts";

const CYCLES = Number(process.env.TGCALL_CYCLES ?? 1000);
const PARALLEL = 20;
const WARMUP = 300;

/** Counts live instances of our own per-call objects. */
function countInstances() {
  const counts = { created: 0, alive: 0 };
  const registry = new FinalizationRegistry(() => void counts.alive--);
  const track = <T extends object>(o: T): T => {
    counts.created++;
    counts.alive++;
    registry.register(o, 0);
    return o;
  };
  const open = PeerTransport.open, start = FfmpegLeg.start;
  const patched = PeerTransport as unknown as { open: unknown };
  const patchedLeg = FfmpegLeg as unknown as { start: unknown };
  patched.open = async (o: never) => track(await open.call(PeerTransport, o));
  patchedLeg.start = async (o: never) => track(await start.call(FfmpegLeg, o));
  return {
    counts,
    restore() {
      patched.open = open;
      patchedLeg.start = start;
    },
  };
}

test(
  "client: 1,000 call cycles leave no handles or children and a flat heap",
  async () => {
    const before = openResources();
    const instances = countInstances();
    const startHeap = await heapUsedAfterGc();
    const client = await Client.create({
      networkTypes: ["udp4"],
      bindAddress: { udp4: "127.0.0.1" },
      // This test is about leaks and heap, not connect latency: one of the
      // 1,000 loopback connects once took over 10 s in a fresh-clone run
      // (cause not found yet; noted for the scale issue), which is not
      // what a leak test should fail on.
      connectTimeoutMs: 30_000,
    });
    const source = fromShell(
      'ffmpeg -f lavfi -i "sine=frequency=440:duration=0.3"',
    );
    let ended = 0;
    client.onStreamEnd(() => void ended++);
    const cycle = async (chat: number) => {
      const peer = await LibdatachannelPeer.answer(
        await client.createCall(chat, { video: false }),
      );
      try {
        await client.connect(chat, peer.answerJson);
        await client.setStreamSources(chat, source);
        await peer.waitForPackets("audio", 3, 5000);
        await client.stop(chat);
      } finally {
        await peer.close();
      }
    };
    let warmHeap = 0;
    const started = performance.now();
    let peak = 0;
    for (let done = 0; done < CYCLES; done += PARALLEL) {
      await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) => cycle(done + i)),
      );
      peak = Math.max(peak, openResources().subprocesses);
      if (done + PARALLEL === WARMUP) warmHeap = await heapUsedAfterGc();
    }
    const elapsed = performance.now() - started;
    await client.idle();
    const endHeap = await heapUsedAfterGc();
    instances.restore();
    // Finalizers run after a GC, asynchronously; give them a few turns.
    for (let i = 0; i < 20 && instances.counts.alive > 0; i++) {
      await heapUsedAfterGc();
    }
    const after = openResources();
    await client.close();
    const closed = openResources();
    const mb = (n: number) => (n / 1048576).toFixed(1);
    console.log(
      `cycles: ${CYCLES} in ${(elapsed / 1000).toFixed(1)} s; heap at start ${
        mb(startHeap)
      } MB, after ${WARMUP}: ${mb(warmHeap)} MB, after ${CYCLES}: ${
        mb(endHeap)
      } MB (${
        ((endHeap / warmHeap - 1) * 100).toFixed(1)
      } %); resources before ${JSON.stringify(before)}, after ${
        JSON.stringify(after)
      }, peak children ${peak}; transports + ffmpeg legs created ${instances.counts.created}, still alive ${instances.counts.alive}; scheduler tasks pending ${sharedScheduler().pending}`,
    );
    assert.deepEqual(closed, before);
    assert.equal(after.subprocesses, before.subprocesses, "no ffmpeg left");
    assert.equal(after.udpSockets, before.udpSockets, "no socket left");
    assert.ok(
      endHeap <= warmHeap * 1.1,
      `heap grew ${mb(warmHeap)} → ${mb(endHeap)} MB`,
    );
    assert.equal(
      instances.counts.created,
      2 * CYCLES,
      "transport + leg per cycle",
    );
    assert.ok(
      instances.counts.alive <= PARALLEL,
      `${instances.counts.alive} transports/legs never collected`,
    );
    assert.equal(sharedScheduler().pending, 0, "no scheduler task left armed");
  },
  { timeout: 600_000 },
);
