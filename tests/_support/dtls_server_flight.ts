/**
 * The server half of a DTLS 1.2 ECDHE-ECDSA handshake, built from
 * `src/dtls/` codec helpers, for scripted test servers: flight 4
 * (ServerHello, Certificate, ServerKeyExchange, ServerHelloDone; RFC 5246
 * §7.4, RFC 8422 §5.4), the key schedule from the client's
 * ClientKeyExchange (extended master secret, RFC 7627), and flight 6's
 * Finished. Each piece takes the knobs a hostile server turns.
 *
 * @module
 */

import { p256 } from "@noble/curves/nist.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { DtlsCertificate } from "../../src/dtls/certificate.ts";
import { encodeU16s, Reader, Writer } from "../../src/dtls/codec.ts";
import { encodeHandshake } from "../../src/dtls/handshake.ts";
import {
  CipherSuite,
  ExtensionType,
  UseSrtpProfileId,
} from "../../src/dtls/hello_messages.ts";
import {
  encodeCertificate,
  NamedGroup,
  SignatureScheme,
} from "../../src/dtls/key_exchange_messages.ts";
import {
  extendedMasterSecret,
  gcmKeyBlock,
  type GcmKeys,
  verifyData,
} from "../../src/dtls/prf.ts";

/** What flight 4 says; every field defaults to the honest value. */
export interface Flight4Options {
  /** Suite to pick; default ECDHE-ECDSA-AES128-GCM-SHA256. */
  cipherSuite?: number;
  /** renegotiation_info's renegotiated_connection; default empty (RFC 5746 §3.4). */
  renegotiatedConnection?: Uint8Array;
  /** The certificate sent; default the server's own. */
  certificate?: DtlsCertificate;
  /** Named group of the ECDHE key; default secp256r1. */
  group?: number;
  /** Key that signs ServerKeyExchange; default the certificate's. */
  signingKey?: Uint8Array;
  /** Flips a bit of the ServerKeyExchange signature. */
  corruptSignature?: boolean;
}

/** Flight 4's four message bodies, in order. */
export interface Flight4 {
  /** [type, body] of ServerHello, Certificate, ServerKeyExchange, ServerHelloDone. */
  messages: [number, Uint8Array][];
  /** Our ephemeral P-256 secret. */
  ecdheSecret: Uint8Array;
}

/** The ClientHello fields a server needs: random and cookie. */
export function parseClientHello(
  body: Uint8Array,
): { random: Uint8Array; cookie: Uint8Array } {
  const r = new Reader(body);
  r.u16();
  const random = r.bytes(32).slice();
  r.vector(1);
  return { random, cookie: r.vector(1).slice() };
}

/** Builds flight 4 for a ClientHello with `clientRandom`. */
export function buildFlight4(
  certificate: DtlsCertificate,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  options: Flight4Options = {},
): Flight4 {
  const ext = (type: number, data: Uint8Array) =>
    new Writer().int(type, 2).vector(data, 2).finish();
  const extensions = new Writer()
    .put(ext(
      ExtensionType.UseSrtp,
      new Writer().vector(encodeU16s([UseSrtpProfileId.Aes128CmHmacSha1_80]), 2)
        .int(0, 1).finish(),
    ))
    .put(ext(ExtensionType.ExtendedMasterSecret, new Uint8Array(0)))
    .put(ext(
      ExtensionType.RenegotiationInfo,
      new Writer().vector(options.renegotiatedConnection ?? [], 1).finish(),
    ))
    .finish();
  const serverHello = new Writer()
    .int(0xfefd, 2)
    .put(serverRandom)
    .vector([], 1)
    .int(options.cipherSuite ?? CipherSuite.EcdheEcdsaAes128GcmSha256, 2)
    .int(0, 1)
    .vector(extensions, 2)
    .finish();
  const sent = options.certificate ?? certificate;
  const ecdheSecret = p256.utils.randomSecretKey();
  const params = new Writer()
    .int(3, 1) // named_curve
    .int(options.group ?? NamedGroup.Secp256r1, 2)
    .vector(p256.getPublicKey(ecdheSecret, false), 1)
    .finish();
  const signed = new Uint8Array([...clientRandom, ...serverRandom, ...params]);
  const signature = p256.sign(signed, options.signingKey ?? sent.privateKey, {
    prehash: true,
    format: "der",
  });
  if (options.corruptSignature) signature[signature.length - 1] ^= 1;
  const keyExchange = new Writer()
    .put(params)
    .int(SignatureScheme.EcdsaSecp256r1Sha256, 2)
    .vector(signature, 2)
    .finish();
  return {
    messages: [
      [2, serverHello],
      [11, encodeCertificate(sent.der)],
      [12, keyExchange],
      [14, new Uint8Array(0)],
    ],
    ecdheSecret,
  };
}

/** The handshake transcript and, once the client's key arrives, the keys. */
export class ServerKeySchedule {
  readonly #transcript: Uint8Array[] = [];
  #master: Uint8Array | undefined;

  /** Appends one whole message (header and body) to the transcript. */
  add(type: number, seq: number, body: Uint8Array): void {
    this.#transcript.push(encodeHandshake(type, seq, body));
  }

  /**
   * Derives the master secret from the ClientKeyExchange body (already
   * added) and returns the record keys.
   */
  keys(
    ecdheSecret: Uint8Array,
    clientKeyExchange: Uint8Array,
    clientRandom: Uint8Array,
    serverRandom: Uint8Array,
  ): GcmKeys {
    const point = new Reader(clientKeyExchange).vector(1);
    const preMaster = p256.getSharedSecret(ecdheSecret, point, true).slice(1);
    this.#master = extendedMasterSecret(preMaster, this.#hash());
    return gcmKeyBlock(this.#master, clientRandom, serverRandom);
  }

  /** verify_data for `label` over the transcript so far. */
  finished(label: "client finished" | "server finished"): Uint8Array {
    return verifyData(this.#master!, label, this.#hash());
  }

  #hash(): Uint8Array {
    return sha256(
      new Uint8Array(this.#transcript.flatMap((m) => Array.from(m))),
    );
  }
}
