/**
 * Every error tgcall raises extends {@linkcode TgCallError}, so callers can
 * branch with `instanceof` instead of matching message strings.
 *
 * @module
 */

/** Base class of every error thrown or reported by tgcall. */
export class TgCallError extends Error {
  /** A stable machine-readable code, e.g. `"INVALID_PARAMS"`. */
  readonly code: string;

  /**
   * Creates an error with a stable code.
   *
   * @param code Stable machine-readable code.
   * @param message Human-readable description.
   * @param options Standard `ErrorOptions` (use `cause` to wrap).
   */
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An argument or a remote blob was malformed or out of range. */
export class InvalidParamsError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message What was wrong.
   * @param options Standard `ErrorOptions`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("INVALID_PARAMS", message, options);
  }
}

/** A method was called on an object that was already closed. */
export class ClosedError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message What was closed.
   * @param options Standard `ErrorOptions`.
   */
  constructor(message = "Cannot use a closed object", options?: ErrorOptions) {
    super("CLOSED", message, options);
  }
}

/**
 * A subprocess could not be started: the binary is missing, not executable,
 * or the OS refused to fork.
 */
export class SpawnError extends TgCallError {
  /** The command that could not be started. */
  readonly command: string;

  /**
   * Creates the error.
   *
   * @param command The binary that was to be spawned.
   * @param message Why it failed.
   * @param options Standard `ErrorOptions`.
   */
  constructor(command: string, message: string, options?: ErrorOptions) {
    super("SPAWN", message, options);
    this.command = command;
  }
}

/** A UDP socket could not be bound or used. */
export class SocketError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message Why the socket operation failed.
   * @param options Standard `ErrorOptions`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("SOCKET", message, options);
  }
}
