/**
 * A fixed pool of send buffers for the asynchronous UDP backends.
 *
 * `node:dgram` and `Deno.DatagramConn.send` read the caller's bytes after
 * `send` returns, so the caller could not reuse its buffer. Copying into a
 * pooled slab keeps the caller's contract simple without a per-packet
 * allocation, and the pool size doubles as the in-flight bound.
 *
 * @module
 */

/** Slab size: comfortably above the 1200-byte media MTU and DTLS flights. */
const SLAB_BYTES = 2048;

/** @internal */
export class SlabPool {
  readonly #free: Uint8Array[] = [];
  #inFlight = 0;
  #idle: (() => void) | undefined;

  constructor(readonly capacity: number) {}

  /** Sends currently holding a slab. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Copies `data` to the start of a free slab and returns the slab (the
   * payload is its first `data.length` bytes), or `undefined` when
   * `capacity` sends are already in flight.
   */
  acquire(data: Uint8Array): Uint8Array | undefined {
    if (this.#inFlight >= this.capacity) return undefined;
    this.#inFlight++;
    if (data.length > SLAB_BYTES) return data.slice();
    const slab = this.#free.pop() ?? new Uint8Array(SLAB_BYTES);
    slab.set(data);
    return slab;
  }

  /** Returns a slab obtained from {@linkcode acquire}. */
  release(slab: Uint8Array): void {
    this.#inFlight--;
    if (slab.length === SLAB_BYTES) this.#free.push(slab);
    if (this.#inFlight === 0 && this.#idle) {
      const idle = this.#idle;
      this.#idle = undefined;
      idle();
    }
  }

  /** Resolves when no send holds a slab. */
  drained(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#idle;
      this.#idle = () => {
        previous?.();
        resolve();
      };
    });
  }
}
