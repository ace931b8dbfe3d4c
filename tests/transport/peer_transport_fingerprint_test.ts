/**
 * A wrong remote fingerprint refuses the handshake against libdatachannel,
 * and no SRTP is ever sent.
 */
import assert from "node:assert/strict";
import { PeerTransport } from "../../src/transport/peer_transport.ts";
import { generateCertificate } from "../../src/dtls/certificate.ts";
import { Alert, DtlsError } from "../../src/dtls/errors.ts";
import { answeredAudioJoin } from "../_support/libdatachannel_call.ts";
import { test } from "../_support/harness.ts";

test("transport/libdatachannel: a wrong fingerprint refuses the handshake and no SRTP is sent", async () => {
  const { credentials, certificate, audioSsrc, peer, response } =
    await answeredAudioJoin(
      generateCertificate().fingerprint,
    );
  let transport: PeerTransport | undefined;
  try {
    transport = await PeerTransport.open({
      local: { ...credentials, certificate },
      remote: response.transport,
      networkTypes: ["udp4"],
      bindAddress: { udp4: "127.0.0.1" },
    });
    await assert.rejects(
      transport.connected,
      (e: unknown) =>
        e instanceof DtlsError && /fingerprint/.test(e.message) &&
        e.alert === Alert.BadCertificate,
    );
    assert.equal(transport.state, "failed");
    const buf = new Uint8Array(200);
    buf.set([
      0x80,
      111,
      0,
      1,
      0,
      0,
      0,
      0,
      audioSsrc >>> 24,
      (audioSsrc >>> 16) & 0xff,
      (audioSsrc >>> 8) & 0xff,
      audioSsrc & 0xff,
    ]);
    assert.equal(transport.sendRtp(buf, 100), false);
    assert.equal(transport.stats.rtpSent, 0);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(peer.received.length, 0);
  } finally {
    await transport?.close();
    await peer.close();
  }
});
