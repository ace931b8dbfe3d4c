/**
 * The UDP socket types shared by {@linkcode bindUdp} and the per-runtime
 * backends (`udp_{bun,deno,node}.ts`). A file of their own so the backends
 * need not import the module that loads them.
 *
 * @module
 */

import type { SocketError } from "../errors.ts";

/** Address family of a socket. */
export type IpFamily = "IPv4" | "IPv6";

/** Which implementation carries the datagrams. */
export type UdpBackend = "bun" | "deno" | "node";

/**
 * Called for every datagram received. `data` is only valid during the call:
 * backends may reuse the buffer, so copy what you keep.
 */
export type UdpMessageHandler = (
  data: Uint8Array,
  address: string,
  port: number,
) => void;

/** Options for {@linkcode bindUdp}. */
export interface UdpBindOptions {
  /** Address family; default `"IPv4"`. */
  family?: IpFamily;
  /** Local address; default the wildcard of the family. */
  address?: string;
  /** Local port; default 0 (the OS picks one). */
  port?: number;
  /** Receives every datagram. */
  onMessage: UdpMessageHandler;
  /** Receives asynchronous socket errors; they never throw. */
  onError?: (error: SocketError) => void;
  /** Force a backend; default: the best one available. */
  backend?: UdpBackend;
  /** Maximum sends in flight on asynchronous backends; default 256. */
  maxInFlight?: number;
  /**
   * Bun only: the datagrams sent in one task leave together in one
   * `sendMany` when it ends (a socket that many calls share). `send` then
   * reports refusals later, in the counters. Default false.
   */
  batchSends?: boolean;
}

/** Per-socket counters. */
export interface UdpSocketStats {
  /** Datagrams handed to the OS. */
  sent: number;
  /**
   * Datagrams dropped: sends because the in-flight bound or kernel buffer
   * was full, and (Deno backend) received datagrams over 4 KiB.
   */
  dropped: number;
  /**
   * Sends the OS refused (`EPERM`, `ENOBUFS`, `ENETUNREACH`, `EACCES`, …),
   * whether it said so at once or later: counted, never thrown.
   */
  sendErrors: number;
  /** Datagrams received. */
  received: number;
}

/**
 * Where a send's error is counted besides the socket's own stats — the
 * call that sent it, when several calls share one socket. Passed per send
 * so that nothing is allocated to attribute an asynchronous failure.
 */
export interface SendErrorCounter {
  /** Incremented once per failed send. */
  sendErrors: number;
}

/** A bound UDP socket. */
export interface UdpSocket {
  /** The implementation in use. */
  readonly backend: UdpBackend;
  /** Address family. */
  readonly family: IpFamily;
  /** Bound local address. */
  readonly address: string;
  /** Bound local port. */
  readonly port: number;
  /** Live counters. */
  readonly stats: Readonly<UdpSocketStats>;
  /**
   * Sends `data[0 .. length)` (default all of it) as one datagram. The
   * bytes are consumed before this returns. Returns `false` when the
   * datagram was dropped for back-pressure or refused by the OS; an error
   * reported later is counted in `stats.sendErrors` and in `errors`.
   */
  send(
    data: Uint8Array,
    port: number,
    address: string,
    length?: number,
    errors?: SendErrorCounter,
  ): boolean;
  /**
   * Sends `packets[0 .. count)` to one destination, in one system call where
   * the runtime allows. Returns how many were accepted.
   */
  sendMany(
    packets: readonly Uint8Array[],
    count: number,
    port: number,
    address: string,
  ): number;
  /** Closes the socket; resolves once no operation is pending. Idempotent. */
  close(): Promise<void>;
}

/** @internal What a backend implements; `bindUdp` wraps it. */
export interface UdpBackendSocket {
  readonly address: string;
  readonly port: number;
  send(
    data: Uint8Array,
    port: number,
    address: string,
    length: number,
    errors: SendErrorCounter | undefined,
  ): boolean;
  sendMany(
    packets: readonly Uint8Array[],
    count: number,
    port: number,
    address: string,
  ): number;
  close(): Promise<void>;
}

/** @internal Everything a backend needs from `bindUdp`. */
export interface UdpBackendOptions {
  family: IpFamily;
  address: string;
  port: number;
  maxInFlight: number;
  batchSends: boolean;
  stats: UdpSocketStats;
  onMessage: UdpMessageHandler;
  onError: (error: SocketError) => void;
}
