/**
 * Consent freshness (RFC 7675) on a live transport against libdatachannel:
 * once DTLS is up, the selected pair is checked only every 2–3 s, and
 * libdatachannel's ICE answers those checks, so the call stays connected.
 * Until DTLS is up the agent checks every 2·Ta so a full ICE peer answers
 * fast; a transport that never told its agent DTLS was up kept that pace
 * for the whole call — ten STUN transactions a second per call, each with
 * two HMAC-SHA1s, a third of the JavaScript time of 100 idle calls.
 */
import assert from "node:assert/strict";
import { PeerTransport } from "../../src/transport/peer_transport.ts";
import { test } from "../_support/harness.ts";
import { answeredAudioJoin } from "../_support/libdatachannel_call.ts";

test(
  "transport/libdatachannel: once DTLS is up consent checks slow to keepalives every 2–3 s, answered, and the call stays connected",
  async () => {
    const { credentials, certificate, peer, response } =
      await answeredAudioJoin();
    let transport: PeerTransport | undefined;
    try {
      const states: string[] = [];
      transport = await PeerTransport.open({
        local: { ...credentials, certificate },
        remote: response.transport,
        networkTypes: ["udp4"],
        bindAddress: { udp4: "127.0.0.1" },
        onStateChange: (s) => states.push(s),
      });
      await transport.connected;
      const before = { ...transport.iceStats };
      await new Promise((r) => setTimeout(r, 3500));
      const after = transport.iceStats;
      const sent = after.requestsSent - before.requestsSent;
      const answered = after.responsesReceived - before.responsesReceived;
      // At most the one 2·Ta check armed before DTLS finished, and one or
      // two keepalives (2–3 s apart); at the old pace this was ~35.
      assert.ok(sent >= 1 && sent <= 3, `${sent} checks in 3.5 s`);
      assert.ok(answered >= 1, `${answered} of ${sent} checks answered`);
      assert.equal(transport.state, "connected");
      assert.deepEqual(states, ["connecting", "connected"]);
    } finally {
      await transport?.close();
      await peer.close();
    }
  },
  { timeout: 20_000 },
);
