/**
 * Fuzz target: handshake reassembly (RFC 6347 §4.2.3) and, for every
 * message it completes, that message's body parser — the path a server
 * flight takes through the client. Fragments may be cut at any size,
 * arrive out of order, twice, or with offsets and lengths that lie.
 *
 * An input is a sequence of record fragments, each behind a 2-byte
 * length (the target's own framing; a short last one is taken as is).
 *
 * @module
 */

import {
  fragmentHandshake,
  HandshakeReassembler,
  HandshakeType,
} from "../src/dtls/handshake.ts";
import {
  parseHelloVerifyRequest,
  parseServerHello,
} from "../src/dtls/hello_messages.ts";
import {
  parseCertificateRequest,
  parseCertificates,
  parseServerKeyExchange,
} from "../src/dtls/key_exchange_messages.ts";
import { serverFlight } from "./dtls_seeds.ts";
import { concatBytes, mutateBytes, type Rng } from "./mutate.ts";
import type { FuzzTarget } from "./runner.ts";

const FLIGHT = serverFlight();

function frame(records: Uint8Array[]): Uint8Array {
  return concatBytes(
    ...records.flatMap((
      r,
    ) => [Uint8Array.of(r.length >> 8, r.length & 0xff), r]),
  );
}

/** The flight cut into fragments of `mtu`, shuffled and packed into records. */
function flightRecords(rng: Rng, mtu: number): Uint8Array {
  const fragments = FLIGHT.flatMap((m, seq) =>
    fragmentHandshake(m.type, seq, m.body, mtu)
  );
  if (rng.chance(0.5)) {
    for (let i = fragments.length - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [fragments[i], fragments[j]] = [fragments[j], fragments[i]];
    }
  }
  if (rng.chance(0.3)) fragments.push(rng.pick(fragments));
  const records: Uint8Array[] = [];
  for (let i = 0; i < fragments.length;) {
    const n = 1 + rng.below(3);
    records.push(concatBytes(...fragments.slice(i, i + n)));
    i += n;
  }
  return frame(records);
}

function parseBody(type: number, body: Uint8Array): void {
  switch (type) {
    case HandshakeType.ServerHello:
      parseServerHello(body);
      break;
    case HandshakeType.HelloVerifyRequest:
      parseHelloVerifyRequest(body);
      break;
    case HandshakeType.Certificate:
      parseCertificates(body);
      break;
    case HandshakeType.ServerKeyExchange:
      parseServerKeyExchange(body);
      break;
    case HandshakeType.CertificateRequest:
      parseCertificateRequest(body);
      break;
  }
}

/** The dtls_reassembly target. */
export const dtlsReassemblyTarget: FuzzTarget<Uint8Array> = {
  name: "dtls_reassembly",
  drives: "HandshakeReassembler.push, then the body parser of each message",
  seeds: () => {
    const fixed = [
      FLIGHT.flatMap((m, seq) => fragmentHandshake(m.type, seq, m.body, 4096)),
      FLIGHT.flatMap((m, seq) => fragmentHandshake(m.type, seq, m.body, 200)),
    ];
    return fixed.map((fragments) => frame(fragments));
  },
  generate(rng, seeds) {
    const base = rng.chance(0.2)
      ? rng.pick(seeds)
      : flightRecords(rng, 1 + rng.size(1200));
    return rng.chance(0.6) ? mutateBytes(rng, base, seeds, 16 * 1024) : base;
  },
  run(input) {
    const reassembler = new HandshakeReassembler();
    for (let at = 0; at + 2 <= input.length;) {
      const n = (input[at] << 8) | input[at + 1];
      const record = input.subarray(at + 2, at + 2 + n);
      at += 2 + n;
      for (const m of reassembler.push(record).messages) {
        parseBody(m.type, m.body);
      }
    }
  },
};
