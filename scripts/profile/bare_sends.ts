/**
 * The floor under the scale bench: what this runtime's own UDP send costs at
 * a call's cadence, with nothing of tgcall's send path around it.
 *
 * N sockets (`bindUdp`, as each call's transport binds) each send one
 * 200-byte datagram — an SRTP Opus packet's size — every 20 ms from a task
 * of the shared scheduler, at random phases as in `bench/scale_bench.ts`,
 * to a sink in a child process (its CPU is not counted). `--timers-only`
 * runs the same tasks without sending; `--shared` sends every task's
 * datagram from one socket, as `sharedUdpMux` does. Prints this process's CPU over the
 * window (% of one core, and the kernel's part) and per send.
 *
 * ```
 * deno run -A --unstable-net scripts/profile/bare_sends.ts [--sockets=100] [--seconds=5] [--timers-only] [--shared]
 * bun scripts/profile/bare_sends.ts --sockets=100
 * npx tsc -p scripts/profile/tsconfig.json && node .build/scripts/profile/bare_sends.js
 * ```
 *
 * @module
 */

import { spawn } from "node:child_process";
import { once } from "node:events";
import process from "node:process";
import { createInterface } from "node:readline";
import { sharedScheduler } from "../../src/runtime/scheduler.ts";
import { bindUdp } from "../../src/runtime/udp.ts";
import { MUX_MAX_IN_FLIGHT } from "../../src/transport/udp_mux.ts";

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ??
    fallback;
const sockets = Number(arg("sockets", "100"));
const seconds = Number(arg("seconds", "5"));
const timersOnly = process.argv.includes("--timers-only");
const shared = process.argv.includes("--shared");
const FRAME_MS = 20;

// The sink reads and drops, at nice 19 like the scale bench's receivers.
const sink = spawn("nice", [
  "-n",
  "19",
  "node",
  "-e",
  `const s = require("node:dgram").createSocket("udp4");
   s.on("message", () => {});
   s.bind(0, "127.0.0.1", () => console.log(s.address().port));
   process.stdin.on("end", () => process.exit(0)).resume();`,
], { stdio: ["pipe", "pipe", "inherit"] });
const lines = createInterface({ input: sink.stdout! });
const [line] = await once(lines, "line") as [string];
const sinkPort = Number(line);

const socks = await Promise.all(
  Array.from(
    { length: shared ? 1 : sockets },
    // One socket carries every task's sends: allow as many in flight as
    // the shared mux does.
    () =>
      bindUdp({
        address: "127.0.0.1",
        maxInFlight: shared ? MUX_MAX_IN_FLIGHT : undefined,
        onMessage: () => {},
      }),
  ),
);
const datagram = new Uint8Array(200).fill(0x80, 0, 1);
const scheduler = sharedScheduler();
let sends = 0;
const tasks = Array.from({ length: sockets }, (_, i) => {
  const socket = socks[shared ? 0 : i];
  let deadline = scheduler.clock.now() + Math.random() * FRAME_MS;
  const task = scheduler.task(() => {
    if (!timersOnly && socket.send(datagram, sinkPort, "127.0.0.1")) sends++;
    deadline += FRAME_MS;
    task.at(deadline);
  });
  task.at(deadline);
  return task;
});

await new Promise((r) => setTimeout(r, 1000)); // settle, as the bench does
const cpuStart = process.cpuUsage(), sendsStart = sends;
const wallStart = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
const cpu = process.cpuUsage(cpuStart);
const wallMs = performance.now() - wallStart;
const sent = sends - sendsStart;
const pct = (micros: number) => (100 * micros / 1000 / wallMs).toFixed(1);
console.log(
  `${sockets} ${shared ? "tasks on one socket" : "sockets"}, ${
    timersOnly ? "timers only" : "one send per 20 ms"
  }: ` +
    `${pct(cpu.user + cpu.system)} % of a core (kernel ${pct(cpu.system)} %)` +
    (sent
      ? `, ${sent} sends, ${
        ((cpu.user + cpu.system) / sent).toFixed(1)
      } µs each`
      : ""),
);

for (const task of tasks) task.cancel();
await Promise.all(socks.map((s) => s.close()));
sink.stdin!.end();
await once(sink, "exit");
