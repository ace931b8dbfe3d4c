/**
 * The audio send path alone, in process: Ogg page → OggOpusReader →
 * MediaSender.sendAudio → SRTP (AES-GCM) → a port standing in for the
 * socket. Prints CPU µs per packet and heap growth per packet (median of
 * 1,000-packet windows; V8 only — JSC reports its heap as of the last
 * collection). What `idle_calls.ts` measures minus the kernel, the timers
 * and the event loop.
 *
 * ```
 * deno run -A scripts/profile/send_path.ts [--packets=200000]
 * bun scripts/profile/send_path.ts
 * ```
 *
 * @module
 */

import process from "node:process";
import { MediaSender } from "../../src/media/media_sender.ts";
import {
  countingPort,
  oggPages,
  oggPageStep,
  srtpSink,
} from "../../tests/_support/ogg_send_path.ts";

const packets = Number(
  process.argv.find((a) => a.startsWith("--packets="))?.split("=")[1] ??
    200_000,
);
const WINDOW = 1000;

const pages = oggPages(WINDOW);
const port = countingPort();
const sender = new MediaSender({
  audioSsrc: 0x91234567,
  sink: srtpSink("AEAD_AES_128_GCM", port, 9),
});
const step = oggPageStep(pages, sender);
let sent = 0;

for (let i = 0; i < 20 * WINDOW; i++) step(sent++);
const growth: number[] = [];
const cpu0 = process.cpuUsage();
for (let w = 0; w < packets / WINDOW; w++) {
  const before = process.memoryUsage().heapUsed;
  for (let k = 0; k < WINDOW; k++) step(sent++);
  growth.push((process.memoryUsage().heapUsed - before) / WINDOW);
}
const cpu = process.cpuUsage(cpu0);
growth.sort((a, b) => a - b);
sender.close();
console.log(JSON.stringify({
  runtime: "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node",
  packets,
  usPerPacket: +((cpu.user + cpu.system) / packets).toFixed(3),
  heapBytesPerPacket: "Bun" in globalThis
    ? "n/a (JSC)"
    : +growth[growth.length >> 1].toFixed(1),
  check: port.bytes > 0,
}));
