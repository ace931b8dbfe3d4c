/**
 * Fuzz target: SRTCP from the SFU (`SrtpContext.unprotectRtcp`, which
 * returns -1 for anything it refuses and must not throw), then the
 * compound walk of whatever it accepts, for both profiles.
 *
 * An input is a profile byte (even: AES_CM_128_HMAC_SHA1_80, odd:
 * AEAD_AES_128_GCM) and then packets behind 2-byte lengths, all fed to one
 * fresh receiving context so replays within an input are exercised.
 * Generated packets are mostly sealed by the profile's transform with the
 * same keys, so RTCP that lies about its lengths still authenticates and
 * reaches the parser.
 *
 * @module
 */

import { SrtpContext, srtpTransform } from "../src/srtp/context.ts";
import { SRTP_PROFILES, type SrtpProfile } from "../src/srtp/profile.ts";
import type { SrtpTransform } from "../src/srtp/transform.ts";
import { concatBytes, mutateBytes, nextBytes, type Rng } from "./mutate.ts";
import { rtcpSeeds, walkRtcp } from "./rtcp.ts";
import { type FuzzTarget, neverThrows } from "./runner.ts";

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g)!, (b) => parseInt(b, 16));
}

/** libsrtp's srtp_validate keys and SRTCP vectors, per profile. */
const PROFILES: {
  profile: SrtpProfile;
  key: Uint8Array;
  salt: Uint8Array;
  vector: Uint8Array;
}[] = [{
  profile: SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80,
  key: hex("e1f97a0d3e018be0d64fa32c06de4139"),
  salt: hex("0ec675ad498afeebb6960b3aabe6"),
  vector: hex(
    "81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798",
  ),
}, {
  profile: SRTP_PROFILES.AEAD_AES_128_GCM,
  key: hex("000102030405060708090a0b0c0d0e0f"),
  salt: hex("a0a1a2a3a4a5a6a7a8a9aaab"),
  vector: hex(
    "81c8000bcafebabec98b8b5df0392a55852b6c21ac8e7025c52c6fbea2b3b446ea31123ba88ce61e80000001",
  ),
}];

const PLAIN = rtcpSeeds();
let senders: SrtpTransform[] | undefined;

/**
 * Seals `plain` as the SFU would, with SRTCP index `index`, straight
 * through the profile's transform: no sender state, so what comes out
 * depends on the arguments only and a seed replays. The header is made
 * protectable first.
 */
function seal(
  profileIndex: number,
  plain: Uint8Array,
  index: number,
): Uint8Array {
  senders ??= PROFILES.map((p) => srtpTransform(p.profile, p.key, p.salt));
  const sender = senders[profileIndex];
  const length = Math.max(8, plain.length);
  const buf = new Uint8Array(length + sender.rtcpOverhead);
  buf.set(plain);
  buf[0] = (buf[0] & 0x3f) | 0x80;
  const ssrc = ((buf[4] << 24) | (buf[5] << 16) | (buf[6] << 8) | buf[7]) >>>
    0;
  return buf.subarray(0, sender.encryptRtcp(buf, length, ssrc, index));
}

/** SRTCP indices around the replay window's word and window boundaries. */
const WINDOW_EDGES = [0, 1, 30, 31, 32, 63, 64, 127, 128, 129];
/** The same, plus the ends of the 31-bit index space. */
const EDGE_INDICES = [...WINDOW_EDGES, 0x7ffffffe, 0x7fffffff];

/** An SRTCP index, often at an edge. */
function srtcpIndex(rng: Rng): number {
  return rng.chance(0.3) ? rng.pick(EDGE_INDICES) : rng.below(2 ** 31);
}

function frame(profileIndex: number, packets: Uint8Array[]): Uint8Array {
  return concatBytes(
    Uint8Array.of(profileIndex),
    ...packets.flatMap((
      p,
    ) => [Uint8Array.of(p.length >> 8, p.length & 0xff), p]),
  );
}

function generate(rng: Rng, seeds: readonly Uint8Array[]): Uint8Array {
  const profileIndex = rng.below(2);
  const packets: Uint8Array[] = [];
  for (let n = 1 + rng.size(4); n > 0; n--) {
    const roll = rng.below(100);
    if (roll < 55) {
      packets.push(
        seal(profileIndex, nextBytes(rng, PLAIN, 1400), srtcpIndex(rng)),
      );
    } else if (roll < 70 && packets.length > 0) packets.push(rng.pick(packets));
    else if (roll < 85) {
      packets.push(
        mutateBytes(
          rng,
          seal(profileIndex, rng.pick(PLAIN), srtcpIndex(rng)),
          PLAIN,
        ),
      );
    } else packets.push(PROFILES[profileIndex].vector);
  }
  const input = frame(profileIndex, packets);
  return rng.chance(0.15) ? mutateBytes(rng, input, seeds, 8192) : input;
}

/** The srtcp target. */
export const srtcpTarget: FuzzTarget<Uint8Array> = {
  name: "srtcp",
  drives: "SrtpContext.unprotectRtcp (both profiles), then parseRtcp",
  seeds: () =>
    PROFILES.map((p, i) => frame(i, [p.vector, seal(i, PLAIN[0], 1)])),
  generate,
  run(input) {
    if (input.length === 0) return;
    const p = PROFILES[input[0] & 1];
    const receiver = new SrtpContext(p.profile, p.key, p.salt);
    for (let at = 1; at + 2 <= input.length;) {
      const n = (input[at] << 8) | input[at + 1];
      const packet = input.subarray(at + 2, at + 2 + n);
      at += 2 + n;
      // Room past the packet, as a receive buffer has: it must stay unread.
      const buf = new Uint8Array(packet.length + 32).fill(0xee);
      buf.set(packet);
      const length = neverThrows(
        "unprotectRtcp",
        () => receiver.unprotectRtcp(buf, packet.length),
      );
      if (length > packet.length) {
        throw new Error(`unprotectRtcp returned ${length} > ${packet.length}`);
      }
      if (length >= 0) walkRtcp(buf, length);
    }
  },
};
