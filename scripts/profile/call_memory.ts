/**
 * Memory per connected idle audio call, split by phase: N real ICE + DTLS +
 * SRTP transports to libdatachannel receivers in child processes (the
 * fixture of `bench/scale_bench.ts`), then a `MediaSender` per call, then
 * (with `--send-seconds`) that long of 20 ms Opus frames. After each phase
 * a full GC, then the JS heap (`heapUsed` minus V8's code spaces) and the
 * ArrayBuffer backing stores (`external` on V8; JavaScriptCore counts them
 * in `heapUsed`), per call.
 *
 * ```
 * deno run -A --unstable-net scripts/profile/call_memory.ts [--calls=100] [--send-seconds=2] [--snapshots=DIR]
 * bun scripts/profile/call_memory.ts --calls=100
 * npx tsc -p tsconfig.json && npx tsc -p scripts/profile && node .build/scripts/profile/call_memory.js
 * ```
 *
 * `--snapshots=DIR` (V8: Deno, Node) writes a heap snapshot after each
 * phase; `heap_owners.ts` attributes the bytes between two of them to the
 * classes that hold them.
 *
 * @module
 */

import process from "node:process";
import { PeerHosts } from "../../bench/peers/peer_hosts.ts";
import { senderOptionsFromAnswer } from "../../src/call/sender_options.ts";
import { MediaSender } from "../../src/media/media_sender.ts";
import { heapUsedAfterGc } from "../../tests/_support/gc.ts";
import {
  type LoopbackCall,
  openLoopbackCall,
} from "../../tests/_support/libdatachannel_call.ts";

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ??
    fallback;
const calls = Number(arg("calls", "100"));
const sendSeconds = Number(arg("send-seconds", "0"));
const snapshots = arg("snapshots", "");
const isBun = "Bun" in globalThis;
const BATCH = 25;
/** A 20 ms Opus frame at ~64 kbit/s, as the scale bench sends. */
const FRAME = Uint8Array.from(
  { length: 160 },
  (_, i) => i ? (i * 37) & 0xff : 0xfc,
);

interface Reading {
  heap: number;
  buffers: number;
}

async function read(phase: string): Promise<Reading> {
  const heap = await heapUsedAfterGc();
  const buffers = isBun ? 0 : process.memoryUsage().external;
  if (snapshots) {
    const v8 = await import("node:v8");
    v8.writeHeapSnapshot(`${snapshots}/${phase}.heapsnapshot`);
  }
  return { heap, buffers };
}

const hosts = PeerHosts.start(Math.ceil(calls / 250));
// Warm up: one call opened and closed, so lazily built shared tables
// (AES, CRC, the scheduler) are not charged to the first phase.
for (const { transport } of await openCalls(1)) await transport.close();
const readings: [string, Reading][] = [["baseline", await read("baseline")]];
const opened = await openCalls(calls);
readings.push(["connected", await read("connected")]);
const senders = opened.map(({ transport, audioSsrc, answer }) =>
  new MediaSender({
    sink: transport,
    audioSsrc,
    ...senderOptionsFromAnswer(answer),
  })
);
readings.push(["sender", await read("sender")]);
if (sendSeconds > 0) {
  let ts = 0;
  const timer = setInterval(() => {
    ts += 960;
    const now = performance.now();
    for (const s of senders) s.sendAudio(FRAME, ts, 960, now, -30, true);
  }, 20);
  await new Promise((r) => setTimeout(r, sendSeconds * 1000));
  clearInterval(timer);
  await new Promise((r) => setTimeout(r, 200));
  readings.push(["sending", await read("sending")]);
}
for (const s of senders) s.close();
await Promise.all(opened.map((c) => c.transport.close()));
await hosts.close();

const kb = (bytes: number) => (bytes / calls / 1024).toFixed(1);
console.log(
  `${calls} calls on ${
    isBun ? "Bun" : "Deno" in globalThis ? "Deno" : "Node"
  }; KB per call, cumulative since baseline${
    isBun ? " (Bun: heapUsed includes ArrayBuffers)" : ""
  }`,
);
console.log("phase      JS heap   ArrayBuffers   total");
const [, base] = readings[0];
for (const [phase, r] of readings.slice(1)) {
  const heap = r.heap - base.heap, buffers = r.buffers - base.buffers;
  console.log(
    `${phase.padEnd(10)} ${kb(heap).padStart(7)} ${kb(buffers).padStart(14)} ${
      kb(heap + buffers).padStart(7)
    }`,
  );
}
process.exit(0);

/** Opens `n` connected transports, {@linkcode BATCH} at a time. */
async function openCalls(n: number): Promise<LoopbackCall[]> {
  const out: LoopbackCall[] = [];
  for (let i = 0; i < n; i += BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(BATCH, n - i) }, async (_, k) => {
        out[i + k] = await openLoopbackCall(hosts, i + k);
      }),
    );
  }
  return out;
}
