/**
 * Per-packet cost of the send path — packetize (header, extensions,
 * payload descriptor) plus SRTP protect — for Opus (one 160-byte frame per
 * packet) and VP8 (a 12 kB frame split into ~1150-byte packets), against
 * werift-rtp doing the same (RtpPacket serialize + SrtpSession.encrypt).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { RtpHeader, RtpPacket, SrtpSession } from "werift-rtp";
import { OpusPacketizer } from "../src/rtp/opus_packetizer.ts";
import type { ExtensionElement } from "../src/rtp/packet.ts";
import { Vp8Packetizer } from "../src/rtp/vp8_packetizer.ts";
import { SrtpContext } from "../src/srtp/context.ts";
import { SRTP_PROFILES } from "../src/srtp/profile.ts";
import { type BenchCase, microsPerCall } from "./harness.ts";

const profile = SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80;
const key = new Uint8Array(16).fill(3), salt = new Uint8Array(14).fill(4);

function weriftSession(): SrtpSession {
  return new SrtpSession({
    profile: profile.id,
    keys: {
      localMasterKey: Buffer.from(key),
      localMasterSalt: Buffer.from(salt),
      remoteMasterKey: Buffer.from(key),
      remoteMasterSalt: Buffer.from(salt),
    },
  });
}

function opusOurs(): number {
  const ctx = new SrtpContext(profile, key, salt);
  const p = new OpusPacketizer({ ssrc: 1 });
  const buf = new Uint8Array(1500);
  const frame = new Uint8Array(160).fill(0xfc);
  const ext: ExtensionElement[] = [{ id: 1, length: 1, value: 0x9e }, {
    id: 2,
    length: 3,
    value: 0x123456,
  }, {
    id: 3,
    length: 2,
    value: 7,
  }];
  let ts = 0;
  return microsPerCall(
    () => {
      const n = p.write(buf, frame, ts += 960, 960, ext);
      ctx.protectRtp(buf, n);
    },
    20000,
    1,
  );
}

function opusWerift(): number {
  const session = weriftSession();
  const payload = Buffer.alloc(160, 0xfc);
  let seq = 0, ts = 0;
  return microsPerCall(
    () => {
      const header = new RtpHeader({
        payloadType: 111,
        ssrc: 1,
        sequenceNumber: seq = (seq + 1) & 0xffff,
        timestamp: ts += 960,
      });
      header.extensions = [{ id: 1, payload: Buffer.from([0x9e]) }, {
        id: 2,
        payload: Buffer.from([0x12, 0x34, 0x56]),
      }, {
        id: 3,
        payload: Buffer.from([0, 7]),
      }];
      new RtpPacket(header, payload).serialize();
      session.encrypt(payload, header);
    },
    20000,
    1,
  );
}

const VP8_FRAME = 12_000;

function vp8Ours(): number {
  const ctx = new SrtpContext(profile, key, salt);
  const p = new Vp8Packetizer({ ssrc: 2 });
  const out = Array.from({ length: 16 }, () => new Uint8Array(1500));
  const lengths = new Int32Array(16);
  const frame = new Uint8Array(VP8_FRAME).fill(0x55);
  let ts = 0, packets = 0;
  const perFrame = microsPerCall(
    () => {
      const n = p.packetize(frame, ts += 3000, out, lengths);
      for (let i = 0; i < n; i++) ctx.protectRtp(out[i], lengths[i]);
      packets = n;
    },
    2000,
    1,
  );
  return perFrame / packets;
}

function vp8Werift(): number {
  const session = weriftSession();
  const frame = Buffer.alloc(VP8_FRAME, 0x55);
  const chunk = 1150;
  const packets = Math.ceil(VP8_FRAME / chunk);
  let seq = 0, ts = 0;
  const perFrame = microsPerCall(
    () => {
      ts += 3000;
      for (let i = 0; i < packets; i++) {
        const header = new RtpHeader({
          payloadType: 100,
          ssrc: 2,
          sequenceNumber: seq = (seq + 1) & 0xffff,
          timestamp: ts,
          marker: i === packets - 1,
        });
        const payload = Buffer.concat([
          Buffer.from([i === 0 ? 0x90 : 0x80, 0x80, 0x80, 0x01]),
          frame.subarray(i * chunk, (i + 1) * chunk),
        ]);
        session.encrypt(payload, header);
      }
    },
    2000,
    1,
  );
  return perFrame / packets;
}

/** Cases in this file. */
export const cases: BenchCase[] = [
  {
    name: "opus-packetize-srtp-160",
    unit: "us/pkt",
    run: () => ({ value: opusOurs() }),
    baseline: { name: "werift-rtp", run: () => ({ value: opusWerift() }) },
  },
  {
    name: "vp8-packetize-srtp-12k-frame",
    unit: "us/pkt",
    run: () => ({ value: vp8Ours() }),
    baseline: { name: "werift-rtp", run: () => ({ value: vp8Werift() }) },
  },
];
