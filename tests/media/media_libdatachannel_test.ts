/**
 * The media path end to end against libdatachannel: a known Opus file and
 * a known VP8 file are read, paced in real time (FramePacer), packetized
 * with extensions (MediaSender), protected and sent (PeerTransport); what
 * libdatachannel decrypts is depacketized back to Ogg/IVF and decoded by
 * ffmpeg. Same duration ± 1 frame, every VP8 frame decodes, audio
 * timestamps contiguous.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { PeerTransport } from "../../src/transport/peer_transport.ts";
import { IvfReader } from "../../src/media/ivf_reader.ts";
import { OggOpusReader } from "../../src/media/ogg_reader.ts";
import { FramePacer } from "../../src/media/frame_pacer.ts";
import { MediaSender } from "../../src/media/media_sender.ts";
import type { OpusFrame } from "../../src/media/ogg_reader.ts";
import type { Vp8Frame } from "../../src/media/ivf_reader.ts";
import { extensionIdsFrom } from "../../src/rtp/header_extensions.ts";
import {
  parseJoinResponse,
  type RtcJoinResponse,
} from "../../src/signaling/join_response.ts";
import { LibdatachannelPeer } from "../../src/testing/libdatachannel_peer.ts";
import {
  depacketizeVp8,
  opusRtpToOgg,
  sortBySequence,
  writeIvf,
} from "../../src/testing/rtp_files.ts";
import { test } from "../_support/harness.ts";
import { ourJoin } from "../_support/libdatachannel_call.ts";
import {
  countDecodedFrames,
  decodeStrict,
  makeOpusOgg,
  makeVp8Ivf,
  probeDuration,
  tempDir,
} from "../_support/media.ts";

test(
  "media/libdatachannel: Opus and VP8 survive packetize → SRTP → libdatachannel → ffmpeg",
  async () => {
    const tmp = tempDir();
    const { credentials, certificate, audioSsrc, video, join } = ourJoin(true);
    const peer = await LibdatachannelPeer.answer(join, {
      receiverReports: true,
    });
    let transport: PeerTransport | undefined;
    let rtcpSink: (b: Uint8Array, n: number) => void = () => {};
    try {
      const ogg = await makeOpusOgg(tmp.path("in.ogg"), 2, 660);
      const ivf = await makeVp8Ivf(tmp.path("in.ivf"), 2, {
        size: "640x360",
        gop: 15,
      });
      const opusFrames = new OggOpusReader().push(ogg);
      const vp8Frames = new IvfReader().push(ivf);
      const response = parseJoinResponse(peer.answerJson) as RtcJoinResponse;
      transport = await PeerTransport.open({
        local: { ...credentials, certificate },
        remote: response.transport,
        networkTypes: ["udp4"],
        bindAddress: { udp4: "127.0.0.1" },
        onRtcp: (b, n) => rtcpSink(b, n),
      });
      await transport.connected;
      await peer.waitForState("connected");

      // The real send path, at real time: pacers → MediaSender → transport.
      const sender = new MediaSender({
        sink: transport,
        audioSsrc,
        video,
        extensionIds: extensionIdsFrom(response.audio?.headerExtensions),
      });
      rtcpSink = (b, n) => sender.handleRtcp(b, n);
      const audioPacer = new FramePacer<OpusFrame>({
        clockRate: 48000,
        onFrame: (f, deadline) =>
          sender.sendAudio(
            f.data,
            f.timestamp,
            f.duration,
            deadline,
            -20,
            true,
          ),
      });
      const videoPacer = new FramePacer<Vp8Frame>({
        clockRate: 90000,
        onFrame: (f, deadline) =>
          sender.sendVideo(f.data, f.timestamp, deadline, 1000 / 30),
      });
      const origin = performance.now() + 20;
      audioPacer.anchor(opusFrames[0].timestamp, origin);
      videoPacer.anchor(vp8Frames[0].timestamp, origin);
      for (const f of opusFrames) audioPacer.push(f, f.timestamp);
      for (const f of vp8Frames) videoPacer.push(f, f.timestamp);
      const audioSent = opusFrames.length;
      // Wait until every audio packet and the last video frame (marker bit) arrived.
      const deadline = Date.now() + 10_000;
      const videoFrames = () =>
        depacketizeVp8(
          peer.received.filter((r) => r.kind === "video").map((r) => r.packet),
        ).frames;
      while (
        peer.received.filter((r) => r.kind === "audio").length <
          opusFrames.length ||
        videoFrames().length < vp8Frames.length
      ) {
        if (Date.now() > deadline) throw new Error("media did not arrive");
        await new Promise((r) => setTimeout(r, 50));
      }
      const stats = sender.stats();
      sender.close();
      console.log(
        `media: ${stats.audio.packets} audio + ${
          stats.video!.packets
        } video packets, ` +
          `${stats.senderReports} SRs sent; from libdatachannel ${transport.stats.rtcpReceived} SRTCP packets ` +
          `(${stats.plisReceived} PLI, ${stats.nacksReceived} NACK, RTT ${
            stats.rttMs.toFixed(1)
          } ms)`,
      );
      assert.equal(stats.audio.packets, opusFrames.length);
      assert.ok(stats.senderReports >= 1, "Sender Reports went out");
      // libdatachannel's Receiver Reports echo our SRs: SRTCP in, RTT out.
      assert.ok(
        transport.stats.rtcpReceived >= 1,
        "no SRTCP from libdatachannel",
      );
      assert.ok(stats.rttMs >= 0 && stats.rttMs < 100, `RTT ${stats.rttMs}`);
      const videoSent = stats.video!.packets;
      const audioIn = await peer.waitForPackets("audio", audioSent, 10_000);
      const videoIn = await peer.waitForPackets("video", videoSent, 10_000);

      // Audio: contiguous RTP timestamps, rebuilt into Ogg, decoded by ffmpeg.
      const audio = sortBySequence(audioIn.map((r) => r.packet));
      for (let i = 1; i < audio.length; i++) {
        assert.equal(
          (audio[i].header.timestamp - audio[i - 1].header.timestamp) >>> 0,
          960,
          "audio timestamps contiguous",
        );
      }
      writeFileSync(
        tmp.path("out.ogg"),
        opusRtpToOgg(audioIn.map((r) => r.packet)),
      );
      await decodeStrict(tmp.path("out.ogg"));
      const inAudio = await probeDuration(tmp.path("in.ogg"));
      const outAudio = await probeDuration(tmp.path("out.ogg"));
      assert.ok(
        Math.abs(outAudio - inAudio) <= 0.02 + 1e-6,
        `audio ${inAudio}s in, ${outAudio}s out`,
      );

      // Video: every frame reassembles and decodes.
      const { frames, incomplete } = depacketizeVp8(
        videoIn.map((r) => r.packet),
      );
      assert.equal(incomplete, 0);
      assert.equal(frames.length, vp8Frames.length);
      frames.forEach((f, i) =>
        assert.deepEqual(f.data, vp8Frames[i].data, `frame ${i} differs`)
      );
      writeFileSync(tmp.path("out.ivf"), writeIvf(frames, 640, 360));
      await decodeStrict(tmp.path("out.ivf"));
      const decoded = await countDecodedFrames(tmp.path("out.ivf"));
      assert.equal(decoded, vp8Frames.length, "every VP8 frame decodes");
      assert.ok(readFileSync(tmp.path("out.ivf")).length > 1000);
    } finally {
      await transport?.close();
      await peer.close();
      tmp.cleanup();
    }
  },
  { timeout: 60_000 },
);
