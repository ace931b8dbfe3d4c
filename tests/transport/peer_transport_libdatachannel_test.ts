/**
 * Our ICE + DTLS + SRTP stack against libdatachannel (node-datachannel),
 * with Telegram's JSON in both directions: libdatachannel answers our join
 * payload, we connect from its join response, and the RTP packets we
 * protect arrive at libdatachannel decrypted and byte-identical — for both
 * SRTP profiles.
 */
import assert from "node:assert/strict";
import { PeerTransport } from "../../src/transport/peer_transport.ts";
import { parseJoinResponse } from "../../src/signaling/join_response.ts";
import type { SrtpProfileName } from "../../src/srtp/profile.ts";
import { LibdatachannelPeer } from "../../src/testing/libdatachannel_peer.ts";
import { test } from "../_support/harness.ts";
import { ourJoin } from "../_support/libdatachannel_call.ts";

/** An RTP packet: PT, seq, timestamp, SSRC, then a recognisable payload. */
function rtpPacket(
  pt: number,
  seq: number,
  ts: number,
  ssrc: number,
  payloadLength: number,
): Uint8Array {
  const p = new Uint8Array(12 + payloadLength);
  const v = new DataView(p.buffer);
  p[0] = 0x80;
  p[1] = pt;
  v.setUint16(2, seq);
  v.setUint32(4, ts);
  v.setUint32(8, ssrc);
  for (let i = 0; i < payloadLength; i++) p[12 + i] = (seq * 7 + i) & 0xff;
  return p;
}

for (
  const profile of [
    "AES_CM_128_HMAC_SHA1_80",
    "AEAD_AES_128_GCM",
  ] as SrtpProfileName[]
) {
  test(
    `transport/libdatachannel: ICE + DTLS connect and RTP arrives decrypted and byte-identical (${profile})`,
    async () => {
      const { credentials, certificate, audioSsrc, video, join } = ourJoin(
        true,
      );
      const peer = await LibdatachannelPeer.answer(join);
      let transport: PeerTransport | undefined;
      try {
        const response = parseJoinResponse(peer.answerJson);
        assert.equal(response.mode, "rtc");
        if (response.mode !== "rtc") return;
        const states: string[] = [];
        transport = await PeerTransport.open({
          local: { ...credentials, certificate },
          remote: response.transport,
          networkTypes: ["udp4"],
          bindAddress: { udp4: "127.0.0.1" },
          srtpProfiles: [profile],
          onStateChange: (s) => states.push(s),
        });
        await transport.connected;
        assert.equal(transport.state, "connected");
        assert.equal(transport.srtpProfile?.name, profile);
        assert.deepEqual(states, ["connecting", "connected"]);
        await peer.waitForState("connected");

        const sent: Uint8Array[] = [];
        const buf = new Uint8Array(1500);
        for (let i = 0; i < 50; i++) {
          const audio = rtpPacket(
            111,
            1000 + i,
            960 * i,
            audioSsrc,
            80 + (i % 7),
          );
          sent.push(audio);
          buf.set(audio);
          assert.equal(transport.sendRtp(buf, audio.length), true);
          const frame = rtpPacket(100, 5000 + i, 3000 * i, video.ssrc, 1100);
          sent.push(frame);
          buf.set(frame);
          assert.equal(transport.sendRtp(buf, frame.length), true);
          await new Promise((r) => setTimeout(r, 2));
        }
        const audioIn = await peer.waitForPackets("audio", 50);
        const videoIn = await peer.waitForPackets("video", 50);
        const key = (p: Uint8Array) => Array.from(p).join(",");
        const expected = new Set(sent.map(key));
        for (const r of [...audioIn, ...videoIn]) {
          assert.ok(
            expected.has(key(r.packet)),
            "libdatachannel produced a packet we never sent",
          );
        }
        assert.equal(
          new Set([...audioIn, ...videoIn].map((r) => key(r.packet))).size,
          100,
        );
        assert.equal(transport.stats.rtpSent, 100);
      } finally {
        await transport?.close();
        await peer.close();
      }
    },
    { timeout: 20_000 },
  );
}
