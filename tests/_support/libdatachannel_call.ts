/** An audio-only join answered by the libdatachannel test peer, for transport tests. */
import { generateCertificate } from "../../src/dtls/certificate.ts";
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

/**
 * Builds our credentials and join payload, has libdatachannel answer it, and
 * parses the answer. `fingerprintOverride` replaces the server fingerprint
 * we will expect (to test refusal).
 */
export async function answeredAudioJoin(fingerprintOverride?: string) {
  const credentials = randomIceCredentials();
  const certificate = generateCertificate();
  const audioSsrc = randomSsrc();
  const peer = await LibdatachannelPeer.answer(
    buildJoinPayload({
      ...credentials,
      fingerprint: certificate.fingerprint,
      audioSsrc,
    }),
  );
  const response = parseJoinResponse(peer.answerJson) as RtcJoinResponse;
  if (fingerprintOverride) {
    response.transport.fingerprints = [{
      hash: "sha-256",
      fingerprint: fingerprintOverride,
    }];
  }
  return { credentials, certificate, audioSsrc, peer, response };
}
