/**
 * CPU per packet of N idle connected calls, measured from outside: the
 * client process's CPU time (user + system, `process.cpuUsage`) over a
 * window, divided by the SRTP/SRTCP packets its calls sent in it. Idle
 * calls send 20 ms Opus silence, Sender Reports and ICE consent checks and
 * receive the SFU's RTCP, so this is the steady-state per-packet cost of
 * the whole send path (timers, packetizer, SRTP, socket) at scale.
 *
 * The stand-in SFU (`sfu_child.ts`, libdatachannel) runs in its own Deno
 * process, so its CPU is not counted.
 *
 * ```
 * deno run -A --unstable-net scripts/profile/idle_calls.ts [--calls=100] [--seconds=10] [--mux]
 * bun scripts/profile/idle_calls.ts --calls=100
 * ```
 *
 * Add `--cpu-prof --cpu-prof-dir=DIR` to Deno's flags for a V8 profile of
 * the whole run (the window is its last `--seconds`, before the close).
 * Node 20 cannot run TypeScript directly; Bun has no `--cpu-prof`.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Client } from "../../mod.ts";

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ??
    fallback;
const calls = Number(arg("calls", "100"));
const seconds = Number(arg("seconds", "10"));
const mux = process.argv.includes("--mux");

const here = fileURLToPath(new URL(".", import.meta.url));
const deno = fileURLToPath(
  new URL("../../node_modules/.bin/deno", import.meta.url),
);
const child = spawn(deno, [
  "run",
  "-A",
  "--unstable-net",
  `${here}sfu_child.ts`,
], {
  stdio: ["pipe", "pipe", "inherit"],
});
const pending = new Map<number, (answer: string) => void>();
createInterface({ input: child.stdout! }).on("line", (line) => {
  const msg = JSON.parse(line);
  if (msg.error) throw new Error(msg.error);
  pending.get(msg.id)?.(msg.answer);
  pending.delete(msg.id);
});
let nextId = 0;
function join(chat: bigint, params: string): Promise<string> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    child.stdin!.write(
      JSON.stringify({ id, chat: String(chat), params }) + "\n",
    );
  });
}

const client = await Client.create({
  networkTypes: ["udp4"],
  bindAddress: { udp4: "127.0.0.1" },
  sharedUdpMux: mux,
});
const chats = Array.from(
  { length: calls },
  (_, i) => -1001000000000n - BigInt(i),
);
for (let i = 0; i < chats.length; i += 10) {
  await Promise.all(
    chats.slice(i, i + 10).map(async (chat) => {
      const params = await client.createCall(chat);
      await client.connect(chat, await join(chat, params));
    }),
  );
}
const sent = () => {
  let n = 0;
  for (const chat of chats) {
    const t = client.stats(chat).transport;
    n += (t?.rtpSent ?? 0) + (t?.rtcpSent ?? 0);
  }
  return n;
};
await new Promise((r) => setTimeout(r, 2000));
const cpu0 = process.cpuUsage(), n0 = sent(), t0 = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
const cpu = process.cpuUsage(cpu0), packets = sent() - n0;
const wall = (performance.now() - t0) / 1000;
const us = cpu.user + cpu.system;
const runtime = "Bun" in globalThis
  ? "bun"
  : "Deno" in globalThis
  ? "deno"
  : "node";
console.log(
  JSON.stringify({
    runtime,
    calls,
    mux,
    seconds: +wall.toFixed(2),
    packets,
    packetsPerSecond: Math.round(packets / wall),
    cpuPercent: +((us / 1e4) / wall).toFixed(1),
    usPerPacket: +(us / packets).toFixed(2),
    userUsPerPacket: +(cpu.user / packets).toFixed(2),
    systemUsPerPacket: +(cpu.system / packets).toFixed(2),
  }),
);
await client.close();
child.stdin!.end();
await new Promise((r) => child.once("exit", r));
process.exit(0);
