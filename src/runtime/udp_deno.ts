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
import { pooledSends, SlabPool } from "./slab_pool.ts";
import type {
  UdpBackendOptions,
  UdpBackendSocket,
  UdpMessageHandler,
} from "./udp_types.ts";

/**
 * Largest datagram we accept. The receive buffer is held per socket for
 * the socket's life (each call's socket has a receive pending at all
 * times, so buffers cannot be shared), and a 64 KiB one was most of a
 * connected call's memory. WebRTC peers keep datagrams under the path MTU
 * (media ≤ 1200 bytes, DTLS flights fragmented to it); libjuice receives
 * into 4 KiB likewise. A longer datagram would arrive truncated, so the
 * buffer has one byte more and a datagram that fills it is dropped
 * (counted in `dropped`), never delivered cut short.
 */
const MAX_DATAGRAM_BYTES = 4096;

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
  const receiving = receiveLoop(
    conn,
    options.onMessage,
    stats,
    () => pool.closed,
    options.onError,
  );
  // Deno's send takes an address object; cache the last one so a steady
  // stream to one peer does not allocate per packet.
  let lastAddr: DenoNetAddr = { transport: "udp", hostname: "", port: 0 };
  const { send, sendMany } = pooledSends(pool, (slab, port, address) => {
    if (lastAddr.port !== port || lastAddr.hostname !== address) {
      lastAddr = { transport: "udp", hostname: address, port };
    }
    // The slab's own handlers: no closure per packet (the promise is Deno's).
    conn.send(slab.view, lastAddr).then(slab.sent, slab.failed);
  });
  return {
    address: conn.addr.hostname,
    port: conn.addr.port,
    send,
    sendMany,
    async close() {
      if (pool.closed) return;
      await pool.close();
      conn.close();
      await receiving;
    },
  };
}

async function receiveLoop(
  conn: DenoDatagramConn,
  onMessage: UdpMessageHandler,
  stats: { received: number; dropped: number },
  isClosed: () => boolean,
  onError: (error: SocketError) => void,
): Promise<void> {
  const buffer = new Uint8Array(MAX_DATAGRAM_BYTES + 1);
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
    if (data.length > MAX_DATAGRAM_BYTES) {
      stats.dropped++;
      continue;
    }
    onMessage(data, from.hostname, from.port);
  }
}
