/**
 * The datagram port a call sends through: one UDP socket per address family,
 * picked per destination, whether the call owns the sockets
 * ({@linkcode bindDatagramPort}) or shares them (`UdpMux`).
 *
 * Node reports IPv4 sources on a dual-stack IPv6 socket as IPv4-mapped
 * addresses (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2), so addresses are
 * compared and keyed in unmapped form.
 *
 * @module
 */

import { isIpv6 } from "../ice/candidate.ts";
import {
  bindUdp,
  type SendErrorCounter,
  type UdpSocket,
  type UdpSocketStats,
} from "../runtime/udp.ts";

/** Network types a transport may use. */
export type NetworkType = "udp4" | "udp6";

/** Both families: IPv4 required, IPv6 when the host has it. */
export const DEFAULT_NETWORK_TYPES: readonly NetworkType[] = ["udp4", "udp6"];

/** A call's view of a set of sockets. */
export interface DatagramPort {
  /**
   * Sends `data[0 .. length)` (default all of it) as one datagram; false
   * when dropped or refused. OS errors, now or later, are counted in
   * `errors` (the sending call's stats) and never thrown.
   */
  send(
    data: Uint8Array,
    address: string,
    port: number,
    length?: number,
    errors?: SendErrorCounter,
  ): boolean;
  /** Local ports, for diagnostics. */
  readonly localPorts: { udp4?: number; udp6?: number };
  /** Releases the port (a shared mux's sockets stay open). */
  close(): Promise<void>;
}

/** A port that owns its sockets, whose counters it can sum. */
export interface BoundDatagramPort extends DatagramPort {
  /** The sockets' counters, summed over both families. */
  socketStats(): UdpSocketStats;
}

/** Options for {@linkcode bindDatagramPort}. */
export interface BindDatagramPortOptions {
  /** Families to bind; default {@linkcode DEFAULT_NETWORK_TYPES}. */
  networkTypes?: readonly NetworkType[];
  /** Local bind addresses; default the wildcards. */
  bindAddress?: { udp4?: string; udp6?: string };
  /** Send in batches where the runtime can (a shared mux's sockets). */
  batchSends?: boolean;
  /** Sends in flight per socket on asynchronous backends; default 256. */
  maxInFlight?: number;
  /** Receives every datagram, from either socket. */
  onMessage: (data: Uint8Array, address: string, port: number) => void;
}

/**
 * Binds one UDP socket per configured family. IPv6 is optional when IPv4 is
 * bound: hosts without IPv6 still work over IPv4. With no family configured
 * the port has no socket and drops every send.
 *
 * @example
 * ```ts ignore
 * import { bindDatagramPort } from "./datagram_port.ts";
 *
 * const port = await bindDatagramPort({
 *   networkTypes: ["udp4"],
 *   onMessage: (data, address, port) => console.log(data.length, address, port),
 * });
 * port.send(new Uint8Array([1]), "127.0.0.1", port.localPorts.udp4!);
 * await port.close();
 * ```
 *
 * @throws {SocketError} when IPv4 cannot be bound, or IPv6 alone was asked
 * for and cannot be bound.
 */
export async function bindDatagramPort(
  options: BindDatagramPortOptions,
): Promise<BoundDatagramPort> {
  const types = options.networkTypes ?? DEFAULT_NETWORK_TYPES;
  const { onMessage } = options;
  let v4: UdpSocket | undefined;
  let v6: UdpSocket | undefined;
  if (types.includes("udp4")) {
    v4 = await bindUdp({
      family: "IPv4",
      address: options.bindAddress?.udp4,
      batchSends: options.batchSends,
      maxInFlight: options.maxInFlight,
      onMessage,
    });
  }
  if (types.includes("udp6")) {
    try {
      v6 = await bindUdp({
        family: "IPv6",
        address: options.bindAddress?.udp6,
        batchSends: options.batchSends,
        maxInFlight: options.maxInFlight,
        onMessage,
      });
    } catch (error) {
      if (!v4) throw error;
    }
  }
  return {
    send: (data, address, port, length, errors) => {
      const socket = isIpv6(address) ? v6 : v4;
      return socket ? socket.send(data, port, address, length, errors) : false;
    },
    localPorts: { udp4: v4?.port, udp6: v6?.port },
    socketStats: () => {
      const sum = { sent: 0, dropped: 0, sendErrors: 0, received: 0 };
      for (const socket of [v4, v6]) {
        if (!socket) continue;
        sum.sent += socket.stats.sent;
        sum.dropped += socket.stats.dropped;
        sum.sendErrors += socket.stats.sendErrors;
        sum.received += socket.stats.received;
      }
      return sum;
    },
    close: async () => {
      await Promise.all([v4?.close(), v6?.close()]);
    },
  };
}

/** `address` without an IPv4-mapped `::ffff:` prefix. */
export function unmappedAddress(address: string): string {
  return address.replace(/^::ffff:/, "");
}

/** Whether two addresses name the same host, IPv4-mapped or not. */
export function sameAddress(a: string, b: string): boolean {
  return a === b || a === unmappedAddress(b) || b === unmappedAddress(a);
}
