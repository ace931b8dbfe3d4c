/**
 * A fixed pool of send buffers for the asynchronous UDP backends.
 *
 * `node:dgram` and `Deno.DatagramConn.send` read the caller's bytes after
 * `send` returns, so the caller could not reuse its buffer. Copying into a
 * pooled slab keeps the caller's contract simple without a per-packet
 * allocation, and the pool size doubles as the in-flight bound.
 *
 * Each slab carries what one send needs and would otherwise allocate: a
 * view of exactly the payload's length (kept while consecutive payloads
 * have the same length, as a steady audio stream's do) and completion
 * callbacks bound once, which release the slab and count a failure in the
 * socket's stats and the sender's counter.
 *
 * @module
 */

import { copyPayload } from "./copy_payload.ts";
import type {
  SendErrorCounter,
  UdpBackendSocket,
  UdpSocketStats,
} from "./udp_types.ts";

/** Slab size: comfortably above the 1200-byte media MTU and DTLS flights. */
const SLAB_BYTES = 2048;

/** @internal One send buffer and its completion callbacks. */
export interface Slab {
  /** The slab's memory. */
  readonly bytes: Uint8Array;
  /** `bytes[0 .. length)` of the current payload. */
  view: Uint8Array;
  /** Where this send's failure is also counted. */
  errors: SendErrorCounter | undefined;
  /** Success: releases the slab (a promise's fulfilment handler). */
  readonly sent: () => void;
  /** Failure: counts it and releases the slab (a rejection handler). */
  readonly failed: (error: unknown) => void;
  /** Node-style completion: `(error) => …`. */
  readonly done: (error: unknown) => void;
}

/** @internal */
export class SlabPool {
  readonly #free: Slab[] = [];
  #inFlight = 0;
  #closed = false;
  #idle: (() => void) | undefined;

  /**
   * @param capacity Sends allowed in flight.
   * @param stats The socket's counters; failures land in `sendErrors`,
   *   sends refused for a full pool in `dropped`.
   */
  constructor(readonly capacity: number, readonly stats: UdpSocketStats) {}

  /** Sends currently holding a slab. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Whether {@linkcode close} was called: the socket takes no more sends. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Copies `data[0 .. length)` to the start of a free slab and returns it
   * (its `view` is the payload), or `undefined` when the socket is closed
   * or when `capacity` sends are already in flight: the latter is dropped
   * for back-pressure and counted in the socket's `dropped`.
   */
  acquire(
    data: Uint8Array,
    length: number,
    errors: SendErrorCounter | undefined,
  ): Slab | undefined {
    if (this.#closed) return undefined;
    if (this.#inFlight >= this.capacity) {
      this.stats.dropped++;
      return undefined;
    }
    this.#inFlight++;
    const slab = length > SLAB_BYTES
      ? this.#slab(new Uint8Array(length))
      : this.#free.pop() ?? this.#slab(new Uint8Array(SLAB_BYTES));
    const bytes = slab.bytes;
    copyPayload(bytes, 0, bytes.length, data, length);
    if (slab.view.length !== length) slab.view = bytes.subarray(0, length);
    slab.errors = errors;
    return slab;
  }

  /** Returns a slab whose send was never started. */
  release(slab: Slab): void {
    slab.errors = undefined;
    this.#inFlight--;
    if (slab.bytes.length === SLAB_BYTES) this.#free.push(slab);
    if (this.#inFlight === 0 && this.#idle) {
      const idle = this.#idle;
      this.#idle = undefined;
      idle();
    }
  }

  /** Refuses further sends; resolves once no send holds a slab. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#idle;
      this.#idle = () => {
        previous?.();
        resolve();
      };
    });
  }

  #slab(bytes: Uint8Array): Slab {
    const failed = () => {
      this.stats.sendErrors++;
      if (slab.errors) slab.errors.sendErrors++;
      this.release(slab);
    };
    const slab: Slab = {
      bytes,
      view: bytes.subarray(0, 0),
      errors: undefined,
      sent: () => this.release(slab),
      failed,
      done: (error) => error ? failed() : this.release(slab),
    };
    return slab;
  }
}

/**
 * @internal Starts one send of `slab.view`; its completion must call one of
 * the slab's handlers. A synchronous throw counts as a failed send.
 */
export type StartSend = (slab: Slab, port: number, address: string) => void;

/**
 * @internal `send` and `sendMany` of a backend whose sends complete later:
 * each payload is copied into a slab of `pool` (a full pool drops it), and
 * `start` hands the slab to the runtime. These runtimes have no batch
 * send, so `sendMany` is one `send` per packet.
 */
export function pooledSends(
  pool: SlabPool,
  start: StartSend,
): Pick<UdpBackendSocket, "send" | "sendMany"> {
  const { stats } = pool;
  const send: UdpBackendSocket["send"] = (
    data,
    port,
    address,
    length,
    errors,
  ) => {
    const slab = pool.acquire(data, length, errors);
    if (!slab) return false;
    try {
      start(slab, port, address);
    } catch {
      slab.failed(undefined);
      return false;
    }
    stats.sent++;
    return true;
  };
  const sendMany: UdpBackendSocket["sendMany"] = (
    packets,
    count,
    port,
    address,
  ) => {
    let accepted = 0;
    for (let i = 0; i < count; i++) {
      const data = packets[i];
      if (send(data, port, address, data.length, undefined)) accepted++;
    }
    return accepted;
  };
  return { send, sendMany };
}
