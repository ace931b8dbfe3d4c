/**
 * The STUN layer's error: every malformation a decoder finds is reported as
 * {@linkcode StunParseError}, so the ICE agent can drop and count such
 * datagrams without catching anything else.
 *
 * @module
 */

import { TgCallError } from "../errors.ts";

/** A malformed STUN message. */
export class StunParseError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message What was wrong with the bytes.
   */
  constructor(message: string) {
    super("STUN_PARSE", message);
  }
}
