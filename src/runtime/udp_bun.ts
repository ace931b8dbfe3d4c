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
  let lastBuffer: Uint8Array | undefined;
  let lastView: Uint8Array = new Uint8Array(0);
  let closed = false;
  return {
    address: socket.address.address,
    port: socket.port,
    send(data, port, address, length, errors) {
      if (closed) return false;
      // Bun sends a whole view: keep one of the caller's buffer at the
      // payload's length while it stays the same (a steady audio stream).
      let payload = data;
      if (length !== data.length) {
        if (lastBuffer !== data || lastView.length !== length) {
          lastBuffer = data;
          lastView = data.subarray(0, length);
        }
        payload = lastView;
      }
      // Bun throws synchronously for ICMP-reported errors (ECONNREFUSED
      // after the peer's port closed, ENETUNREACH, EPERM): a send error is
      // counted, never an exception out of a timer callback.
      let ok: boolean;
      try {
        ok = socket.send(payload, port, address);
      } catch {
        stats.sendErrors++;
        if (errors) errors.sendErrors++;
        return false;
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
        stats.dropped += count - accepted;
      } catch {
        stats.sendErrors += count; // as in send(): counted, not thrown
      }
      flat.fill(0);
      stats.sent += accepted;
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
