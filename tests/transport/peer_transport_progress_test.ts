/**
 * A connect that never completes says where it stopped: the transport's
 * progress line names the ICE or DTLS step it waits on and what was sent
 * and answered. Checked in words for each stage, then live against
 * libdatachannel: through a relay that drops the peer's DTLS, ICE
 * connects and the line says the ClientHello went unanswered.
 */
import assert from "node:assert/strict";
import { startUdpRelay } from "../../src/testing/udp_relay.ts";
import { PeerTransport } from "../../src/transport/peer_transport.ts";
import { describeProgress } from "../../src/transport/progress.ts";
import { test } from "../_support/harness.ts";
import { answeredAudioJoin } from "../_support/libdatachannel_call.ts";

const iceStats = {
  requestsSent: 40,
  responsesReceived: 0,
  requestsAnswered: 2,
  dropped: 1,
};

test("progress: each stage reads as the step awaited and the counts", () => {
  assert.equal(
    describeProgress({ ice: "checking", iceStats, candidates: 2 }),
    "ICE checking 2 candidates: 40 checks sent, 0 answered, 2 peer checks answered, 1 STUN dropped",
  );
  const pair = { address: "10.0.0.1", port: 5000, rttMs: 1.6 };
  const connected = { ice: "connected" as const, iceStats, candidates: 1 };
  assert.match(
    describeProgress({ ...connected, pair }),
    /^ICE connected via 10\.0\.0\.1:5000 \(rtt 2 ms; 40 checks sent.*\); DTLS not started$/,
  );
  assert.match(
    describeProgress({
      ...connected,
      pair,
      dtls: {
        state: "handshaking",
        step: "finished",
        flightsSent: 7,
        received: 1,
      },
    }),
    /; DTLS awaiting the server's finished: 7 flights sent, 1 datagrams received$/,
  );
  assert.match(
    describeProgress({
      ...connected,
      pair,
      dtls: {
        state: "failed",
        step: "serverHello",
        flightsSent: 3,
        received: 0,
      },
    }),
    /; DTLS failed$/,
  );
});

test(
  "progress/libdatachannel: the peer's DTLS lost on the way → ICE connected, DTLS awaiting serverHello, ClientHellos resent, none answered",
  async () => {
    const { credentials, certificate, peer, response } =
      await answeredAudioJoin();
    const target = response.transport.candidates.find((c) =>
      !c.address.includes(":")
    )!;
    // RFC 7983: first byte 20–63 is DTLS; STUN (0–3) still passes.
    const relay = await startUdpRelay(target, {
      dropIf: (d, direction) =>
        direction === "down" && d[0] >= 20 && d[0] <= 63,
    });
    let transport: PeerTransport | undefined;
    try {
      transport = await PeerTransport.open({
        local: { ...credentials, certificate },
        remote: {
          ...response.transport,
          candidates: [{ ...target, address: "127.0.0.1", port: relay.port }],
        },
        networkTypes: ["udp4"],
        bindAddress: { udp4: "127.0.0.1" },
      });
      const before = transport.describeProgress();
      assert.match(before, /^ICE checking 1 candidate: /);
      await new Promise((r) => setTimeout(r, 1500));
      const line = transport.describeProgress();
      const m = line.match(
        /^ICE connected via 127\.0\.0\.1:(\d+) .*; DTLS awaiting the server's serverHello: (\d+) flights sent, 0 datagrams received$/,
      );
      assert.ok(m, line);
      assert.equal(Number(m[1]), relay.port);
      assert.ok(Number(m[2]) >= 2, `ClientHello resent: ${line}`);
      assert.ok(relay.counts.downDropped > 0, "the peer did answer");
      assert.equal(transport.state, "connecting");
    } finally {
      await transport?.close();
      await relay.close();
      await peer.close();
    }
  },
  { timeout: 20_000 },
);
