/**
 * UDP sockets on Deno, Bun and Node behind one interface.
 *
 * Backends, picked by feature detection unless the caller names one:
 * - `bun`: `Bun.udpSocket`; `send` is synchronous and `sendMany` hands a
 *   whole burst to the kernel in one call.
 * - `deno`: `Deno.listenDatagram`, which exists only with `--unstable-net`.
 * - `node`: `node:dgram`; also the Deno fallback, since it needs no flag.
 *
 * The asynchronous backends copy each datagram into a slab from a fixed
 * pool before sending, so callers may reuse their buffer as soon as `send`
 * returns and nothing is allocated per packet. The pool size is also the
 * bound on in-flight sends: Deno's `node:dgram` degrades from ~9 µs to
 * ~126 µs per packet with tens of thousands queued, so a full pool drops
 * the datagram (UDP may drop anyway) and counts it.
 *
 * @module
 */

import { SocketError, SocketLimitError } from "../errors.ts";
import { bunGlobal, denoGlobal } from "./detect.ts";
import { trackResource } from "./resources.ts";
import { bindBunUdp } from "./udp_bun.ts";
import { bindDenoUdp } from "./udp_deno.ts";
import { bindNodeUdp } from "./udp_node.ts";

export type {
  IpFamily,
  SendErrorCounter,
  UdpBackend,
  UdpBackendOptions,
  UdpBackendSocket,
  UdpBindOptions,
  UdpMessageHandler,
  UdpSocket,
  UdpSocketStats,
} from "./udp_types.ts";
import type {
  UdpBackend,
  UdpBackendOptions,
  UdpBackendSocket,
  UdpBindOptions,
  UdpSocket,
  UdpSocketStats,
} from "./udp_types.ts";

/** The backend {@linkcode bindUdp} picks when none is named. */
export function defaultUdpBackend(): UdpBackend {
  if (bunGlobal) return "bun";
  if (typeof denoGlobal?.listenDatagram === "function") return "deno";
  return "node";
}

/**
 * Binds a UDP socket.
 *
 * @example
 * ```ts ignore
 * import { bindUdp } from "./udp.ts";
 *
 * const socket = await bindUdp({
 *   address: "127.0.0.1",
 *   onMessage: (data, address, port) => console.log(data.length, address, port),
 * });
 * socket.send(new Uint8Array([1, 2, 3]), socket.port, "127.0.0.1");
 * await socket.close();
 * ```
 *
 * @throws {SocketError} when the address cannot be bound or the requested
 * backend is not available in this runtime.
 */
export async function bindUdp(options: UdpBindOptions): Promise<UdpSocket> {
  const family = options.family ?? "IPv4";
  const backend = options.backend ?? defaultUdpBackend();
  const stats: UdpSocketStats = {
    sent: 0,
    dropped: 0,
    sendErrors: 0,
    received: 0,
  };
  const onError = options.onError ?? (() => {});
  const handler = options.onMessage;
  const backendOptions: UdpBackendOptions = {
    family,
    address: options.address ?? (family === "IPv6" ? "::" : "0.0.0.0"),
    port: options.port ?? 0,
    maxInFlight: options.maxInFlight ?? 256,
    batchSends: options.batchSends ?? false,
    stats,
    // A throwing handler must not take the socket (or, on Node, the
    // process) down with it: report and keep receiving.
    onMessage(data, address, port) {
      try {
        handler(data, address, port);
      } catch (error) {
        onError(
          new SocketError(
            `UDP message handler threw: ${
              error instanceof Error ? error.message : String(error)
            }`,
            { cause: error },
          ),
        );
      }
    },
    onError,
  };
  let inner: UdpBackendSocket;
  try {
    if (backend === "bun") {
      if (!bunGlobal) throw new Error("Bun.udpSocket is not available");
      inner = await bindBunUdp(bunGlobal, backendOptions);
    } else if (backend === "deno") {
      if (typeof denoGlobal?.listenDatagram !== "function") {
        throw new Error(
          "Deno.listenDatagram is not available (run Deno with --unstable-net)",
        );
      }
      inner = bindDenoUdp(denoGlobal.listenDatagram, backendOptions);
    } else {
      inner = await bindNodeUdp(backendOptions);
    }
  } catch (error) {
    const message =
      `Cannot bind UDP ${backendOptions.address}:${backendOptions.port} (${backend}): ${
        error instanceof Error ? error.message : String(error)
      }`;
    throw outOfDescriptors(error)
      ? new SocketLimitError(message, { cause: error })
      : new SocketError(message, { cause: error });
  }
  trackResource("udpSockets", 1);
  let closing: Promise<void> | undefined;
  return {
    backend,
    family,
    address: inner.address,
    port: inner.port,
    stats,
    send: (data, port, address, length = data.length, errors) =>
      inner.send(data, port, address, length, errors),
    sendMany: (packets, count, port, address) =>
      inner.sendMany(packets, count, port, address),
    close() {
      return closing ??= inner.close().finally(() =>
        trackResource("udpSockets", -1)
      );
    },
  };
}

/**
 * Whether a bind failed for want of file descriptors: Node and Bun set
 * `code`; Deno only says "Too many open files (os error 24)" (23: ENFILE).
 */
function outOfDescriptors(error: unknown): boolean {
  const { code, message } = (error ?? {}) as {
    code?: unknown;
    message?: unknown;
  };
  return code === "EMFILE" || code === "ENFILE" ||
    /EMFILE|ENFILE|too many open files|os error 2[34]\b/i.test(String(message));
}
