/**
 * `node:dgram` backend: Node, and Deno without `--unstable-net`.
 *
 * @module
 */

import { createSocket, type Socket } from "node:dgram";
import { SocketError } from "../errors.ts";
import { pooledSends, SlabPool } from "./slab_pool.ts";
import type { UdpBackendOptions, UdpBackendSocket } from "./udp_types.ts";

/** @internal */
export function bindNodeUdp(
  options: UdpBackendOptions,
): Promise<UdpBackendSocket> {
  const socket: Socket = createSocket({
    type: options.family === "IPv6" ? "udp6" : "udp4",
    // Media and ICE both want the whole packet; no reuseAddr: every call
    // owns its port unless the shared mux is used.
    ipv6Only: options.family === "IPv6",
  });
  const { stats, onMessage } = options;
  const pool = new SlabPool(options.maxInFlight, stats);
  return new Promise((resolve, reject) => {
    const onBindError = (error: Error) => {
      socket.close();
      reject(error);
    };
    socket.once("error", onBindError);
    socket.on("message", (data: Uint8Array, info) => {
      stats.received++;
      onMessage(data, info.address, info.port);
    });
    socket.bind(options.port, options.address, () => {
      socket.off("error", onBindError);
      socket.on("error", (error) =>
        options.onError(
          new SocketError(`UDP socket error: ${error.message}`, {
            cause: error,
          }),
        ));
      const local = socket.address();
      const { send, sendMany } = pooledSends(
        pool,
        (slab, port, address) => {
          // An OS error (EPERM, ENETUNREACH…) reaches `done`, never the
          // socket's "error" event; a bad port or a closed socket throws.
          socket.send(slab.view, port, address, slab.done);
        },
      );
      resolve({
        address: local.address,
        port: local.port,
        send,
        sendMany,
        async close() {
          if (pool.closed) return;
          await pool.close();
          await new Promise<void>((done) => socket.close(() => done()));
        },
      });
    });
  });
}
