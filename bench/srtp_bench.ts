/**
 * SRTP protect per packet, both profiles, 160-byte (Opus-sized) and
 * 1200-byte (video MTU) payloads, against C libsrtp's `srtp_protect` (the
 * baseline: the goal is a ratio below 1) and werift-rtp's
 * SrtpSession.encrypt (the pure-TypeScript WebRTC stack's per-packet path),
 * all in the same run. Same key, salt, header and payload everywhere.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { RtpHeader, SrtpSession } from "werift-rtp";
import { SrtpContext } from "../src/srtp/context.ts";
import { SRTP_PROFILES, type SrtpProfile } from "../src/srtp/profile.ts";
import { type BenchCase, microsPerCall } from "./harness.ts";
import { libsrtpBaseline } from "./libsrtp_baseline.ts";

const ITERATIONS = 20000;
/** werift-rtp is 5–50× slower; fewer calls keep its repeats short. */
const WERIFT_ITERATIONS = 4000;

function ours(profile: SrtpProfile, payload: number): () => number {
  const ctx = new SrtpContext(
    profile,
    new Uint8Array(profile.keyLength).fill(7),
    new Uint8Array(profile.saltLength).fill(9),
  );
  const buf = new Uint8Array(12 + payload + profile.rtpOverhead);
  buf.fill(0xab);
  buf.set([0x80, 111, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78]);
  let seq = 0;
  return () =>
    microsPerCall(
      () => {
        seq = (seq + 1) & 0xffff;
        buf[2] = seq >> 8;
        buf[3] = seq;
        ctx.protectRtp(buf, 12 + payload);
      },
      ITERATIONS,
      1,
    );
}

function werift(profile: SrtpProfile, payload: number): () => number {
  const session = new SrtpSession({
    profile: profile.id,
    keys: {
      localMasterKey: Buffer.alloc(profile.keyLength, 7),
      localMasterSalt: Buffer.alloc(profile.saltLength, 9),
      remoteMasterKey: Buffer.alloc(profile.keyLength, 7),
      remoteMasterSalt: Buffer.alloc(profile.saltLength, 9),
    },
  });
  const body = Buffer.alloc(payload, 0xab);
  const header = new RtpHeader({
    payloadType: 111,
    ssrc: 0x12345678,
    sequenceNumber: 0,
    timestamp: 0,
  });
  return () =>
    microsPerCall(
      () => {
        header.sequenceNumber = (header.sequenceNumber + 1) & 0xffff;
        session.encrypt(body, header);
      },
      WERIFT_ITERATIONS,
      1,
    );
}

/** Cases in this file. */
export const cases: BenchCase[] = [];
for (
  const [tag, profile] of [["cm", SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80], [
    "gcm",
    SRTP_PROFILES.AEAD_AES_128_GCM,
  ]] as const
) {
  for (const size of [160, 1200]) {
    const run = ours(profile, size);
    const base = werift(profile, size);
    cases.push({
      name: `srtp-protect-${tag}-${size}`,
      unit: "us/pkt",
      run: () => ({ value: run() }),
      baseline: libsrtpBaseline(tag, size, ITERATIONS),
      baselines: [{ name: "werift-rtp", run: () => ({ value: base() }) }],
      repeats: 7,
    });
  }
}
