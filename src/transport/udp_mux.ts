/**
 * One UDP socket (per address family) shared by every call of a client
 * (`sharedUdpMux`): one file descriptor instead of one per call, which is
 * what lets a process hold tens of thousands of calls.
 *
 * Demultiplexing, per datagram:
 * 1. by remote address — each call registers the SFU candidates it talks
 *    to, and any address it sends to;
 * 2. for STUN from an address nobody registered (a peer-reflexive
 *    candidate), by the USERNAME attribute: an incoming Binding request
 *    carries `ourUfrag:theirUfrag` (RFC 8445 §7.2.2), and our ufrag names
 *    the call; the address is then learned.
 *
 * Two calls cannot share one remote address through one local port — the
 * SFU itself tells its clients apart by their address — so a call whose
 * SFU address is already in use gets its own socket instead (`attach`
 * returns `undefined`). The mux survives every call's close and is closed
 * with the client.
 *
 * @module
 */

import { SocketError } from "../errors.ts";
import { stunUsernameHead } from "../stun/username.ts";
import type { UdpSocketStats } from "../runtime/udp.ts";
import {
  bindDatagramPort,
  type BoundDatagramPort,
  type DatagramPort,
  type NetworkType,
  unmappedAddress,
} from "./datagram_port.ts";

/** What a call registers. */
export interface MuxAttachOptions {
  /** Our ICE ufrag for this call. */
  ufrag: string;
  /** Remote candidates. */
  remotes: readonly { address: string; port: number }[];
  /** Receives this call's datagrams. */
  onMessage: (data: Uint8Array, address: string, port: number) => void;
}

interface Entry {
  ufrag: string;
  keys: Set<string>;
  onMessage: MuxAttachOptions["onMessage"];
}

function keyOf(address: string, port: number): string {
  return `${unmappedAddress(address)}|${port}`;
}

/** Options for {@linkcode UdpMux.open}. */
export interface UdpMuxOptions {
  /** Families to bind; default both (IPv6 optional). */
  networkTypes?: readonly NetworkType[];
  /** Bind addresses; default wildcards. */
  bindAddress?: { udp4?: string; udp6?: string };
}

/**
 * Sends in flight on a shared socket (Deno and Node, whose sends complete
 * later; Bun's are synchronous). A call's own socket allows 256; a shared
 * one carries every call's packets of a scheduler pass before any send
 * completes — a 10 ms pass at ~3 µs per packet is some 3,000 — and at the
 * default bound a 1,000-call bench lost two packets in three (measured on
 * Deno and Node: 33 % and 35 % delivered). Slabs are made only as a burst
 * needs them: 2 KiB each, 8 MiB at most.
 */
export const MUX_MAX_IN_FLIGHT = 4096;

/** A shared socket set routing datagrams to calls. */
export class UdpMux {
  #sockets!: BoundDatagramPort;
  readonly #byAddress = new Map<string, Entry>();
  readonly #byUfrag = new Map<string, Entry>();
  #closed = false;
  /** Datagrams no call claimed. */
  unrouted = 0;

  private constructor() {}

  /**
   * Binds the shared sockets.
   *
   * @throws {SocketError} when nothing can be bound.
   */
  static async open(options: UdpMuxOptions = {}): Promise<UdpMux> {
    const mux = new UdpMux();
    mux.#sockets = await bindDatagramPort({
      networkTypes: options.networkTypes,
      bindAddress: options.bindAddress,
      // Every call sends through these sockets: on Bun, what one scheduler
      // pass sends leaves in one sendmmsg(2).
      batchSends: true,
      maxInFlight: MUX_MAX_IN_FLIGHT,
      onMessage: (data, address, port) => mux.#route(data, address, port),
    });
    const { udp4, udp6 } = mux.#sockets.localPorts;
    if (udp4 === undefined && udp6 === undefined) {
      throw new SocketError("No network type to bind the shared UDP mux");
    }
    return mux;
  }

  /** Calls attached. */
  get size(): number {
    return this.#byUfrag.size;
  }

  /**
   * The shared sockets' counters: `dropped` counts sends refused because
   * the in-flight bound was full, which on loopback is where an overloaded
   * process loses packets first.
   */
  get socketStats(): UdpSocketStats {
    return this.#sockets.socketStats();
  }

  /** Local ports. */
  get localPorts(): { udp4?: number; udp6?: number } {
    return { ...this.#sockets.localPorts };
  }

  /**
   * Registers a call. Returns `undefined` when one of its remote addresses
   * already belongs to another call (it then needs its own socket).
   */
  attach(options: MuxAttachOptions): DatagramPort | undefined {
    if (this.#closed) return undefined;
    if (this.#byUfrag.has(options.ufrag)) return undefined;
    const keys = options.remotes.map((r) => keyOf(r.address, r.port));
    if (keys.some((k) => this.#byAddress.has(k))) return undefined;
    const entry: Entry = {
      ufrag: options.ufrag,
      keys: new Set(keys),
      onMessage: options.onMessage,
    };
    for (const k of keys) this.#byAddress.set(k, entry);
    this.#byUfrag.set(options.ufrag, entry);
    let open = true;
    // The route is registered once per remote address, not once per
    // packet: a call sends to one selected pair, so the key (a string built
    // per lookup) is only computed when the destination changes — or while
    // the address still routes to another call, which may release it.
    let routedAddress = "", routedPort = -1;
    return {
      send: (data, address, port, length, errors) => {
        if (!open) return false;
        if (port !== routedPort || address !== routedAddress) {
          const k = keyOf(address, port);
          if (!entry.keys.has(k) && !this.#byAddress.has(k)) {
            entry.keys.add(k);
            this.#byAddress.set(k, entry);
          }
          if (this.#byAddress.get(k) === entry) {
            routedAddress = address;
            routedPort = port;
          }
        }
        return this.#sockets.send(data, address, port, length, errors);
      },
      localPorts: this.localPorts,
      close: () => {
        if (open) {
          open = false;
          for (const k of entry.keys) {
            if (this.#byAddress.get(k) === entry) this.#byAddress.delete(k);
          }
          if (this.#byUfrag.get(entry.ufrag) === entry) {
            this.#byUfrag.delete(entry.ufrag);
          }
        }
        return Promise.resolve();
      },
    };
  }

  /** Closes the sockets. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#byAddress.clear();
    this.#byUfrag.clear();
    await this.#sockets.close();
  }

  #route(data: Uint8Array, address: string, port: number): void {
    const k = keyOf(address, port);
    let entry = this.#byAddress.get(k);
    if (!entry && data.length >= 20 && data[0] < 4) {
      const ufrag = stunUsernameHead(data);
      entry = ufrag === undefined ? undefined : this.#byUfrag.get(ufrag);
      if (entry) {
        entry.keys.add(k);
        this.#byAddress.set(k, entry);
      }
    }
    if (entry) entry.onMessage(data, address, port);
    else this.unrouted++;
  }
}
