/**
 * A UDP relay to put in front of a test peer: the client talks to the
 * relay's `front` port, the relay talks to the real peer from its `back`
 * socket. Each direction can drop a share of datagrams at random (loss
 * tests) or everything (`blackout`: an SFU that vanished without a word).
 * The peer sees the back socket as a peer-reflexive address (RFC 8445
 * §7.3.1.3), so ICE still works through it.
 *
 * @module
 */
import { bindUdp, type UdpSocket } from "../runtime/udp.ts";

/** Where a relay forwards to. */
export interface RelayTarget {
  /** The peer's address. */
  address: string;
  /** The peer's port. */
  port: number;
}

/** Options for {@linkcode startUdpRelay}. */
export interface UdpRelayOptions {
  /** Address both sockets bind; default `"127.0.0.1"`. */
  bindAddress?: string;
  /** Share of datagrams dropped each way, 0..1; default 0. */
  loss?: number;
  /** The random source for `loss`; default `Math.random`. */
  random?: () => number;
  /**
   * Drops the datagrams it returns true for, on top of `loss`: a peer
   * that answers ICE but whose DTLS never arrives, say. `up` is client →
   * peer.
   */
  dropIf?: (datagram: Uint8Array, direction: "up" | "down") => boolean;
}

/** Datagrams forwarded and dropped per direction. */
export interface RelayCounts {
  /** Client → peer, forwarded. */
  up: number;
  /** Client → peer, dropped. */
  upDropped: number;
  /** Peer → client, forwarded. */
  down: number;
  /** Peer → client, dropped. */
  downDropped: number;
}

/** A running relay. */
export interface UdpRelay {
  /** Port the client should send to (on the bind address). */
  readonly port: number;
  /** Datagrams forwarded and dropped per direction. */
  readonly counts: RelayCounts;
  /** While true every datagram is dropped, both ways. */
  blackout: boolean;
  /** Closes both sockets; idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a relay to `target`.
 *
 * @example
 * ```ts
 * import { startUdpRelay } from "./udp_relay.ts";
 *
 * const relay = await startUdpRelay({ address: "127.0.0.1", port: 9 });
 * relay.blackout = true; // drop everything from now on
 * await relay.close();
 * ```
 */
export async function startUdpRelay(
  target: RelayTarget,
  options: UdpRelayOptions = {},
): Promise<UdpRelay> {
  const address = options.bindAddress ?? "127.0.0.1";
  const loss = options.loss ?? 0;
  const random = options.random ?? Math.random;
  const counts: RelayCounts = { up: 0, upDropped: 0, down: 0, downDropped: 0 };
  let client: RelayTarget | undefined;
  // The back socket exists only after the front one; the front handler
  // reaches it through this holder.
  const link: { back?: UdpSocket } = {};
  const relay = {
    port: 0,
    counts,
    blackout: false,
    close: () => Promise.resolve(),
  };
  const dropIf = options.dropIf;
  const drop = (data: Uint8Array, direction: "up" | "down") =>
    relay.blackout || (loss > 0 && random() < loss) ||
    (dropIf !== undefined && dropIf(data, direction));
  const front = await bindUdp({
    address,
    onMessage(data, fromAddress, fromPort) {
      client = { address: fromAddress, port: fromPort };
      if (drop(data, "up")) {
        counts.upDropped++;
        return;
      }
      counts.up++;
      link.back?.send(data, target.port, target.address);
    },
  });
  let back: UdpSocket;
  try {
    back = link.back = await bindUdp({
      address,
      onMessage(data) {
        if (!client) return;
        if (drop(data, "down")) {
          counts.downDropped++;
          return;
        }
        counts.down++;
        front.send(data, client.port, client.address);
      },
    });
  } catch (error) {
    await front.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  relay.port = front.port;
  relay.close = () =>
    closing ??= Promise.all([front.close(), back.close()]).then(() => {});
  return relay;
}

/**
 * Starts a relay to `target` dropping `loss` (0..1) of datagrams each way,
 * on 127.0.0.1.
 *
 * @example
 * ```ts
 * import { startLossyRelay } from "./udp_relay.ts";
 *
 * const relay = await startLossyRelay({ address: "127.0.0.1", port: 9 }, 0.1);
 * console.log(relay.counts.upDropped); // 0
 * await relay.close();
 * ```
 */
export function startLossyRelay(
  target: RelayTarget,
  loss: number,
  random: () => number = Math.random,
): Promise<UdpRelay> {
  return startUdpRelay(target, { loss, random });
}
