/**
 * Which JavaScript runtime we run on, decided once by feature detection.
 *
 * The rest of `src/runtime` reads the Deno and Bun globals through the small
 * structural types below, so the package type-checks under `deno check`,
 * `tsc` (Node) and Bun alike without ambient declarations of either global.
 *
 * @module
 */

/** The runtimes tgcall supports. */
export type RuntimeName = "deno" | "bun" | "node";

/** Minimal view of `Deno.DatagramConn` (unstable; needs `--unstable-net`). */
export interface DenoDatagramConn {
  readonly addr: { hostname: string; port: number };
  send(data: Uint8Array, addr: DenoNetAddr): Promise<number>;
  receive(buf?: Uint8Array): Promise<[Uint8Array, DenoNetAddr]>;
  close(): void;
}

/** Minimal view of `Deno.NetAddr`. */
export interface DenoNetAddr {
  transport: "udp";
  hostname: string;
  port: number;
}

/** Minimal view of `Deno.ChildProcess`. */
export interface DenoChildProcess {
  readonly pid: number;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly status: Promise<{ code: number; signal: string | null }>;
  kill(signal?: string): void;
}

/** The parts of the `Deno` namespace tgcall uses. */
export interface DenoGlobal {
  readonly version: { deno: string };
  listenDatagram?: (options: {
    transport: "udp";
    hostname: string;
    port: number;
  }) => DenoDatagramConn;
  Command: new (command: string, options: {
    args: string[];
    cwd?: string;
    env?: Record<string, string>;
    stdin: "null";
    stdout: "piped" | "null";
    stderr: "piped";
    detached: boolean;
  }) => { spawn(): DenoChildProcess };
  kill(pid: number, signal: string): void;
  permissions?: {
    querySync?(descriptor: { name: "read"; path: string }): {
      state: string;
    };
  };
  addSignalListener?: (signal: string, handler: () => void) => void;
}

/** Minimal view of a Bun UDP socket (`Bun.udpSocket`). */
export interface BunUdpSocket {
  readonly hostname: string;
  readonly port: number;
  readonly address: { address: string; port: number; family: string };
  send(data: Uint8Array, port: number, address: string): boolean;
  sendMany(packets: readonly (Uint8Array | number | string)[]): number;
  close(): void;
}

/** Minimal view of a Bun subprocess (`Bun.spawn`). */
export interface BunSubprocess {
  readonly pid: number;
  readonly stdout: ReadableStream<Uint8Array> | null | undefined | number;
  readonly stderr: ReadableStream<Uint8Array> | null | undefined | number;
  readonly exited: Promise<number>;
  readonly exitCode: number | null;
  readonly signalCode: string | null;
  kill(signal?: string | number): void;
}

/** The parts of the `Bun` namespace tgcall uses. */
export interface BunGlobal {
  readonly version: string;
  udpSocket(options: {
    hostname: string;
    port: number;
    binaryType: "uint8array";
    socket: {
      data(
        socket: BunUdpSocket,
        data: Uint8Array,
        port: number,
        address: string,
      ): void;
      drain?(socket: BunUdpSocket): void;
      error?(socket: BunUdpSocket, error: Error): void;
    };
  }): Promise<BunUdpSocket>;
  spawn(
    argv: string[],
    options: {
      cwd?: string;
      env?: Record<string, string>;
      stdin: "ignore";
      stdout: "pipe" | "ignore";
      stderr: "pipe";
      detached: boolean;
    },
  ): BunSubprocess;
}

const globals = globalThis as unknown as { Deno?: DenoGlobal; Bun?: BunGlobal };

/** The `Deno` namespace, or `undefined` outside Deno. */
export const denoGlobal: DenoGlobal | undefined = globals.Deno;

/** The `Bun` namespace, or `undefined` outside Bun. */
export const bunGlobal: BunGlobal | undefined = globals.Bun;

/** The runtime this process runs on. */
export const runtimeName: RuntimeName = bunGlobal
  ? "bun"
  : denoGlobal
  ? "deno"
  : "node";

/** e.g. `"deno 2.9.6"`, `"bun 1.4.5"`, `"node 20.20.2"`. */
export function runtimeVersion(): string {
  if (runtimeName === "bun") return `bun ${bunGlobal!.version}`;
  if (runtimeName === "deno") return `deno ${denoGlobal!.version.deno}`;
  const proc = (globalThis as unknown as {
    process?: { versions?: { node?: string } };
  }).process;
  return `node ${proc?.versions?.node ?? "unknown"}`;
}
