/**
 * `Bun.udpSocket` backend. Sends are synchronous (the kernel copies the
 * bytes before `send` returns), so no slab copy is needed, and `sendMany`
 * passes a whole burst in one call.
 *
 * A socket bound with `batchSends` (the shared socket of a `UdpMux`, which
 * sends for every call) copies each datagram into a batch and hands the
 * batch to `sendMany` — one `sendmmsg(2)` — when the current task ends
 * (a microtask), so the packets every call sends in one scheduler pass
 * leave in one system call. A socket with one call's traffic gains nothing
 * from it and sends at once.
 *
 * @module
 */

import { SocketError } from "../errors.ts";
import { copyPayload } from "./copy_payload.ts";
import type { BunGlobal, BunUdpSocket } from "./detect.ts";
import type {
  SendErrorCounter,
  UdpBackendOptions,
  UdpBackendSocket,
} from "./udp_types.ts";

/** Datagrams one batch holds; a fuller burst is sent in several. */
const BATCH_PACKETS = 64;
/** Bytes per batch slot: above the media MTU and DTLS flights; larger datagrams go alone. */
const BATCH_SLOT = 2048;

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
  let lastBuffer: Uint8Array | undefined;
  let lastView: Uint8Array = new Uint8Array(0);
  let closed = false;

  /** One datagram now; errors and drops counted, never thrown. */
  function sendNow(
    data: Uint8Array,
    port: number,
    address: string,
    length: number,
    errors: SendErrorCounter | undefined,
  ): boolean {
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
  }

  const batch = options.batchSends
    ? new SendBatch(sendNow, socket, stats)
    : undefined;
  // Bun's unconnected sendMany takes a flat [data, port, address, ...]
  // list; keep one scratch array per socket and overwrite it per burst.
  const flat: (Uint8Array | number | string)[] = [];
  return {
    address: socket.address.address,
    port: socket.port,
    send(data, port, address, length, errors) {
      if (closed) return false;
      if (batch && length <= BATCH_SLOT) {
        batch.add(data, port, address, length, errors);
        return true;
      }
      batch?.flush(); // keeps the order when a large datagram goes alone
      return sendNow(data, port, address, length, errors);
    },
    sendMany(packets, count, port, address) {
      if (closed || count === 0) return 0;
      batch?.flush();
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
        batch?.flush();
        closed = true;
        socket.close();
      }
      return Promise.resolve();
    },
  };
}

/**
 * Datagrams waiting for the end of the current task, copied into one
 * arena (the callers reuse their buffers) with a view per slot kept while
 * the slot's length repeats.
 */
class SendBatch {
  readonly #arena = new Uint8Array(BATCH_PACKETS * BATCH_SLOT);
  readonly #views: Uint8Array[] = [];
  readonly #errors: (SendErrorCounter | undefined)[] = [];
  /** `[view, port, address, ...]`, as `sendMany` takes it. */
  readonly #flat: (Uint8Array | number | string)[] = [];
  #count = 0;

  constructor(
    readonly sendNow: (
      data: Uint8Array,
      port: number,
      address: string,
      length: number,
      errors: SendErrorCounter | undefined,
    ) => boolean,
    readonly socket: BunUdpSocket,
    readonly stats: { sent: number },
  ) {
    for (let i = 0; i < BATCH_PACKETS; i++) {
      this.#views.push(this.#arena.subarray(i * BATCH_SLOT, i * BATCH_SLOT));
      this.#errors.push(undefined);
    }
  }

  add(
    data: Uint8Array,
    port: number,
    address: string,
    length: number,
    errors: SendErrorCounter | undefined,
  ): void {
    const i = this.#count++;
    const arena = this.#arena;
    const at = i * BATCH_SLOT;
    copyPayload(arena, at, BATCH_SLOT, data, length);
    let view = this.#views[i];
    if (view.length !== length) {
      this.#views[i] = view = arena.subarray(at, at + length);
    }
    const flat = this.#flat;
    flat[3 * i] = view;
    flat[3 * i + 1] = port;
    flat[3 * i + 2] = address;
    this.#errors[i] = errors;
    if (i === 0) queueMicrotask(this.flush);
    else if (i + 1 === BATCH_PACKETS) this.flush();
  }

  /** Sends what waits; a no-op when nothing does. */
  readonly flush = (): void => {
    const count = this.#count;
    if (count === 0) return;
    this.#count = 0;
    const flat = this.#flat;
    let accepted = 0;
    if (count > 1) {
      if (flat.length !== 3 * count) flat.length = 3 * count;
      try {
        accepted = this.socket.sendMany(flat);
      } catch {
        // sendmmsg(2) fails outright only when its first datagram does.
      }
      this.stats.sent += accepted;
    }
    // sendmmsg stops at the first datagram the kernel refuses: the rest go
    // one by one, so that each drop or error lands on its own sender.
    for (let i = accepted; i < count; i++) {
      const view = this.#views[i];
      this.sendNow(
        view,
        flat[3 * i + 1] as number,
        flat[3 * i + 2] as string,
        view.length,
        this.#errors[i],
      );
    }
    this.#errors.fill(undefined, 0, count);
  };
}
