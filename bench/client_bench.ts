/**
 * `createCall` under a burst: a client with a DTLS certificate pool sized
 * for the burst against one without (every call generates its certificate
 * inline). The figure is the mean time one `createCall` blocks the caller.
 *
 * @module
 */

import { Client } from "../mod.ts";
import type { BenchCase } from "./harness.ts";

const BURST = 64;

async function burst(pool: number): Promise<{ value: number }> {
  const client = await Client.create({
    dtlsCertPool: pool,
    networkTypes: ["udp4"],
  });
  try {
    // Let the pool fill in the background, as it would between bursts.
    for (let i = 0; i < 200 && pool > 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const start = performance.now();
    await Promise.all(
      Array.from({ length: BURST }, (_, i) => client.createCall(i)),
    );
    return { value: ((performance.now() - start) * 1000) / BURST };
  } finally {
    await client.close();
  }
}

/** createCall burst cases. */
export const cases: BenchCase[] = [{
  name: "createcall-burst-64",
  unit: "us/call",
  run: () => burst(BURST),
  baseline: { name: "dtlsCertPool: 0", run: () => burst(0) },
}];
