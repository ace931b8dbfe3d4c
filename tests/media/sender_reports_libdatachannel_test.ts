/**
 * Sender Reports from the first second, as libdatachannel receives them:
 * the first SR of the audio SSRC and of the video SSRC arrives within
 * 500 ms of that SSRC's first RTP packet, compound with SDES, and says the
 * right thing — its NTP time is the wall clock at sending, and its RTP
 * time is the RTP time of the stream at that instant (checked against the
 * packets themselves: a packet sent on time at arrival `a` with timestamp
 * `r` puts the stream at `r + (ntp − a) × rate`; late packets only lower
 * that, so the best packet must agree within a few milliseconds).
 */
import assert from "node:assert/strict";
import { FramePacer } from "../../src/media/frame_pacer.ts";
import { IvfReader, type Vp8Frame } from "../../src/media/ivf_reader.ts";
import { MediaSender } from "../../src/media/media_sender.ts";
import { OggOpusReader, type OpusFrame } from "../../src/media/ogg_reader.ts";
import { extensionIdsFrom } from "../../src/rtp/header_extensions.ts";
import { readRtpPacket } from "../../src/rtp/packet.ts";
import { parseRtcp, type RtcpPacket } from "../../src/rtp/rtcp.ts";
import {
  parseJoinResponse,
  type RtcJoinResponse,
} from "../../src/signaling/join_response.ts";
import { LibdatachannelPeer } from "../../src/testing/libdatachannel_peer.ts";
import { PeerTransport } from "../../src/transport/peer_transport.ts";
import { test } from "../_support/harness.ts";
import { ourJoin } from "../_support/libdatachannel_call.ts";
import { makeOpusOgg, makeVp8Ivf, tempDir } from "../_support/media.ts";

type Sr = Extract<RtcpPacket, { type: "sr" }>;

const ntpUnixMs = (sr: Sr) =>
  (sr.ntpSeconds - 2_208_988_800) * 1000 + (sr.ntpFraction / 2 ** 32) * 1000;

test(
  "sender-reports/libdatachannel: the first SR of audio and of video within 500 ms of their first packet, with consistent timestamps",
  async () => {
    const tmp = tempDir();
    const { credentials, certificate, audioSsrc, video, join } = ourJoin(true);
    const peer = await LibdatachannelPeer.answer(join);
    let transport: PeerTransport | undefined;
    let sender: MediaSender | undefined;
    try {
      const opus = new OggOpusReader().push(
        await makeOpusOgg(tmp.path("in.ogg"), 2, 440),
      );
      const vp8 = new IvfReader().push(
        await makeVp8Ivf(tmp.path("in.ivf"), 2, { size: "320x240", gop: 30 }),
      );
      const response = parseJoinResponse(peer.answerJson) as RtcJoinResponse;
      transport = await PeerTransport.open({
        local: { ...credentials, certificate },
        remote: response.transport,
        networkTypes: ["udp4"],
        bindAddress: { udp4: "127.0.0.1" },
      });
      await transport.connected;
      await peer.waitForState("connected");
      const s = sender = new MediaSender({
        sink: transport,
        audioSsrc,
        video,
        extensionIds: extensionIdsFrom(response.audio?.headerExtensions),
      });
      const audioPacer = new FramePacer<OpusFrame>({
        clockRate: 48000,
        onFrame: (f, deadline) =>
          s.sendAudio(f.data, f.timestamp, f.duration, deadline, -20, true),
      });
      const videoPacer = new FramePacer<Vp8Frame>({
        clockRate: 90000,
        onFrame: (f, deadline) =>
          s.sendVideo(f.data, f.timestamp, deadline, 1000 / 30),
      });
      // Video starts 300 ms after audio: each SSRC has its own first packet.
      const origin = performance.now() + 20;
      audioPacer.anchor(opus[0].timestamp, origin);
      videoPacer.anchor(vp8[0].timestamp, origin + 300);
      for (const f of opus) audioPacer.push(f, f.timestamp);
      for (const f of vp8) videoPacer.push(f, f.timestamp);
      await peer.waitForPackets("audio", opus.length, 10_000);
      await new Promise((r) => setTimeout(r, 300));

      const wallSkew = performance.timeOrigin + performance.now() - Date.now();
      assert.ok(Math.abs(wallSkew) < 100, `monotonic vs wall ${wallSkew} ms`);
      const report: string[] = [];
      for (
        const [kind, ssrc, rate] of [
          ["audio", audioSsrc, 48000],
          ["video", video.ssrc, 90000],
        ] as const
      ) {
        const rtp = peer.received.filter((r) => r.kind === kind).map((r) => ({
          at: r.at,
          ts: readRtpPacket(r.packet)!.timestamp,
        }));
        const srs = peer.receivedRtcp.flatMap((r) => {
          const packets = parseRtcp(r.packet).packets;
          const sdes = packets.some((p) =>
            p.type === "other" && p.packetType === 202
          );
          return packets.filter((p): p is Sr =>
            p.type === "sr" && p.ssrc === ssrc
          ).map((sr) => ({ at: r.at, sr, sdes }));
        });
        assert.ok(rtp.length > 0 && srs.length > 0, `${kind}: RTP and SRs`);
        const first = srs[0];
        const delay = first.at - rtp[0].at;
        assert.ok(first.sdes, `${kind}: SR compound with SDES`);
        assert.ok(
          delay >= 0 && delay <= 500,
          `${kind}: first SR ${delay.toFixed(0)} ms after the first packet`,
        );
        // NTP ≈ wall clock at sending (arrival on loopback, minus ~1 ms).
        const ntp = ntpUnixMs(first.sr);
        const ntpError = performance.timeOrigin + first.at - ntp;
        assert.ok(
          ntpError >= -5 && ntpError < 50,
          `${kind}: NTP ${ntpError.toFixed(1)} ms off`,
        );
        // RTP time of the stream at the SR's NTP time, from the best packet.
        let best = Infinity;
        for (const p of rtp) {
          const ms = ((first.sr.rtpTimestamp - p.ts) | 0) * 1000 / rate -
            (ntp - (performance.timeOrigin + p.at));
          if (Math.abs(ms) < Math.abs(best)) best = ms;
        }
        assert.ok(
          Math.abs(best) <= 10,
          `${kind}: SR RTP time ${best.toFixed(1)} ms off its packets`,
        );
        report.push(
          `${kind} first SR +${delay.toFixed(0)} ms (NTP ${
            ntpError.toFixed(1)
          } ms, RTP ${best.toFixed(1)} ms)`,
        );
      }
      console.log(`sender reports: ${report.join("; ")}`);
    } finally {
      sender?.close();
      await transport?.close();
      await peer.close();
      tmp.cleanup();
    }
  },
  { timeout: 60_000 },
);
