/**
 * Connect latency on loopback: `createCall` → connected → the first SRTP
 * packet decrypted by the libdatachannel peer (the SFU stand-in the local
 * group-call server is built on), with the DTLS certificate pool warm and
 * cold. The time libdatachannel spends answering (its own ICE gathering) is
 * the server's, so it is subtracted (`to-connected-ms` in the notes stops
 * at connected). Baseline in the same run: two libdatachannel peers
 * connecting to each other, creation to both connected (ICE + DTLS), see
 * {@linkcode libdatachannelPairMs}.
 *
 * Median of `TGCALL_BENCH_RUNS` (default 15) connects.
 *
 * @module
 */

import process from "node:process";
import { Client } from "../mod.ts";
import { LibdatachannelPeer } from "../src/testing/libdatachannel_peer.ts";
import type { BenchCase, Measurement } from "./harness.ts";
import { libdatachannelPairMs } from "./peers/libdatachannel_pair.ts";

const RUNS = Number(process.env.TGCALL_BENCH_RUNS ?? 15);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** One client, `RUNS` sequential calls; ms from createCall to first packet. */
async function connects(pool: number): Promise<Measurement> {
  const client = await Client.create({
    dtlsCertPool: pool,
    networkTypes: ["udp4"],
    bindAddress: { udp4: "127.0.0.1" },
  });
  const connectedAt = new Map<number, number>();
  client.onConnectionChange((chat, { state }) => {
    if (state === "connected") connectedAt.set(Number(chat), performance.now());
  });
  const total: number[] = [], toConnected: number[] = [];
  try {
    // Let a pool fill in the background, as it would between calls.
    for (let i = 0; i < 100 && pool > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    for (let run = 0; run < RUNS; run++) {
      const chat = run + 1;
      const started = performance.now();
      const payload = await client.createCall(chat, { video: false });
      const answerStart = performance.now();
      let firstAt = 0;
      const peer = await LibdatachannelPeer.answer(payload, {
        keepReceived: false,
        onRtp: (rtp) => void (firstAt ||= rtp.at),
      });
      const answerMs = performance.now() - answerStart;
      try {
        await client.connect(chat, peer.answerJson);
        while (!firstAt) await new Promise((r) => setTimeout(r, 1));
        total.push(firstAt - started - answerMs);
        toConnected.push((connectedAt.get(chat) ?? NaN) - started - answerMs);
        await client.stop(chat);
      } finally {
        await peer.close();
      }
    }
  } finally {
    await client.close();
  }
  return {
    value: median(total),
    notes: {
      "to-connected-ms": median(toConnected),
      "max-ms": Math.max(...total),
    },
  };
}

async function libdatachannelPair(): Promise<Measurement> {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) times.push(await libdatachannelPairMs());
  return { value: median(times), notes: { "max-ms": Math.max(...times) } };
}

/** Connect-latency cases. */
export const cases: BenchCase[] = [{
  name: "connect-warm",
  unit: "ms",
  // A median over its own runs already: one repeat.
  repeats: 1,
  run: () => connects(4),
  baseline: { name: "libdatachannel pair", run: libdatachannelPair },
}, {
  name: "connect-cold",
  unit: "ms",
  // A median over its own runs already: one repeat.
  repeats: 1,
  run: () => connects(0),
  baseline: { name: "libdatachannel pair", run: libdatachannelPair },
}];
