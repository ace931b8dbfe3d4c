/** Joins answered by the libdatachannel test peer, for transport tests. */
import {
  type DtlsCertificate,
  generateCertificate,
} from "../../src/dtls/certificate.ts";
import {
  buildJoinPayload,
  randomIceCredentials,
  randomSsrc,
} from "../../src/signaling/join_payload.ts";
import {
  parseJoinResponse,
  type RtcJoinResponse,
} from "../../src/signaling/join_response.ts";
import { LibdatachannelPeer } from "../../src/testing/libdatachannel_peer.ts";
import { PeerTransport } from "../../src/transport/peer_transport.ts";
import type { UdpMux } from "../../src/transport/udp_mux.ts";

/** Video and RTX SSRCs of a join that publishes video. */
export interface VideoSsrcs {
  ssrc: number;
  rtxSsrc: number;
}

/** Our side of a join, before anyone answers it. */
export interface OurJoin {
  /** Our ICE ufrag and pwd. */
  credentials: { ufrag: string; pwd: string };
  /** Our DTLS certificate; its fingerprint is in `join`. */
  certificate: DtlsCertificate;
  /** The audio SSRC. */
  audioSsrc: number;
  /** The join payload (JSON) carrying all of the above. */
  join: string;
}

/**
 * Fresh ICE credentials, certificate and audio SSRC — with `withVideo`,
 * video and RTX SSRCs too — and the join payload carrying them.
 */
export function ourJoin(): OurJoin;
export function ourJoin(withVideo: true): OurJoin & { video: VideoSsrcs };
export function ourJoin(withVideo = false): OurJoin & { video?: VideoSsrcs } {
  const credentials = randomIceCredentials();
  const certificate = generateCertificate();
  const audioSsrc = randomSsrc();
  const video = withVideo
    ? { ssrc: randomSsrc(), rtxSsrc: randomSsrc() }
    : undefined;
  const join = buildJoinPayload({
    ...credentials,
    fingerprint: certificate.fingerprint,
    audioSsrc,
    video,
  });
  return { credentials, certificate, audioSsrc, video, join };
}

/**
 * Builds our credentials and an audio-only join payload, has libdatachannel
 * answer it, and parses the answer. `fingerprintOverride` replaces the
 * server fingerprint we will expect (to test refusal).
 */
export async function answeredAudioJoin(fingerprintOverride?: string) {
  const { credentials, certificate, audioSsrc, join } = ourJoin();
  const peer = await LibdatachannelPeer.answer(join);
  const response = parseJoinResponse(peer.answerJson) as RtcJoinResponse;
  if (fingerprintOverride) {
    response.transport.fingerprints = [{
      hash: "sha-256",
      fingerprint: fingerprintOverride,
    }];
  }
  return { credentials, certificate, audioSsrc, peer, response };
}

/** Anything that answers a join payload for peer `i` (the bench's peer hosts). */
export interface JoinAnswerer {
  answerJoin(i: number, join: string): Promise<string>;
}

/** One of our transports, connected to a libdatachannel peer. */
export interface LoopbackCall {
  transport: PeerTransport;
  audioSsrc: number;
  answer: RtcJoinResponse;
}

/**
 * Joins peer `i` of `hosts` with an audio-only payload and opens our
 * transport to it on udp4 loopback (through `mux` when given); resolves
 * once it is connected, and closes it if it never is.
 */
export async function openLoopbackCall(
  hosts: JoinAnswerer,
  i: number,
  mux?: UdpMux,
): Promise<LoopbackCall> {
  const { credentials, certificate, audioSsrc, join } = ourJoin();
  const answer = parseJoinResponse(
    await hosts.answerJoin(i, join),
  ) as RtcJoinResponse;
  const transport = await PeerTransport.open({
    local: { ...credentials, certificate },
    remote: answer.transport,
    networkTypes: ["udp4"],
    bindAddress: { udp4: "127.0.0.1" },
    mux,
  });
  try {
    await transport.connected;
  } catch (error) {
    await transport.close();
    throw error;
  }
  return { transport, audioSsrc, answer };
}
