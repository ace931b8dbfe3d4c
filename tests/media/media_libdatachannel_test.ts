/**
 * The media path end to end against libdatachannel: a known Opus file and
 * a known VP8 file are read, packetized, protected and sent; what
 * libdatachannel decrypts is depacketized back to Ogg/IVF and decoded by
 * ffmpeg. Same duration ± 1 frame, every VP8 frame decodes, audio
 * timestamps contiguous.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { PeerTransport } from "../../src/call/peer_transport.ts";
import { generateCertificate } from "../../src/dtls/certificate.ts";
import { IvfReader } from "../../src/media/ivf_reader.ts";
import { OggOpusReader } from "../../src/media/ogg_reader.ts";
import { audioLevelByte } from "../../src/rtp/header_extensions.ts";
import { OpusPacketizer } from "../../src/rtp/opus_packetizer.ts";
import { readRtpPacket } from "../../src/rtp/packet.ts";
import { Vp8Packetizer } from "../../src/rtp/vp8_packetizer.ts";
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
import { depacketizeVp8, writeIvf, writeOggOpus } from "../_containers.ts";
import { test } from "../_harness.ts";
import { makeOpusOgg, makeVp8Ivf, run, tempDir } from "../_media.ts";

async function probeDuration(path: string): Promise<number> {
  return Number(
    (await run("ffprobe", [
      "-v",
      "error",
      "-show_entries",
      "format=duration",
      "-of",
      "csv=p=0",
      path,
    ])).trim(),
  );
}

test(
  "media/libdatachannel: Opus and VP8 survive packetize → SRTP → libdatachannel → ffmpeg",
  async () => {
    const tmp = tempDir();
    const credentials = randomIceCredentials();
    const certificate = generateCertificate();
    const audioSsrc = randomSsrc();
    const video = { ssrc: randomSsrc(), rtxSsrc: randomSsrc() };
    const peer = await LibdatachannelPeer.answer(
      buildJoinPayload({
        ...credentials,
        fingerprint: certificate.fingerprint,
        audioSsrc,
        video,
      }),
    );
    let transport: PeerTransport | undefined;
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
      });
      await transport.connected;
      await peer.waitForState("connected");

      const opus = new OpusPacketizer({ ssrc: audioSsrc });
      const vp8 = new Vp8Packetizer({ ssrc: video.ssrc });
      const buf = new Uint8Array(1500);
      const out = Array.from({ length: 64 }, () => new Uint8Array(1500));
      const lengths = new Int32Array(64);
      let audioSent = 0, videoSent = 0;
      // Interleave by media time, a little faster than real time.
      let a = 0, v = 0;
      while (a < opusFrames.length || v < vp8Frames.length) {
        const audioMs = a < opusFrames.length
          ? opusFrames[a].timestamp / 48
          : Infinity;
        const videoMs = v < vp8Frames.length
          ? vp8Frames[v].timestamp / 90
          : Infinity;
        if (audioMs <= videoMs) {
          const f = opusFrames[a++];
          const n = opus.write(buf, f.data, f.timestamp, f.duration, [{
            id: 1,
            length: 1,
            value: audioLevelByte(-20, true),
          }]);
          assert.ok(transport.sendRtp(buf, n));
          audioSent++;
        } else {
          const f = vp8Frames[v++];
          const count = vp8.packetize(f.data, f.timestamp, out, lengths);
          for (let i = 0; i < count; i++) {
            assert.ok(transport.sendRtp(out[i], lengths[i]));
          }
          videoSent += count;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      const audioIn = await peer.waitForPackets("audio", audioSent, 10_000);
      const videoIn = await peer.waitForPackets("video", videoSent, 10_000);

      // Audio: contiguous RTP timestamps, rebuilt into Ogg, decoded by ffmpeg.
      const audio = audioIn.map((r) => ({ r, h: readRtpPacket(r.packet)! }))
        .sort((x, y) =>
          ((x.h.sequenceNumber - y.h.sequenceNumber + 0x8000) & 0xffff) - 0x8000
        );
      for (let i = 1; i < audio.length; i++) {
        assert.equal(
          (audio[i].h.timestamp - audio[i - 1].h.timestamp) >>> 0,
          960,
          "audio timestamps contiguous",
        );
      }
      writeFileSync(
        tmp.path("out.ogg"),
        writeOggOpus(
          audio.map(({ r, h }) => ({
            data: r.packet.subarray(h.payloadOffset),
            rtpTimestamp: h.timestamp,
          })),
        ),
      );
      await run("ffmpeg", [
        "-v",
        "error",
        "-xerror",
        "-i",
        tmp.path("out.ogg"),
        "-f",
        "null",
        "-",
      ]);
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
      await run("ffmpeg", [
        "-v",
        "error",
        "-xerror",
        "-i",
        tmp.path("out.ivf"),
        "-f",
        "null",
        "-",
      ]);
      const decoded = Number((await run("ffprobe", [
        "-v",
        "error",
        "-count_frames",
        "-select_streams",
        "v:0",
        "-show_entries",
        "stream=nb_read_frames",
        "-of",
        "csv=p=0",
        tmp.path("out.ivf"),
      ])).trim());
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
