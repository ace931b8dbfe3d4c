/**
 * One ICE + DTLS connect to libdatachannel through a lossy relay: the run
 * behind the loss test (`tests/transport/peer_transport_loss_test.ts`) and
 * the DTLS-under-loss benchmark (`bench/dtls_loss_bench.ts`).
 *
 * @module
 */
import { PeerTransport } from "../../src/transport/peer_transport.ts";
import {
  type RelayCounts,
  startLossyRelay,
} from "../../src/testing/udp_relay.ts";
import { answeredAudioJoin } from "./libdatachannel_call.ts";

/**
 * How long a run may take to connect: past our own 30 s DTLS deadline,
 * which may reject first (that run did not connect either).
 */
const CONNECT_DEADLINE_MS = 31_000;

/** What one lossy connect came to. */
export interface LossyConnect {
  /** ms from opening the transport to connected; `undefined`: never. */
  connectedMs: number | undefined;
  /** What the relay forwarded and dropped over the run. */
  counts: RelayCounts;
}

/**
 * Has libdatachannel answer an audio join, puts a relay dropping `loss`
 * (0..1) of the datagrams each way in front of it, opens a transport
 * through the relay and waits up to 31 s for it to connect. Everything is
 * closed before this resolves.
 */
export async function lossyConnect(loss: number): Promise<LossyConnect> {
  const { credentials, certificate, peer, response } =
    await answeredAudioJoin();
  const target = response.transport.candidates.find((c) =>
    c.address === "127.0.0.1"
  )!;
  const relay = await startLossyRelay(target, loss);
  let transport: PeerTransport | undefined;
  try {
    const started = performance.now();
    transport = await PeerTransport.open({
      local: { ...credentials, certificate },
      remote: {
        ...response.transport,
        candidates: [{ ...target, port: relay.port }],
      },
      networkTypes: ["udp4"],
      bindAddress: { udp4: "127.0.0.1" },
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connected = await Promise.race([
      transport.connected.then(() => true, () => false),
      new Promise<boolean>((resolve) =>
        timer = setTimeout(() => resolve(false), CONNECT_DEADLINE_MS)
      ),
    ]).finally(() => clearTimeout(timer));
    return {
      connectedMs: connected ? performance.now() - started : undefined,
      counts: { ...relay.counts },
    };
  } finally {
    await transport?.close();
    await peer.close();
    await relay.close();
  }
}
