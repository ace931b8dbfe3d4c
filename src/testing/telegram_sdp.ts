/**
 * Telegram's group-call JSON ↔ SDP, for the libdatachannel stand-in SFU.
 *
 * Our join payload (`phone.joinGroupCall.params`: `ufrag`, `pwd`,
 * `fingerprints`, signed-int32 `ssrc`, optional `ssrc-groups`) becomes an
 * SDP offer libdatachannel can answer, and libdatachannel's answer SDP
 * becomes `updateGroupCallConnection.params.data` in Telegram's exact shape:
 * every candidate field a string, `audio`/`video` payload types and
 * header extensions with Telegram's ids (audio level 1, abs-send-time 2,
 * transport-cc 3, video orientation 13 — tgcalls' constants).
 *
 * @module
 */

import { InvalidParamsError } from "../errors.ts";

/** A join payload, validated as Telegram's server would. */
export interface JoinPayload {
  /** Our ICE ufrag. */
  ufrag: string;
  /** Our ICE password. */
  pwd: string;
  /** Our DTLS certificate fingerprint (`fingerprints[0]`). */
  fingerprint: string;
  /** Its hash name, default `"sha-256"`. */
  hash: string;
  /** The audio source, unsigned. */
  audioSsrc: number;
  /** The main video layer and its RTX source, unsigned (first FID group). */
  video?: { ssrc: number; rtx: number };
}

function invalid(reason: string): never {
  throw new InvalidParamsError(`join payload: ${reason}`);
}

/** A JSON number Telegram would store as an int32 source (signed or not). */
function source(value: unknown, field: string): number {
  if (
    typeof value !== "number" || !Number.isInteger(value) ||
    value < -(2 ** 31) || value >= 2 ** 32 || value === 0
  ) {
    invalid(`${field} must be a non-zero int32`);
  }
  return value >>> 0;
}

/**
 * Parses and checks a join payload; throws {@linkcode InvalidParamsError}
 * naming the bad field (the fake Telegram answers `DATA_JSON_INVALID`).
 */
export function parseJoinPayload(json: string): JoinPayload {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(json);
  } catch {
    invalid("not JSON");
  }
  if (typeof j !== "object" || j === null || Array.isArray(j)) {
    invalid("not a JSON object");
  }
  if (typeof j.ufrag !== "string" || j.ufrag === "") invalid("no ufrag");
  if (typeof j.pwd !== "string" || j.pwd === "") invalid("no pwd");
  const fp = Array.isArray(j.fingerprints) ? j.fingerprints[0] : undefined;
  if (typeof fp?.fingerprint !== "string") invalid("no fingerprints[0]");
  const groups = j["ssrc-groups"] ?? [];
  if (!Array.isArray(groups)) invalid("ssrc-groups must be an array");
  const fids: number[][] = [];
  groups.forEach((g, i) => {
    if (typeof g?.semantics !== "string" || !Array.isArray(g.sources)) {
      invalid(`ssrc-groups[${i}] needs semantics and sources`);
    }
    const sources = (g.sources as unknown[]).map((s, k) =>
      source(s, `ssrc-groups[${i}].sources[${k}]`)
    );
    if (g.semantics === "FID" && sources.length === 2) fids.push(sources);
  });
  return {
    ufrag: j.ufrag,
    pwd: j.pwd,
    fingerprint: fp.fingerprint,
    hash: typeof fp.hash === "string" ? fp.hash : "sha-256",
    audioSsrc: source(j.ssrc, "ssrc"),
    video: fids[0] ? { ssrc: fids[0][0], rtx: fids[0][1] } : undefined,
  };
}

/** The SDP offer standing for our join payload (we only send). */
export function offerSdp(
  join: JoinPayload,
  audioPt: number,
  videoPt: number,
): string {
  const common = [
    "c=IN IP4 0.0.0.0",
    `a=ice-ufrag:${join.ufrag}`,
    `a=ice-pwd:${join.pwd}`,
    `a=fingerprint:${join.hash} ${join.fingerprint}`,
    "a=setup:active",
    "a=sendonly",
    "a=rtcp-mux",
  ];
  const lines = [
    "v=0",
    `o=- ${Date.now()} 2 IN IP4 127.0.0.1`,
    "s=-",
    "t=0 0",
    `a=group:BUNDLE 0${join.video ? " 1" : ""}`,
    "a=msid-semantic: WMS *",
    `m=audio 9 UDP/TLS/RTP/SAVPF ${audioPt}`,
    ...common,
    "a=mid:0",
    `a=rtpmap:${audioPt} opus/48000/2`,
    `a=fmtp:${audioPt} minptime=10;useinbandfec=1`,
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    `a=ssrc:${join.audioSsrc} cname:tgcall`,
  ];
  if (join.video) {
    lines.push(
      `m=video 9 UDP/TLS/RTP/SAVPF ${videoPt} ${videoPt + 1}`,
      ...common,
      "a=mid:1",
      `a=rtpmap:${videoPt} VP8/90000`,
      `a=rtcp-fb:${videoPt} nack`,
      `a=rtcp-fb:${videoPt} nack pli`,
      `a=rtcp-fb:${videoPt} ccm fir`,
      `a=rtpmap:${videoPt + 1} rtx/90000`,
      `a=fmtp:${videoPt + 1} apt=${videoPt}`,
      `a=ssrc-group:FID ${join.video.ssrc} ${join.video.rtx}`,
      `a=ssrc:${join.video.ssrc} cname:tgcall`,
      `a=ssrc:${join.video.rtx} cname:tgcall`,
    );
  }
  return lines.join("\r\n") + "\r\n";
}

const ABS_SEND_TIME =
  "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
const TRANSPORT_CC =
  "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

/** The join response JSON built from libdatachannel's answer SDP. */
export function answerJson(
  sdp: string,
  join: JoinPayload,
  audioPt: number,
  videoPt: number,
): string {
  const get = (name: string) =>
    sdp.match(new RegExp(`^a=${name}:(.+)$`, "m"))?.[1].trim();
  const [hash, fingerprint] = (get("fingerprint") ?? "").split(" ");
  const candidates = [
    ...sdp.matchAll(
      /^a=candidate:(\S+) (\d+) (\S+) (\d+) (\S+) (\d+) typ (\S+)/gm,
    ),
  ].map((m, i) => ({
    generation: "0",
    component: m[2],
    protocol: m[3].toLowerCase(),
    port: m[6],
    ip: m[5],
    foundation: m[1],
    id: `c${i}`,
    priority: m[4],
    type: m[7],
    network: "0",
  }));
  const response: Record<string, unknown> = {
    transport: {
      xmlns: "urn:xmpp:jingle:transports:ice-udp:1",
      "rtcp-mux": true,
      ufrag: get("ice-ufrag"),
      pwd: get("ice-pwd"),
      fingerprints: [{ hash, setup: get("setup") ?? "passive", fingerprint }],
      candidates,
    },
    audio: {
      "payload-types": [{
        id: audioPt,
        name: "opus",
        clockrate: 48000,
        channels: 2,
        parameters: { minptime: 10, useinbandfec: 1 },
        "rtcp-fbs": [{ type: "transport-cc" }],
      }],
      "rtp-hdrexts": [
        { id: 1, uri: "urn:ietf:params:rtp-hdrext:ssrc-audio-level" },
        { id: 2, uri: ABS_SEND_TIME },
        { id: 3, uri: TRANSPORT_CC },
      ],
    },
  };
  if (join.video) {
    response.video = {
      endpoint: "local-endpoint",
      server_sources: [],
      "payload-types": [
        {
          id: videoPt,
          name: "VP8",
          clockrate: 90000,
          "rtcp-fbs": [
            { type: "goog-remb" },
            { type: "transport-cc" },
            { type: "ccm", subtype: "fir" },
            { type: "nack" },
            { type: "nack", subtype: "pli" },
          ],
        },
        {
          id: videoPt + 1,
          name: "rtx",
          clockrate: 90000,
          parameters: { apt: videoPt },
        },
      ],
      "rtp-hdrexts": [
        { id: 2, uri: ABS_SEND_TIME },
        { id: 3, uri: TRANSPORT_CC },
        { id: 13, uri: "urn:3gpp:video-orientation" },
      ],
    };
  }
  return JSON.stringify(response);
}
