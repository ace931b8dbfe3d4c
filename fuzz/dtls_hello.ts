/**
 * Fuzz target: the hello messages a DTLS server sends before any key
 * exists (RFC 6347 §4.2.1, RFC 5246 §7.4.1.3): ServerHello with its
 * use_srtp and extended_master_secret extensions, and HelloVerifyRequest.
 *
 * An input is one selector byte (even: ServerHello, odd:
 * HelloVerifyRequest) and then the message body.
 *
 * @module
 */

import { Writer } from "../src/dtls/codec.ts";
import {
  ExtensionType,
  parseHelloVerifyRequest,
  parseServerHello,
} from "../src/dtls/hello_messages.ts";
import { helloVerifyRequest, serverHello } from "./dtls_seeds.ts";
import { concatBytes, nextBytes } from "./mutate.ts";
import type { FuzzTarget } from "./runner.ts";

function seeds(): Uint8Array[] {
  const useSrtp = (profiles: number[], mki: number[] = []) => {
    const list = new Writer();
    for (const p of profiles) list.int(p, 2);
    return new Writer().int(ExtensionType.UseSrtp, 2).vector(
      new Writer().vector(list.finish(), 2).vector(mki, 1).finish(),
      2,
    ).finish();
  };
  const hellos = [
    serverHello(),
    serverHello(undefined),
    serverHello([]),
    serverHello([useSrtp([1])], 0xc02f),
    serverHello([useSrtp([1, 7])]), // two profiles: refused
    serverHello([useSrtp([7], [1, 2, 3])]),
  ];
  const verifies = [
    helloVerifyRequest(),
    helloVerifyRequest(0xfefd, new Uint8Array(32).fill(0xaa)),
    helloVerifyRequest(0xfeff, new Uint8Array(0)),
  ];
  return [
    ...hellos.map((b) => concatBytes(Uint8Array.of(0), b)),
    ...verifies.map((b) => concatBytes(Uint8Array.of(1), b)),
  ];
}

/** The dtls_hello target. */
export const dtlsHelloTarget: FuzzTarget<Uint8Array> = {
  name: "dtls_hello",
  drives: "parseServerHello, parseHelloVerifyRequest",
  seeds,
  generate: (rng, seeds) => nextBytes(rng, seeds, 1024),
  run(input) {
    if (input.length === 0) return;
    const body = input.subarray(1);
    if (input[0] % 2 === 0) parseServerHello(body);
    else parseHelloVerifyRequest(body);
  },
};
