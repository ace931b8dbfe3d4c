/**
 * Fuzz targets: RTCP from the SFU. `rtcp` walks a decrypted compound
 * packet (`parseRtcp`, documented never to throw) and derives RTT from
 * its report blocks; `srtcp` first unprotects it (RFC 3711 §3.4, RFC 7714
 * §9) with replay checks, as the transport does, then walks it.
 *
 * `parseRtcp` gets a second oracle: the bytes past `length` must not
 * matter, so the same packet followed by different junk parses the same.
 *
 * @module
 */

import {
  parseRtcp,
  rttMsFromReport,
  writeBye,
  writeSdesCname,
  writeSenderReport,
} from "../src/rtp/rtcp.ts";
import {
  concatBytes,
  fnv1a,
  nextBytes,
  type Rng,
  writeInteger,
} from "./mutate.ts";
import { type FuzzTarget, neverThrows } from "./runner.ts";

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g)!, (b) => parseInt(b, 16));
}

const block = (ssrc: string) =>
  `${ssrc}05000010` + "00010203" + "00000020" + "abcd0000" + "00008000";

/** Compound RTCP packets of every type the parser reads. */
export function rtcpSeeds(): Uint8Array[] {
  const compound = new Uint8Array(200);
  let n = writeSenderReport(compound, 0, {
    ssrc: 0x11223344,
    ntpSeconds: 0xe8000000,
    ntpFraction: 0x80000000,
    rtpTimestamp: 960,
    packetCount: 10,
    octetCount: 1600,
  });
  n += writeSdesCname(compound, n, 0x11223344, "tgcall-fuzz");
  n += writeBye(compound, n, [0x11223344, 0x55667788]);
  const m = 250000;
  return [
    compound.slice(0, n),
    hex(
      "81c8000c" + "11223344" + "e800000080000000000003c00000000a00000640" +
        block("0000abcd"),
    ),
    hex("82c9000d" + "0000abcd" + block("11223344") + block("55667788")),
    hex("81ce0002000000004bc4fcb4"), // PLI
    hex("81cd0003902f9e2e902f9e2eaaaa5555"), // NACK
    hex("84ce0004" + "00000001" + "00000000" + "0000abcd" + "07000000"), // FIR
    hex(
      "8fce0005" + "00000001" + "00000000" + "52454d42" + "01" +
        ((2 << 2) | (m >> 16)).toString(16).padStart(2, "0") +
        (m & 0xffff).toString(16).padStart(4, "0") + "0000abcd",
    ), // REMB
    // transport-cc: a run of 4 small deltas; a two-bit status vector with a
    // large (negative) delta and a gap; a one-bit vector of 14.
    hex(
      "8fcd0006" + "00000001" + "0000abcd" + "00010004000001" + "00" + "2004" +
        "01020304" + "0000",
    ),
    hex(
      "8fcd0006" + "00000001" + "0000abcd" + "fff00004ffffff" + "07" + "d840" +
        "01ff9c05" + "0000",
    ),
    hex(
      "8fcd0008" + "00000001" + "0000abcd" + "0010000e000010" + "01" + "bfff" +
        "01".repeat(14),
    ),
    hex(
      "8fcd0005" + "00000001" + "0000abcd" + "00100004" + "00000101" +
        "20012001",
    ), // TWCC
    hex("80cf0001deadbeef"), // unknown type
  ];
}

/** A cheap summary of a parse: JSON, with typed arrays hashed. */
function fingerprint(parsed: unknown): string {
  return JSON.stringify(
    parsed,
    (_, v) =>
      v instanceof Float64Array
        ? fnv1a(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
        : v,
  );
}

/**
 * A compound of many transport-cc feedbacks, each claiming up to 65,535
 * statuses with a few run-length chunks: the most work per byte.
 */
function twccFlood(rng: Rng): Uint8Array {
  const packets: Uint8Array[] = [];
  for (let n = 1 + rng.below(40); n > 0; n--) {
    const count = rng.chance(0.5) ? 0xffff : rng.below(0x10000);
    const chunks = Math.ceil(count / 0x1fff);
    const fci = new Uint8Array((8 + 2 * chunks + 3) & ~3);
    writeInteger(fci, 2, 2, count);
    for (let c = 0; c < chunks; c++) {
      writeInteger(fci, 8 + 2 * c, 2, (rng.chance(0.9) ? 0 : 1 << 13) | 0x1fff);
    }
    const packet = new Uint8Array(12 + fci.length);
    writeInteger(packet, 0, 4, (0x8fcd0000 | (packet.length / 4 - 1)) >>> 0);
    packet.set(fci, 12);
    packets.push(packet);
  }
  return concatBytes(...packets);
}

/** parseRtcp with the oracle; throws a plain Error when it fails. */
export function walkRtcp(packet: Uint8Array, length: number): void {
  const parse = (junk: number) => {
    const buf = new Uint8Array(length + 64).fill(junk);
    buf.set(packet.subarray(0, length));
    return neverThrows("parseRtcp", () => parseRtcp(buf, length));
  };
  const first = parse(0x00);
  if (fingerprint(first) !== fingerprint(parse(0xff))) {
    throw new Error("parseRtcp read past `length`");
  }
  for (const p of first.packets) {
    if (p.type !== "sr" && p.type !== "rr") continue;
    for (const b of p.reports) rttMsFromReport(b, 1_700_000_000_000);
  }
}

/** The rtcp target. */
export const rtcpTarget: FuzzTarget<Uint8Array> = {
  name: "rtcp",
  drives: "parseRtcp, rttMsFromReport",
  seeds: rtcpSeeds,
  generate: (rng, seeds) =>
    rng.chance(0.01) ? twccFlood(rng) : nextBytes(rng, seeds, 1500),
  run(input) {
    walkRtcp(input, input.length);
  },
};
