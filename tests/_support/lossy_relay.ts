/**
 * A UDP relay for loss tests: the client talks to `front`, the relay talks
 * to the real peer from `back`, and each direction drops a share of
 * datagrams at random. Loopback only.
 */
import { bindUdp, type UdpSocket } from "../../src/runtime/udp.ts";

/** A running relay. */
export interface LossyRelay {
  /** Port the client should send to (on 127.0.0.1). */
  readonly port: number;
  /** Datagrams forwarded and dropped per direction. */
  readonly counts: {
    up: number;
    upDropped: number;
    down: number;
    downDropped: number;
  };
  /** Closes both sockets. */
  close(): Promise<void>;
}

/** Starts a relay to `target` dropping `loss` (0..1) of datagrams each way. */
export async function startLossyRelay(
  target: { address: string; port: number },
  loss: number,
  random = Math.random,
): Promise<LossyRelay> {
  const counts = { up: 0, upDropped: 0, down: 0, downDropped: 0 };
  let client: { address: string; port: number } | undefined;
  // The back socket exists only after the front one; the front handler
  // reaches it through this holder.
  const link: { back?: UdpSocket } = {};
  const front = await bindUdp({
    address: "127.0.0.1",
    onMessage(data, address, port) {
      client = { address, port };
      if (random() < loss) {
        counts.upDropped++;
        return;
      }
      counts.up++;
      link.back?.send(data, target.port, target.address);
    },
  });
  const back = link.back = await bindUdp({
    address: "127.0.0.1",
    onMessage(data) {
      if (!client) return;
      if (random() < loss) {
        counts.downDropped++;
        return;
      }
      counts.down++;
      front.send(data, client.port, client.address);
    },
  });
  return {
    port: front.port,
    counts,
    async close() {
      await front.close();
      await back.close();
    },
  };
}
