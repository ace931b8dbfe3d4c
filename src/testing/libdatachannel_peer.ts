/**
 * A stand-in for Telegram's group-call SFU built on libdatachannel (npm
 * `node-datachannel`): an implementation nobody here wrote, so what it
 * decrypts proves our ICE, DTLS and SRTP on the wire.
 *
 * It speaks Telegram's JSON in both directions: it takes our join payload
 * (`ufrag`, `pwd`, `fingerprints`, `ssrc`, `ssrc-groups`), turns it into an
 * SDP offer for libdatachannel, and turns libdatachannel's answer into a
 * join response shaped like `updateGroupCallConnection.params.data`
 * (string-typed candidate fields, `audio`/`video` payload types and header
 * extensions with Telegram's ids).
 *
 * Test-only: never imported by `src/`, excluded from the published package.
 *
 * @module
 */

import nodeDataChannel from "node-datachannel";
import type { StreamType } from "../media/kind.ts";

const { PeerConnection, RtcpReceivingSession } = nodeDataChannel;
type PC = InstanceType<typeof PeerConnection>;
type Track = ReturnType<PC["addTrack"]>;

/** Options for {@linkcode LibdatachannelPeer.answer}. */
export interface LibdatachannelPeerOptions {
  /** Loopback address libdatachannel binds; default `"127.0.0.1"`. */
  bindAddress?: string;
  /** Opus payload type; default 111. */
  audioPayloadType?: number;
  /** VP8 payload type; default 100 (RTX 101). */
  videoPayloadType?: number;
  /**
   * Attach libdatachannel's RtcpReceivingSession so it answers our Sender
   * Reports with Receiver Reports. Off by default: with many peers created
   * and closed in one Node process it has been seen to hang the process.
   */
  receiverReports?: boolean;
}

/** One RTP (or RTCP) packet libdatachannel decrypted. */
export interface ReceivedRtp {
  /** `"audio"` or `"video"`, by the m-line it arrived on. */
  kind: StreamType;
  /** The plain packet. */
  packet: Uint8Array;
  /** Arrival time (performance.now()). */
  at: number;
}

interface JoinPayload {
  ufrag: string;
  pwd: string;
  fingerprint: string;
  hash: string;
  audioSsrc: number;
  video?: { ssrc: number; rtx: number };
}

function parseJoin(json: string): JoinPayload {
  const j = JSON.parse(json);
  const fp = j.fingerprints?.[0];
  if (typeof j.ufrag !== "string" || typeof j.pwd !== "string" || !fp) {
    throw new Error("join payload lacks ufrag/pwd/fingerprints");
  }
  const fid = (j["ssrc-groups"] ?? []).find((g: { semantics: string }) =>
    g.semantics === "FID"
  );
  return {
    ufrag: j.ufrag,
    pwd: j.pwd,
    fingerprint: fp.fingerprint,
    hash: fp.hash ?? "sha-256",
    audioSsrc: j.ssrc >>> 0,
    video: fid
      ? { ssrc: fid.sources[0] >>> 0, rtx: fid.sources[1] >>> 0 }
      : undefined,
  };
}

/** The SDP offer standing for our join payload. */
function offerSdp(join: JoinPayload, audioPt: number, videoPt: number): string {
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

/** The join response JSON built from libdatachannel's answer SDP. */
function answerJson(
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
        {
          id: 2,
          uri: "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        },
        {
          id: 3,
          uri:
            "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
        },
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
          "rtcp-fbs": [{ type: "goog-remb" }, { type: "transport-cc" }, {
            type: "ccm",
            subtype: "fir",
          }, {
            type: "nack",
          }, { type: "nack", subtype: "pli" }],
        },
        {
          id: videoPt + 1,
          name: "rtx",
          clockrate: 90000,
          parameters: { apt: videoPt },
        },
      ],
      "rtp-hdrexts": [
        {
          id: 2,
          uri: "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        },
        {
          id: 3,
          uri:
            "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
        },
        { id: 13, uri: "urn:3gpp:video-orientation" },
      ],
    };
  }
  return JSON.stringify(response);
}

/** A libdatachannel peer answering one join payload. */
export class LibdatachannelPeer {
  /** The join response JSON to hand to `connect`. */
  readonly answerJson: string;
  /** Every RTP packet received, decrypted, in arrival order. */
  readonly received: ReceivedRtp[] = [];
  /**
   * Every compound RTCP packet the tracks surfaced (our Sender Reports with
   * their SDES), decrypted, in arrival order.
   */
  readonly receivedRtcp: ReceivedRtp[] = [];
  readonly #pc: PC;
  readonly #tracks: Track[] = [];
  #state = "new";
  #waiters: (() => void)[] = [];

  private constructor(pc: PC, answer: string) {
    this.#pc = pc;
    this.answerJson = answer;
  }

  /** libdatachannel's peer-connection state. */
  get state(): string {
    return this.#state;
  }

  /** Answers a join payload; resolves once candidates are gathered. */
  static answer(
    joinPayload: string,
    options: LibdatachannelPeerOptions = {},
  ): Promise<LibdatachannelPeer> {
    const join = parseJoin(joinPayload);
    const audioPt = options.audioPayloadType ?? 111;
    const videoPt = options.videoPayloadType ?? 100;
    const pc = new PeerConnection("tgcall-test-sfu", {
      iceServers: [],
      bindAddress: options.bindAddress ?? "127.0.0.1",
    });
    let peer: LibdatachannelPeer | undefined;
    const early: (() => void)[] = [];
    pc.onStateChange((state) => {
      if (!peer) {
        early.push(() => peer!.#setState(state));
        return;
      }
      peer.#setState(state);
    });
    const pendingTracks: Track[] = [];
    pc.onTrack((track) => {
      const kind = track.mid() === "1" ? "video" : "audio";
      const sink = (msg: Uint8Array) => {
        const packet = new Uint8Array(msg);
        // Tracks also surface RTCP; keep RTP only (RFC 5761 §4).
        if (packet.length < 2) return;
        const rtcp = packet[1] >= 192 && packet[1] <= 223;
        (rtcp ? peer?.receivedRtcp : peer?.received)?.push({
          kind,
          packet,
          at: performance.now(),
        });
      };
      // libdatachannel's receiving session answers our SRs with Receiver
      // Reports (and REMB), which exercises our SRTCP receive path.
      if (options.receiverReports) {
        track.setMediaHandler(new RtcpReceivingSession());
      }
      track.onMessage(sink);
      pendingTracks.push(track);
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pc.close();
        reject(new Error("libdatachannel did not finish gathering"));
      }, 5000);
      pc.onGatheringStateChange((state) => {
        if (state !== "complete") return;
        clearTimeout(timer);
        const local = pc.localDescription();
        if (!local) {
          pc.close();
          reject(new Error("libdatachannel produced no answer"));
          return;
        }
        peer = new LibdatachannelPeer(
          pc,
          answerJson(local.sdp, join, audioPt, videoPt),
        );
        peer.#tracks.push(...pendingTracks);
        for (const f of early) f();
        resolve(peer);
      });
      try {
        pc.setRemoteDescription(offerSdp(join, audioPt, videoPt), "offer");
      } catch (error) {
        clearTimeout(timer);
        pc.close();
        reject(error);
      }
    });
  }

  #setState(state: string): void {
    this.#state = state;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when the state becomes `state`; rejects after `ms`. */
  async waitForState(state: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.#state !== state) {
      if (Date.now() > deadline) {
        throw new Error(
          `libdatachannel stayed "${this.#state}", wanted "${state}"`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves once at least `count` packets of `kind` arrived. */
  async waitForPackets(
    kind: StreamType,
    count: number,
    ms = 5000,
  ): Promise<ReceivedRtp[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const got = this.received.filter((r) => r.kind === kind);
      if (got.length >= count) return got;
      if (Date.now() > deadline) {
        throw new Error(
          `libdatachannel received ${got.length} of ${count} ${kind} packets`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Asks our sender for a keyframe: libdatachannel sends an RTCP PLI on the
   * video track. Needs `receiverReports: true` (the RTCP session sends it).
   * Returns whether a video track took the request.
   */
  requestKeyframe(): boolean {
    const video = this.#tracks.find((t) => t.mid() === "1");
    try {
      return video?.requestKeyframe() ?? false;
    } catch {
      return false;
    }
  }

  /**
   * Closes the peer connection and waits until libdatachannel reports it
   * closed, so no native callback fires after the caller moves on (under
   * Deno a late callback into a finished test file's isolate panics).
   */
  async close(): Promise<void> {
    for (const t of this.#tracks) {
      try {
        t.close();
      } catch { /* already closed */ }
    }
    this.#pc.close();
    try {
      await this.waitForState("closed", 2000);
    } catch { /* never connected: libdatachannel may stay "new" */ }
  }
}
