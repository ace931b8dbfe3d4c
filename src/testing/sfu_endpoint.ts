/**
 * One participant's connection on the stand-in SFU: a libdatachannel peer
 * answering its join payload, a UDP relay in front of it (the answer's only
 * candidate is the relay, so blackouts and restarts on new ports can be
 * injected), live statistics, and the received media for recordings.
 *
 * @module
 */

import { SocketError } from "../errors.ts";
import { LibdatachannelPeer } from "./libdatachannel_peer.ts";
import { type RelayTarget, startUdpRelay, type UdpRelay } from "./udp_relay.ts";
import { type JoinPayload, parseJoinPayload } from "./telegram_sdp.ts";
import {
  type AudioStats,
  EndpointStats,
  type VideoStats,
} from "./endpoint_stats.ts";
import { buildRecording, type Recording } from "./recording.ts";
import { writeNack, writePli } from "./rtcp_feedback.ts";

/** The SSRC the stand-in SFU signs its feedback with. */
const SFU_SSRC = 1;

/**
 * A relay to `target` whose port is not in `avoid`: one that lands on an
 * avoided port is kept open while the next is bound, so the kernel cannot
 * hand the same port back.
 */
async function relayAvoiding(
  target: RelayTarget,
  bindAddress: string,
  avoid: ReadonlySet<number> = new Set(),
): Promise<UdpRelay> {
  const spares: UdpRelay[] = [];
  try {
    for (;;) {
      const relay = await startUdpRelay(target, { bindAddress });
      if (!avoid.has(relay.port)) return relay;
      spares.push(relay);
    }
  } finally {
    await Promise.all(spares.map((r) => r.close()));
  }
}

/** Options for {@linkcode SfuEndpoint.open}. */
export interface SfuEndpointOptions {
  /** IPv4 address the peer and relay bind; default `"127.0.0.1"`. */
  bindAddress?: string;
  /** Start with the relay dropping everything. */
  blackout?: boolean;
  /** A screen-sharing connection: the answer has no `audio` section. */
  presentation?: boolean;
  /**
   * Relay ports not to answer from (an SFU back from a restart is on new
   * ones); default none.
   */
  avoidPorts?: ReadonlySet<number>;
}

/** Live statistics of one participant's connection, as the SFU sees it. */
export interface ParticipantView {
  /** Its audio source (unsigned), the `groupCallParticipant.source`. */
  source: number;
  /** The ICE ufrag of its join payload. */
  ufrag: string;
  /** The DTLS fingerprint of its join payload. */
  fingerprint: string;
  /** When the SFU answered the join (`Date.now()` ms). */
  joinedAt: number;
  /** libdatachannel's connection state: `"connecting"`, `"connected"`, `"closed"`, … */
  state: string;
  /** Whether this is a presentation (screen-sharing) connection. */
  presentation: boolean;
  /** The relay port its answer advertised. */
  port: number;
  /** Audio counters. */
  audio: AudioStats;
  /** Video counters. */
  video: VideoStats;
}

/** One participant's connection on the stand-in SFU. */
export class SfuEndpoint {
  /** The join payload it answered. */
  readonly join: JoinPayload;
  /** The join response JSON, its candidate pointing at the relay. */
  readonly answerJson: string;
  /** When the join was answered (`Date.now()` ms). */
  readonly joinedAt: number = Date.now();
  /** Whether this is a presentation connection. */
  readonly presentation: boolean;
  readonly #peer: LibdatachannelPeer;
  readonly #relay: UdpRelay;
  readonly #stats: EndpointStats;
  #closing: Promise<void> | undefined;

  private constructor(
    join: JoinPayload,
    answer: string,
    presentation: boolean,
    peer: LibdatachannelPeer,
    relay: UdpRelay,
    stats: EndpointStats,
  ) {
    this.join = join;
    this.answerJson = answer;
    this.presentation = presentation;
    this.#peer = peer;
    this.#relay = relay;
    this.#stats = stats;
  }

  /**
   * Answers a join payload: starts the peer and its relay. Throws
   * {@linkcode InvalidParamsError} for a malformed payload.
   */
  static async open(
    joinJson: string,
    options: SfuEndpointOptions = {},
  ): Promise<SfuEndpoint> {
    const join = parseJoinPayload(joinJson);
    const bindAddress = options.bindAddress ?? "127.0.0.1";
    const stats = new EndpointStats({
      audio: join.audioSsrc,
      video: join.video,
    });
    const peer = await LibdatachannelPeer.answer(joinJson, {
      bindAddress,
      onRtp: (rtp) => stats.onRtp(rtp.packet, rtp.at),
      onRtcp: (_kind, packet) => stats.onRtcp(packet),
    });
    let relay: UdpRelay;
    try {
      const answer = JSON.parse(peer.answerJson);
      const candidate = answer.transport.candidates.find((
        c: { ip: string },
      ) => !c.ip.includes(":"));
      if (!candidate) {
        throw new SocketError(
          `libdatachannel has no IPv4 candidate on ${bindAddress}`,
        );
      }
      relay = await relayAvoiding(
        { address: candidate.ip, port: Number(candidate.port) },
        bindAddress,
        options.avoidPorts,
      );
      relay.blackout = options.blackout ?? false;
      // Telegram's SFU advertises one address; ours is the relay's.
      answer.transport.candidates = [{
        ...candidate,
        ip: bindAddress,
        port: String(relay.port),
        id: "c0",
      }];
      if (options.presentation) delete answer.audio;
      return new SfuEndpoint(
        join,
        JSON.stringify(answer),
        options.presentation ?? false,
        peer,
        relay,
        stats,
      );
    } catch (error) {
      await peer.close();
      throw error;
    }
  }

  /** Its audio source (unsigned). */
  get source(): number {
    return this.join.audioSsrc;
  }

  /** Whether it was closed. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Drops every datagram both ways while on. */
  set blackout(on: boolean) {
    this.#relay.blackout = on;
  }

  /** Whether datagrams are being dropped. */
  get blackout(): boolean {
    return this.#relay.blackout;
  }

  /** A snapshot of its statistics. */
  view(): ParticipantView {
    return {
      source: this.join.audioSsrc,
      ufrag: this.join.ufrag,
      fingerprint: this.join.fingerprint,
      joinedAt: this.joinedAt,
      state: this.#peer.state,
      presentation: this.presentation,
      port: this.#relay.port,
      audio: this.#stats.audio(performance.now()),
      video: this.#stats.video(),
    };
  }

  /** Sends a PLI for its video source; false without video or connection. */
  requestKeyframe(): boolean {
    const video = this.join.video;
    if (!video || this.closed) return false;
    return this.#peer.sendRtcp("video", writePli(SFU_SSRC, video.ssrc));
  }

  /** Sends a Generic NACK for `sequences` of its video source. */
  requestNack(sequences: readonly number[]): boolean {
    const video = this.join.video;
    if (!video || this.closed || sequences.length === 0) return false;
    return this.#peer.sendRtcp(
      "video",
      writeNack(SFU_SSRC, video.ssrc, sequences),
    );
  }

  /** Its received media as Ogg / IVF. */
  recording(): Recording {
    return buildRecording(
      this.#peer.received.map((r) => r.packet),
      { audio: this.join.audioSsrc, video: this.join.video },
    );
  }

  /** Closes the peer and the relay; idempotent. */
  close(): Promise<void> {
    return this.#closing ??= Promise.all([
      this.#peer.close(),
      this.#relay.close(),
    ]).then(() => {});
  }
}
