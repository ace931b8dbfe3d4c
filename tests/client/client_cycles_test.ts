/**
 * 1,000 createCall → connect → stream → stop cycles in one process, against
 * libdatachannel: no socket, timer or ffmpeg left behind, and the heap after
 * the last cycle within 10 % of the heap after the first hundred.
 */
import assert from "node:assert/strict";
import process from "node:process";
import { Client, fromShell } from "../../mod.ts";
import { openResources } from "../../src/runtime/resources.ts";
import { LibdatachannelPeer } from "../../src/testing/libdatachannel_peer.ts";
import { heapUsedAfterGc } from "../_gc.ts";
import { test } from "../_harness.ts";

const CYCLES = Number(process.env.TGCALL_CYCLES ?? 1000);
const PARALLEL = 20;
const WARMUP = 100;

test(
  "client: 1,000 call cycles leave no handles or children and a flat heap",
  async () => {
    const before = openResources();
    const startHeap = await heapUsedAfterGc();
    const client = await Client.create({
      networkTypes: ["udp4"],
      bindAddress: { udp4: "127.0.0.1" },
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
      }, peak children ${peak}`,
    );
    assert.deepEqual(closed, before);
    assert.equal(after.subprocesses, before.subprocesses, "no ffmpeg left");
    assert.equal(after.udpSockets, before.udpSockets, "no socket left");
    assert.ok(
      endHeap <= warmHeap * 1.1,
      `heap grew ${mb(warmHeap)} → ${mb(endHeap)} MB`,
    );
  },
  { timeout: 600_000 },
);
