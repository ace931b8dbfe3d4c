/**
 * A stand-in for Telegram's group-call SFU built on libdatachannel (npm
 * `node-datachannel`): an implementation nobody here wrote, so what it
 * decrypts proves our ICE, DTLS and SRTP on the wire.
 *
 * It speaks Telegram's JSON in both directions ({@link ./telegram_sdp.ts}):
 * our join payload becomes an SDP offer for libdatachannel, and its answer
 * becomes a join response shaped like `updateGroupCallConnection.params.data`.
 *
 * Testing only (`@x/tgcall/testing`): the core never imports it.
 *
 * @module
 */

import nodeDataChannel from "node-datachannel";
import type { StreamType } from "../media/kind.ts";
import { answerJson, offerSdp, parseJoinPayload } from "./telegram_sdp.ts";

const { PeerConnection, RtcpReceivingSession } = nodeDataChannel;
type PC = InstanceType<typeof PeerConnection>;
type Track = ReturnType<PC["addTrack"]>;

/** Options for {@linkcode LibdatachannelPeer.answer}. */
export interface LibdatachannelPeerOptions {
  /** Loopback address libdatachannel binds; default `"127.0.0.1"`. */
  bindAddress?: string;
  /** Opus payload type; default 111. */
  audioPayloadType?: number;
  /** VP8 payload type; default 100 (RTX 101). */
  videoPayloadType?: number;
  /**
   * Attach libdatachannel's RtcpReceivingSession so it answers our Sender
   * Reports with Receiver Reports. Off by default: with many peers created
   * and closed in one Node process it has been seen to hang the process.
   */
  receiverReports?: boolean;
  /** Sees every decrypted RTP packet as it arrives. */
  onRtp?: (rtp: ReceivedRtp) => void;
  /** Sees every decrypted RTCP compound packet (our Sender Reports). */
  onRtcp?: (kind: StreamType, packet: Uint8Array) => void;
  /** Keep every packet in {@linkcode LibdatachannelPeer.received}; default true. */
  keepReceived?: boolean;
}

/** One RTP (or RTCP) packet libdatachannel decrypted. */
export interface ReceivedRtp {
  /** `"audio"` or `"video"`, by the m-line it arrived on. */
  kind: StreamType;
  /** The plain packet. */
  packet: Uint8Array;
  /** Arrival time (performance.now()). */
  at: number;
}

/**
 * A libdatachannel peer answering one join payload.
 *
 * @example
 * ```ts
 * import { LibdatachannelPeer } from "./libdatachannel_peer.ts";
 * import { Client } from "../../mod.ts";
 *
 * await using client = await Client.create({ networkTypes: ["udp4"], bindAddress: { udp4: "127.0.0.1" } });
 * const peer = await LibdatachannelPeer.answer(await client.createCall(1, { video: false }));
 * await client.connect(1, peer.answerJson);
 * await peer.waitForState("connected");
 * await peer.close();
 * LibdatachannelPeer.releaseIfIdle(); // let the process exit
 * ```
 */
export class LibdatachannelPeer {
  /** The join response JSON to hand to `connect`. */
  readonly answerJson: string;
  /** Every RTP packet received, decrypted, in arrival order. */
  readonly received: ReceivedRtp[] = [];
  /**
   * Every compound RTCP packet the tracks surfaced (our Sender Reports with
   * their SDES), decrypted, in arrival order.
   */
  readonly receivedRtcp: ReceivedRtp[] = [];
  readonly #pc: PC;
  readonly #tracks: Track[] = [];
  #state = "new";
  #closed = false;
  #waiters: (() => void)[] = [];
  static #open = 0;

  private constructor(pc: PC, answer: string) {
    this.#pc = pc;
    this.answerJson = answer;
  }

  /**
   * Peers answered and not yet closed, process-wide: a leak check for
   * tests (0 once everything was closed).
   */
  static get openPeers(): number {
    return LibdatachannelPeer.#open;
  }

  /**
   * Stops libdatachannel's threads once no peer is open, so the process
   * can exit (its native threads otherwise keep it alive). A later
   * `answer` starts them again. Returns whether it stopped them.
   */
  static releaseIfIdle(): boolean {
    if (LibdatachannelPeer.#open > 0) return false;
    // Under Bun, libdatachannel used again after cleanup() in the same
    // process has crashed it (a segfault in a full `bun test` run), and Bun
    // needs no cleanup to exit: keep its threads.
    if (!("Bun" in globalThis)) nodeDataChannel.cleanup();
    return true;
  }

  /** libdatachannel's peer-connection state. */
  get state(): string {
    return this.#state;
  }

  /** Answers a join payload; resolves once candidates are gathered. */
  static answer(
    joinPayload: string,
    options: LibdatachannelPeerOptions = {},
  ): Promise<LibdatachannelPeer> {
    const join = parseJoinPayload(joinPayload);
    const audioPt = options.audioPayloadType ?? 111;
    const videoPt = options.videoPayloadType ?? 100;
    const pc = new PeerConnection("tgcall-test-sfu", {
      iceServers: [],
      bindAddress: options.bindAddress ?? "127.0.0.1",
    });
    let peer: LibdatachannelPeer | undefined;
    const early: (() => void)[] = [];
    pc.onStateChange((state) => {
      if (!peer) {
        early.push(() => peer!.#setState(state));
        return;
      }
      peer.#setState(state);
    });
    const pendingTracks: Track[] = [];
    pc.onTrack((track) => {
      const kind: ReceivedRtp["kind"] = track.mid() === "1" ? "video" : "audio";
      const keep = options.keepReceived ?? true;
      const sink = (msg: Uint8Array) => {
        const packet = new Uint8Array(msg);
        if (packet.length < 2) return;
        // Tracks also surface RTCP, told apart by packet type (RFC 5761 §4).
        if (packet[1] >= 192 && packet[1] <= 223) {
          if (keep) {
            peer?.receivedRtcp.push({ kind, packet, at: performance.now() });
          }
          options.onRtcp?.(kind, packet);
          return;
        }
        const rtp: ReceivedRtp = { kind, packet, at: performance.now() };
        if (keep) peer?.received.push(rtp);
        options.onRtp?.(rtp);
      };
      // libdatachannel's receiving session answers our SRs with Receiver
      // Reports (and REMB), which exercises our SRTCP receive path.
      if (options.receiverReports) {
        track.setMediaHandler(new RtcpReceivingSession());
      }
      track.onMessage(sink);
      pendingTracks.push(track);
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pc.close();
        reject(new Error("libdatachannel did not finish gathering"));
      }, 5000);
      pc.onGatheringStateChange((state) => {
        if (state !== "complete") return;
        clearTimeout(timer);
        const local = pc.localDescription();
        if (!local) {
          pc.close();
          reject(new Error("libdatachannel produced no answer"));
          return;
        }
        peer = new LibdatachannelPeer(
          pc,
          answerJson(local.sdp, join, audioPt, videoPt),
        );
        peer.#tracks.push(...pendingTracks);
        LibdatachannelPeer.#open++;
        for (const f of early) f();
        resolve(peer);
      });
      try {
        pc.setRemoteDescription(offerSdp(join, audioPt, videoPt), "offer");
      } catch (error) {
        clearTimeout(timer);
        pc.close();
        reject(error);
      }
    });
  }

  #setState(state: string): void {
    this.#state = state;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when the state becomes `state`; rejects after `ms`. */
  async waitForState(state: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.#state !== state) {
      if (Date.now() > deadline) {
        throw new Error(
          `libdatachannel stayed "${this.#state}", wanted "${state}"`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves once at least `count` packets of `kind` arrived. */
  async waitForPackets(
    kind: StreamType,
    count: number,
    ms = 5000,
  ): Promise<ReceivedRtp[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const got = this.received.filter((r) => r.kind === kind);
      if (got.length >= count) return got;
      if (Date.now() > deadline) {
        throw new Error(
          `libdatachannel received ${got.length} of ${count} ${kind} packets`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Asks our sender for a keyframe: libdatachannel sends an RTCP PLI on the
   * video track. Needs `receiverReports: true` (the RTCP session sends it).
   * Returns whether a video track took the request.
   */
  requestKeyframe(): boolean {
    const video = this.#tracks.find((t) => t.mid() === "1");
    try {
      return video?.requestKeyframe() ?? false;
    } catch {
      return false;
    }
  }

  /**
   * Sends an RTCP packet we built (PLI, NACK) on the `kind` track;
   * libdatachannel protects it as SRTCP. Returns whether it was sent.
   */
  sendRtcp(kind: StreamType, packet: Uint8Array): boolean {
    const track = this.#tracks.find((t) =>
      t.mid() === (kind === "video" ? "1" : "0")
    );
    if (!track || this.#closed || this.#state !== "connected") return false;
    try {
      return track.sendMessageBinary(
        packet as unknown as Parameters<Track["sendMessageBinary"]>[0],
      );
    } catch {
      return false;
    }
  }

  /**
   * Closes the peer connection and waits until libdatachannel reports it
   * closed, so no native callback fires after the caller moves on (under
   * Deno a late callback into a finished test file's isolate panics).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    LibdatachannelPeer.#open--;
    for (const t of this.#tracks) {
      try {
        t.close();
      } catch { /* already closed */ }
    }
    this.#pc.close();
    try {
      await this.waitForState("closed", 2000);
    } catch { /* never connected: libdatachannel may stay "new" */ }
  }
}
