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
import { OggOpusReader } from "../../src/media/ogg_reader.ts";
import { SrtpContext } from "../../src/srtp/context.ts";
import { SRTP_PROFILES } from "../../src/srtp/profile.ts";
import { writeOggOpus } from "../../src/testing/rtp_files.ts";

const packets = Number(
  process.argv.find((a) => a.startsWith("--packets="))?.split("=")[1] ??
    200_000,
);
const WINDOW = 1000;

const file = writeOggOpus(
  Array.from({ length: WINDOW }, (_, i) => {
    const data = new Uint8Array(120).fill(i & 0xff);
    data[0] = 0xfc;
    return { data, rtpTimestamp: i * 960 };
  }),
);
const pages: Uint8Array[] = [];
for (let at = 0; at < file.length;) {
  let body = 0;
  for (let s = 0; s < file[at + 26]; s++) body += file[at + 27 + s];
  const end = at + 27 + file[at + 26] + body;
  pages.push(file.subarray(at, end));
  at = end;
}

const profile = SRTP_PROFILES.AEAD_AES_128_GCM;
const ctx = new SrtpContext(
  profile,
  new Uint8Array(16).fill(7),
  new Uint8Array(12).fill(9),
);
let bytes = 0;
const port = {
  send(data: Uint8Array, _address: string, _port: number, length?: number) {
    bytes += (length ?? data.length) + data[0];
    return true;
  },
};
const sender = new MediaSender({
  audioSsrc: 0x91234567,
  sink: {
    sendRtp(buf, length) {
      const n = ctx.protectRtp(buf, length);
      return port.send(buf, "127.0.0.1", 9, n);
    },
    sendRtcp(buf, length) {
      const n = ctx.protectRtcp(buf, length);
      return port.send(buf, "127.0.0.1", 9, n);
    },
  },
});

let reader = new OggOpusReader(), page = pages.length, sent = 0;
function step(): void {
  if (page === pages.length) {
    reader = new OggOpusReader();
    reader.push(pages[0]);
    reader.push(pages[1]);
    page = 2;
  }
  const frames = reader.push(pages[page++]);
  for (let k = 0; k < frames.length; k++) {
    const f = frames[k];
    sender.sendAudio(f.data, f.timestamp, f.duration, sent++ * 20, -30, true);
  }
}

for (let i = 0; i < 20 * WINDOW; i++) step();
const growth: number[] = [];
const cpu0 = process.cpuUsage();
for (let w = 0; w < packets / WINDOW; w++) {
  const before = process.memoryUsage().heapUsed;
  for (let k = 0; k < WINDOW; k++) step();
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
  check: bytes > 0,
}));
