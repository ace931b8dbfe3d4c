/**
 * Sending through the shared socket of a `UdpMux`: many calls, one
 * datagram each per scheduler pass. On Bun the shared socket batches
 * (`batchSends`): what one pass sends leaves in one `sendMany`, i.e. one
 * `sendmmsg(2)`. The baseline, in the same run, is the same socket type
 * sending each datagram at once, as a call's own socket does. Deno and
 * Node have no batch send, so there the two sides are the same code and
 * the ratio shows the noise.
 *
 * Per pass: {@linkcode CALLS} sends from one reused buffer to an
 * in-process sink, then a yield to I/O (the batch's flush, the send
 * completions and the sink's reads run there, on both sides alike). The
 * figure is this process's CPU time (user + system) per datagram.
 *
 * @module
 */

import process from "node:process";
import { bindUdp, type UdpSocket } from "../src/runtime/udp.ts";
import { atBenchExit, type BenchCase, type Measurement } from "./harness.ts";
import { yieldToIo } from "./send_path_fixture.ts";

const HOST = "127.0.0.1";
/** Calls sending in one pass (a 20 ms pass at ~5,000 calls on the mux holds far more). */
const CALLS = 50;
const PASSES = 1000;

interface Pair {
  socket: UdpSocket;
  sinkPort: number;
}

const pairs = new Map<boolean, Promise<Pair>>();

/** One sender per side, kept for the whole run; one sink for both. */
let sink: Promise<UdpSocket> | undefined;
function pair(batchSends: boolean): Promise<Pair> {
  let p = pairs.get(batchSends);
  if (!p) {
    p = (async () => {
      sink ??= bindUdp({ address: HOST, onMessage() {} }).then((s) => {
        atBenchExit(() => s.close());
        return s;
      });
      const { port } = await sink;
      const socket = await bindUdp({
        address: HOST,
        batchSends,
        onMessage() {},
      });
      atBenchExit(() => socket.close());
      return { socket, sinkPort: port };
    })();
    pairs.set(batchSends, p);
  }
  return p;
}

async function sendPasses(
  batchSends: boolean,
  size: number,
): Promise<Measurement> {
  const { socket, sinkPort } = await pair(batchSends);
  const packet = new Uint8Array(size).fill(0x80);
  const pass = () => {
    for (let i = 0; i < CALLS; i++) {
      packet[1] = i;
      socket.send(packet, sinkPort, HOST);
    }
  };
  for (let r = 0; r < 20; r++) {
    pass();
    await yieldToIo();
  }
  const dropped = socket.stats.dropped;
  // CPU time, not wall time: the machine is shared and noisy, and what a
  // batch saves is this process's work (system calls included).
  const before = process.cpuUsage();
  for (let r = 0; r < PASSES; r++) {
    pass();
    await yieldToIo();
  }
  const cpu = process.cpuUsage(before);
  const us = (cpu.user + cpu.system) / (PASSES * CALLS);
  return { value: us, notes: { dropped: socket.stats.dropped - dropped } };
}

/** @internal */
export const cases: BenchCase[] = [160, 1200].map((size) => ({
  name: `shared-socket-send-${size}`,
  unit: "us/pkt",
  run: () => sendPasses(true, size),
  baseline: {
    name: "one send per datagram",
    run: () => sendPasses(false, size),
  },
  repeats: 7,
}));
