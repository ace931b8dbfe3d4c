/**
 * `Deno.listenDatagram` backend (needs `--unstable-net`).
 *
 * Receives into one reused buffer, which the {@linkcode UdpMessageHandler}
 * contract allows; sends go through the slab pool because
 * `DatagramConn.send` is asynchronous.
 *
 * @module
 */

import { SocketError } from "../errors.ts";
import type { DenoDatagramConn, DenoGlobal, DenoNetAddr } from "./detect.ts";
import { SlabPool } from "./slab_pool.ts";
import type {
  SendErrorCounter,
  UdpBackendOptions,
  UdpBackendSocket,
  UdpMessageHandler,
} from "./udp_types.ts";

/** Largest datagram we accept; longer ones are truncated by the OS. */
const RECEIVE_BYTES = 65536;

/** @internal */
export function bindDenoUdp(
  listenDatagram: NonNullable<DenoGlobal["listenDatagram"]>,
  options: UdpBackendOptions,
): UdpBackendSocket {
  const conn: DenoDatagramConn = listenDatagram({
    transport: "udp",
    hostname: options.address,
    port: options.port,
  });
  const { stats } = options;
  const pool = new SlabPool(options.maxInFlight, stats);
  let closed = false;
  const receiving = receiveLoop(
    conn,
    options.onMessage,
    stats,
    () => closed,
    options.onError,
  );
  // Deno's send takes an address object; cache the last one so a steady
  // stream to one peer does not allocate per packet.
  let lastAddr: DenoNetAddr = { transport: "udp", hostname: "", port: 0 };
  const send = (
    data: Uint8Array,
    port: number,
    address: string,
    length: number,
    errors: SendErrorCounter | undefined,
  ) => {
    if (closed) return false;
    const slab = pool.acquire(data, length, errors);
    if (!slab) {
      stats.dropped++;
      return false;
    }
    if (lastAddr.port !== port || lastAddr.hostname !== address) {
      lastAddr = { transport: "udp", hostname: address, port };
    }
    try {
      // The slab's own handlers: no closure per packet (the promise is Deno's).
      conn.send(slab.view, lastAddr).then(slab.sent, slab.failed);
    } catch {
      slab.failed(undefined);
      return false;
    }
    stats.sent++;
    return true;
  };
  return {
    address: conn.addr.hostname,
    port: conn.addr.port,
    send,
    sendMany(packets, count, port, address) {
      let accepted = 0;
      for (let i = 0; i < count; i++) {
        const data = packets[i];
        if (send(data, port, address, data.length, undefined)) accepted++;
      }
      return accepted;
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.drained();
      conn.close();
      await receiving;
    },
  };
}

async function receiveLoop(
  conn: DenoDatagramConn,
  onMessage: UdpMessageHandler,
  stats: { received: number },
  isClosed: () => boolean,
  onError: (error: SocketError) => void,
): Promise<void> {
  const buffer = new Uint8Array(RECEIVE_BYTES);
  while (!isClosed()) {
    let received: [Uint8Array, DenoNetAddr];
    try {
      received = await conn.receive(buffer);
    } catch (error) {
      // close() interrupts the pending receive; anything else is reported
      // and ends the loop, since the socket is unusable.
      if (!isClosed()) {
        onError(
          new SocketError(
            `UDP receive failed: ${
              error instanceof Error ? error.message : String(error)
            }`,
            { cause: error },
          ),
        );
      }
      return;
    }
    stats.received++;
    const [data, from] = received;
    onMessage(data, from.hostname, from.port);
  }
}
