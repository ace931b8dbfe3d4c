/**
 * Fuzz target: reading the public key out of the server's certificate
 * (`peerPublicKey`, over the DER reader in `der.ts`). The certificate is
 * checked against the remote fingerprint first, so in practice only the
 * SFU can send one; the reader must still fail cleanly on any bytes.
 *
 * Besides byte mutations, inputs get DER-aware ones: a TLV header found
 * by walking the tree gets a lying or odd length form, or another tag.
 *
 * @module
 */

import { peerPublicKey } from "../src/dtls/certificate.ts";
import { certificates } from "./dtls_seeds.ts";
import { nextBytes, type Rng, writeInteger } from "./mutate.ts";
import { atOddOffset, type FuzzTarget } from "./runner.ts";

/** Offsets of the TLV headers in `der`, found leniently (no throws). */
function headerOffsets(der: Uint8Array): number[] {
  const out: number[] = [];
  const walk = (start: number, end: number, depth: number) => {
    for (let at = start; at + 2 <= end && depth < 12;) {
      out.push(at);
      let length = der[at + 1];
      let content = at + 2;
      if (length & 0x80) {
        const n = length & 0x7f;
        if (n === 0 || n > 3) return;
        length = 0;
        for (let i = 0; i < n; i++) length = length * 256 + der[content + i];
        content += n;
      }
      if (content + length > end) return;
      if (der[at] & 0x20) walk(content, content + length, depth + 1);
      at = content + length;
    }
  };
  walk(0, der.length, 0);
  return out;
}

const TAGS = [0x30, 0x31, 0x02, 0x03, 0x05, 0x06, 0x04, 0xa0, 0xa3, 0x1f, 0x00];

function mutateDer(rng: Rng, seed: Uint8Array): Uint8Array {
  const headers = headerOffsets(seed);
  const at = rng.pick(headers);
  if (at === undefined) return seed.slice();
  const out = seed.slice();
  if (rng.chance(0.3)) {
    out[at] = rng.pick(TAGS);
    return out;
  }
  const form = rng.below(6);
  if (form === 0) out[at + 1] = 0x80; // indefinite: not DER
  else if (form === 1) out[at + 1] = 0x84; // four length bytes
  else if (form === 2) out[at + 1] = rng.below(0x80);
  else if (form === 3 && out[at + 1] & 0x80) {
    const n = out[at + 1] & 0x7f;
    writeInteger(out, at + 2, n, rng.chance(0.5) ? 0 : 2 ** (8 * n) - 1);
  } else out[at + 1] = (out[at + 1] + rng.below(5) - 2) & 0xff;
  return out;
}

/** The dtls_certificate target. */
export const dtlsCertificateTarget: FuzzTarget<Uint8Array> = {
  name: "dtls_certificate",
  drives: "peerPublicKey (der.ts readTlv, children, oidText)",
  seeds: certificates,
  generate: (rng, seeds) =>
    rng.chance(0.4)
      ? mutateDer(rng, rng.pick(seeds))
      : nextBytes(rng, seeds, 4096),
  run(input) {
    peerPublicKey(atOddOffset(input));
  },
};
