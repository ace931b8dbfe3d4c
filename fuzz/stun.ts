/**
 * Fuzz targets: STUN datagrams from the SFU or anyone who can reach our
 * UDP port. `stun` decodes a message and checks MESSAGE-INTEGRITY and
 * FINGERPRINT over it (RFC 8489 §14.5, §14.7), as the ICE agent does;
 * `stun_username` is the shared socket's pre-decode peek at USERNAME.
 *
 * Seeds are the RFC 5769 vectors and messages our encoder builds.
 *
 * @module
 */

import { StunClass, StunMethod } from "../src/stun/header.ts";
import {
  verifyFingerprint,
  verifyMessageIntegrity,
} from "../src/stun/integrity.ts";
import { decodeStunMessage, encodeStunMessage } from "../src/stun/message.ts";
import { stunUsernameHead } from "../src/stun/username.ts";
import { nextBytes } from "./mutate.ts";
import { atOddOffset, type FuzzTarget, neverThrows } from "./runner.ts";

const PASSWORD = new TextEncoder().encode("VOkJxbRl1RmTxUk/WvJxBt");

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g)!, (b) => parseInt(b, 16));
}

/** RFC 5769 §2.1–2.3: request, IPv4 and IPv6 responses. */
const RFC5769 = [
  "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf",
  "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96",
  "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c8292c275bfe3ed4180280004c8fb0b4c",
];

function stunSeeds(): Uint8Array[] {
  const transactionId = hex("b7e7a701bc34d686fa87dfae");
  const signed = { integrityKey: PASSWORD, fingerprint: true };
  return [
    ...RFC5769.map(hex),
    encodeStunMessage({
      method: StunMethod.Binding,
      class: StunClass.Request,
      transactionId,
      username: "f5fno1e3ejbrhl:a1b2",
      priority: 0x6e0001ff,
      iceControlling: 0x1122334455667788n,
      useCandidate: true,
    }, signed),
    encodeStunMessage({
      method: StunMethod.Binding,
      class: StunClass.SuccessResponse,
      transactionId,
      xorMappedAddress: { address: "2001:db8::1", port: 40000 },
      software: "tgcall",
    }, signed),
    encodeStunMessage({
      method: StunMethod.Binding,
      class: StunClass.ErrorResponse,
      transactionId,
      errorCode: { code: 487, reason: "Role Conflict" },
    }, signed),
    encodeStunMessage({
      method: StunMethod.Binding,
      class: StunClass.Indication,
      transactionId,
    }, { fingerprint: true }),
  ];
}

/** The stun target. */
export const stunTarget: FuzzTarget<Uint8Array> = {
  name: "stun",
  drives: "decodeStunMessage, verifyMessageIntegrity, verifyFingerprint",
  seeds: stunSeeds,
  generate: (rng, seeds) => nextBytes(rng, seeds, 1500),
  run(input) {
    const message = decodeStunMessage(atOddOffset(input));
    verifyMessageIntegrity(message, PASSWORD);
    verifyFingerprint(message);
  },
};

/** The stun_username target. */
export const stunUsernameTarget: FuzzTarget<Uint8Array> = {
  name: "stun_username",
  drives: "stunUsernameHead",
  seeds: stunSeeds,
  generate: (rng, seeds) => nextBytes(rng, seeds, 1500),
  run(input) {
    const head = neverThrows(
      "stunUsernameHead",
      () => stunUsernameHead(atOddOffset(input)),
    );
    if (head !== undefined && typeof head !== "string") {
      throw new Error("stunUsernameHead returned a non-string");
    }
  },
};
