/**
 * `Bun.udpSocket` backend. Sends are synchronous (the kernel copies the
 * bytes before `send` returns), so no slab copy is needed, and `sendMany`
 * passes a whole burst in one call (~0.9 µs per 1200-byte packet versus
 * 4.2 µs for single sends, measured on this machine kind).
 *
 * @module
 */

import { SocketError } from "../errors.ts";
import type { BunGlobal, BunUdpSocket } from "./detect.ts";
import type { UdpBackendOptions, UdpBackendSocket } from "./udp_types.ts";

/** @internal */
export async function bindBunUdp(
  bun: BunGlobal,
  options: UdpBackendOptions,
): Promise<UdpBackendSocket> {
  const { stats, onMessage } = options;
  const socket: BunUdpSocket = await bun.udpSocket({
    hostname: options.address,
    port: options.port,
    binaryType: "uint8array",
    socket: {
      data(_socket, data, port, address) {
        stats.received++;
        onMessage(data, address, port);
      },
      error(_socket, error) {
        // Bun has been seen calling this with no error object at all.
        options.onError(
          new SocketError(
            `UDP socket error: ${error?.message ?? String(error)}`,
            {
              cause: error,
            },
          ),
        );
      },
    },
  });
  // Bun's unconnected sendMany takes a flat [data, port, address, ...]
  // list; keep one scratch array per socket and overwrite it per burst.
  const flat: (Uint8Array | number | string)[] = [];
  let closed = false;
  return {
    address: socket.address.address,
    port: socket.port,
    send(data, port, address) {
      if (closed) return false;
      // Bun throws synchronously for ICMP-reported errors (ECONNREFUSED
      // after the peer's port closed, ENETUNREACH, EPERM): a send error is
      // a dropped datagram, never an exception out of a timer callback.
      let ok = false;
      try {
        ok = socket.send(data, port, address);
      } catch {
        ok = false;
      }
      if (ok) {
        stats.sent++;
        return true;
      }
      stats.dropped++;
      return false;
    },
    sendMany(packets, count, port, address) {
      if (closed || count === 0) return 0;
      flat.length = count * 3;
      for (let i = 0; i < count; i++) {
        flat[3 * i] = packets[i];
        flat[3 * i + 1] = port;
        flat[3 * i + 2] = address;
      }
      let accepted = 0;
      try {
        accepted = socket.sendMany(flat);
      } catch {
        accepted = 0; // as in send(): an error is a drop
      }
      flat.fill(0);
      stats.sent += accepted;
      stats.dropped += count - accepted;
      return accepted;
    },
    close() {
      if (!closed) {
        closed = true;
        socket.close();
      }
      return Promise.resolve();
    },
  };
}
