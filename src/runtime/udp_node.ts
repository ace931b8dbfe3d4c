/**
 * `node:dgram` backend: Node, and Deno without `--unstable-net`.
 *
 * @module
 */

import { createSocket, type Socket } from "node:dgram";
import { SocketError } from "../errors.ts";
import { SlabPool } from "./slab_pool.ts";
import type {
  SendErrorCounter,
  UdpBackendOptions,
  UdpBackendSocket,
} from "./udp_types.ts";

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
      let closed = false;
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
        try {
          // An OS error (EPERM, ENETUNREACH…) reaches `done`, never the
          // socket's "error" event; a bad port or a closed socket throws.
          socket.send(slab.view, port, address, slab.done);
        } catch {
          slab.failed(undefined);
          return false;
        }
        stats.sent++;
        return true;
      };
      resolve({
        address: local.address,
        port: local.port,
        send,
        sendMany(packets, count, port, address) {
          let accepted = 0;
          for (let i = 0; i < count; i++) {
            const data = packets[i];
            if (send(data, port, address, data.length, undefined)) {
              accepted++;
            }
          }
          return accepted;
        },
        async close() {
          if (closed) return;
          closed = true;
          await pool.drained();
          await new Promise<void>((done) => socket.close(() => done()));
        },
      });
    });
  });
}
