/**
 * TLS alerts (RFC 5246 §7.2) and the errors that carry them.
 *
 * Every failure in `src/dtls/` is a {@linkcode DtlsError}; malformed bytes
 * from the network are the narrower {@linkcode DtlsParseError}, so callers
 * can tell a peer that speaks garbage from one that fails a check.
 *
 * @module
 */

import { TgCallError } from "../errors.ts";

/** Alert levels (RFC 5246 §7.2). */
export const AlertLevel = { Warning: 1, Fatal: 2 } as const;

/** Alert descriptions used here (RFC 5246 §7.2). */
export const Alert = {
  CloseNotify: 0,
  UnexpectedMessage: 10,
  BadRecordMac: 20,
  HandshakeFailure: 40,
  BadCertificate: 42,
  UnsupportedCertificate: 43,
  IllegalParameter: 47,
  DecodeError: 50,
  DecryptError: 51,
  InternalError: 80,
  NoRenegotiation: 100,
} as const;

/**
 * A DTLS failure: malformed input, a failed check, or a peer alert.
 */
export class DtlsError extends TgCallError {
  /** The TLS alert description to send or that was received, if any. */
  readonly alert: number | undefined;

  /**
   * Creates the error.
   *
   * @param message What went wrong.
   * @param alert The alert description involved.
   * @param code Stable code; subclasses pass their own.
   */
  constructor(message: string, alert?: number, code = "DTLS") {
    super(code, message);
    this.alert = alert;
  }
}

/**
 * Bytes from the peer that do not decode: a truncated message, a length
 * field that points past its container, or a value out of range. The
 * alert is always `decode_error` (RFC 5246 §7.2.2).
 */
export class DtlsParseError extends DtlsError {
  /**
   * Creates the error.
   *
   * @param message What could not be decoded.
   */
  constructor(message: string) {
    super(message, Alert.DecodeError, "DTLS_PARSE");
  }
}

/** Wraps anything thrown inside the client as a {@linkcode DtlsError}. */
export function asDtlsError(error: unknown): DtlsError {
  return error instanceof DtlsError ? error : new DtlsError(
    `DTLS internal error: ${String(error)}`,
    Alert.InternalError,
  );
}
