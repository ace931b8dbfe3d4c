/**
 * The client handshake as a table: for each step, the server messages it
 * accepts, what handles each, whether it joins the transcript, and the
 * step that follows. Anything not in the table is an
 * `unexpected_message` (RFC 5246 §7.2.2).
 *
 * ```
 *  step                 message              → next
 *  serverHello          HelloVerifyRequest   → serverHello (ClientHello again)
 *  serverHello          ServerHello          → certificate
 *  certificate          Certificate          → serverKeyExchange
 *  serverKeyExchange    ServerKeyExchange    → certificateRequest
 *  certificateRequest   CertificateRequest   → serverHelloDone
 *  certificateRequest   ServerHelloDone      → flight5
 *  serverHelloDone      ServerHelloDone      → flight5
 *  flight5              (none: computing flight 5; the client moves on to finished)
 *  finished             Finished             → done
 * ```
 *
 * Certificate and ServerKeyExchange are never optional here: both suites
 * we offer are ECDHE with a signed key exchange (RFC 8422 §2).
 *
 * @module
 */

import { HandshakeType } from "./handshake.ts";

/** Where the client is in the handshake. */
export type HandshakeStep =
  | "serverHello"
  | "certificate"
  | "serverKeyExchange"
  | "certificateRequest"
  | "serverHelloDone"
  | "flight5"
  | "finished"
  | "done";

/** What handles an accepted server message. */
export type ServerMessageHandler =
  | "helloVerifyRequest"
  | "serverHello"
  | "certificate"
  | "serverKeyExchange"
  | "certificateRequest"
  | "serverHelloDone"
  | "finished";

/** One row of the table. */
export interface Transition {
  /** The handler to run with the message body. */
  readonly handler: ServerMessageHandler;
  /**
   * Whether the whole message joins the transcript (before the handler
   * runs). HelloVerifyRequest does not (RFC 6347 §4.2.1), nor does the
   * server Finished, which we verify and never hash again.
   */
  readonly transcript: boolean;
  /** The step after the handler. */
  readonly next: HandshakeStep;
}

const helloDone: Transition = {
  handler: "serverHelloDone",
  transcript: true,
  next: "flight5",
};

/** The client's handshake: step × message type → transition. */
export const CLIENT_HANDSHAKE: Readonly<
  Record<HandshakeStep, Readonly<Partial<Record<number, Transition>>>>
> = {
  serverHello: {
    [HandshakeType.HelloVerifyRequest]: {
      handler: "helloVerifyRequest",
      transcript: false,
      next: "serverHello",
    },
    [HandshakeType.ServerHello]: {
      handler: "serverHello",
      transcript: true,
      next: "certificate",
    },
  },
  certificate: {
    [HandshakeType.Certificate]: {
      handler: "certificate",
      transcript: true,
      next: "serverKeyExchange",
    },
  },
  serverKeyExchange: {
    [HandshakeType.ServerKeyExchange]: {
      handler: "serverKeyExchange",
      transcript: true,
      next: "certificateRequest",
    },
  },
  certificateRequest: {
    [HandshakeType.CertificateRequest]: {
      handler: "certificateRequest",
      transcript: true,
      next: "serverHelloDone",
    },
    [HandshakeType.ServerHelloDone]: helloDone,
  },
  serverHelloDone: { [HandshakeType.ServerHelloDone]: helloDone },
  flight5: {},
  finished: {
    [HandshakeType.Finished]: {
      handler: "finished",
      transcript: false,
      next: "done",
    },
  },
  done: {},
};

/** The transition for `type` in `step`, or `undefined` when it is unexpected there. */
export function transitionFor(
  step: HandshakeStep,
  type: number,
): Transition | undefined {
  return CLIENT_HANDSHAKE[step][type];
}

/** A handshake type's name for messages, e.g. `"ServerHello"`. */
export function handshakeTypeName(type: number): string {
  const entry = Object.entries(HandshakeType).find(([, v]) => v === type);
  return entry ? entry[0] : `type ${type}`;
}
