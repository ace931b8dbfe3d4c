/**
 * An RTC-mode join answer as Telegram's SFU sends it: telegram-wire.md
 * §2.4's example with its values filled in — every candidate field a
 * string, numeric `parameters`, `parameters: []`, both rtcp-fbs forms,
 * `clockrate: 9000` for VP8 — for tests of the answer parser.
 *
 * @module
 */

/** The SFU's DTLS fingerprint in {@linkcode rtcAnswer}. */
export const FINGERPRINT =
  "E4:F6:A1:8B:7C:39:5D:0A:22:11:9F:C0:41:7E:8A:55:3B:D2:6F:10:94:AC:E1:07:88:5B:C3:2D:76:19:EA:40";

/** A fresh copy of the answer, as parsed JSON. */
export function rtcAnswer(): Record<string, unknown> {
  return {
    transport: {
      xmlns: "urn:xmpp:jingle:transports:ice-udp:1",
      "rtcp-mux": true,
      ufrag: "f5fno1e3ejbrhl",
      pwd: "5ce9gn5ojc7d7q5jdfa1pd2sif",
      fingerprints: [{
        hash: "sha-256",
        setup: "passive",
        fingerprint: FINGERPRINT,
      }],
      candidates: [{
        generation: "0",
        component: "1",
        protocol: "udp",
        port: "32000",
        ip: "91.108.9.16",
        foundation: "1",
        id: "6fe4dd3a3c0e3c5e",
        priority: "2130706431",
        type: "host",
        network: "0",
      }, {
        generation: "0",
        component: "1",
        protocol: "udp",
        port: "32000",
        ip: "2001:67c:4e8:f004::a",
        foundation: "2",
        id: "6fe4dd3a3c0e3c5f",
        priority: "2130706430",
        type: "local",
        network: "0",
      }],
    },
    audio: {
      "payload-types": [{
        id: 111,
        name: "opus",
        clockrate: 48000,
        channels: 2,
        parameters: { minptime: 10, useinbandfec: 1 },
        "rtcp-fbs": [{ type: "transport-cc" }],
      }, { id: 126, name: "telephone-event", clockrate: 8000, channels: 1 }],
      "rtp-hdrexts": [
        { id: 1, uri: "urn:ietf:params:rtp-hdrext:ssrc-audio-level" },
        {
          id: 2,
          uri: "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        },
      ],
    },
    video: {
      endpoint: "ep-1",
      server_sources: [1017713629],
      "payload-types": [{
        id: 100,
        name: "VP8",
        clockrate: 9000, // as the production SFU has been seen to send
        parameters: [],
        "rtcp-fbs": [
          { type: "goog-remb" },
          { type: "nack", subtype: "pli" },
          { type: "nack pli" },
          { type: "ccm", subtype: "fir" },
        ],
      }, {
        id: "101",
        name: "rtx",
        clockrate: "90000",
        parameters: { apt: 100 },
      }],
      "rtp-hdrexts": [{ id: 13, uri: "urn:3gpp:video-orientation" }],
    },
  };
}
