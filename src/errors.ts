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

/**
 * A UDP socket could not be bound because the process (`EMFILE`) or the
 * system (`ENFILE`) is out of file descriptors. The call that needed it
 * failed cleanly; raise `ulimit -n`, share one socket with `sharedUdpMux`,
 * or stop calls before starting more.
 */
export class SocketLimitError extends SocketError {
  /**
   * Creates the error.
   *
   * @param message Which socket could not be bound.
   * @param options Standard `ErrorOptions` (the runtime's error as `cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    Object.defineProperty(this, "code", { value: "SOCKET_LIMIT" });
  }
}

/** ffmpeg could not be started: binary missing, not executable, or no resources. */
export class FFmpegSpawnError extends SpawnError {
  /**
   * Creates the error.
   *
   * @param command The ffmpeg binary that was to be spawned.
   * @param message Why it failed.
   * @param options Standard `ErrorOptions`.
   */
  constructor(command: string, message: string, options?: ErrorOptions) {
    super(command, message, options);
    Object.defineProperty(this, "code", { value: "FFMPEG_SPAWN" });
  }
}

/**
 * ffmpeg stopped producing output: nothing arrived on its stdout for
 * `timeoutMs` while tgcall was waiting for media (a URL that stopped
 * sending without closing, a stopped or hung process). tgcall kills it
 * and ends the stream with this error.
 */
export class FFmpegStalledError extends TgCallError {
  /** How long ffmpeg was silent before it was killed, ms. */
  readonly timeoutMs: number;

  /**
   * Creates the error.
   *
   * @param timeoutMs The stall timeout that expired, ms.
   * @param stderr The tail of ffmpeg's stderr, if any.
   */
  constructor(timeoutMs: number, stderr = "") {
    const tail = stderr.trim().slice(-512);
    super(
      "FFMPEG_STALLED",
      `ffmpeg produced no output for ${timeoutMs} ms${tail ? `: ${tail}` : ""}`,
    );
    this.timeoutMs = timeoutMs;
  }
}

/**
 * ffmpeg exited with a non-zero code that we did not cause. Carries the
 * exit code and the last 512 bytes of its stderr, which usually name the
 * problem ("Connection refused", "Invalid data found when processing input").
 */
export class FFmpegCrashedError extends TgCallError {
  /** ffmpeg's exit code, or `null` when a signal killed it. */
  readonly exitCode: number | null;
  /** The signal that killed it, if any. */
  readonly signal: string | null;
  /** The last 512 bytes of ffmpeg's stderr. */
  readonly stderr: string;

  /**
   * Creates the error.
   *
   * @param exitCode Exit code, or `null`.
   * @param signal Killing signal, or `null`.
   * @param stderr The tail of stderr.
   */
  constructor(exitCode: number | null, signal: string | null, stderr: string) {
    const tail = stderr.length > 512 ? stderr.slice(-512) : stderr;
    super(
      "FFMPEG_CRASHED",
      `ffmpeg exited (${
        signal ? `signal ${signal}` : `exit=${exitCode}`
      }): ${tail.trim()}`,
    );
    this.exitCode = exitCode;
    this.signal = signal;
    this.stderr = tail;
  }
}

/** The source has no playable stream of the requested kind. */
export class FileError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message What was missing.
   * @param options Standard `ErrorOptions`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("FILE", message, options);
  }
}

/** `createCall`/`startRtmp` for a chat that already has a live call. */
export class ConnectionExistsError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message Which chat.
   */
  constructor(message: string) {
    super("CONNECTION_EXISTS", message);
  }
}

/** A method was called with a chat id that has no call (never created, or stopped). */
export class ConnectionNotFoundError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message Which chat.
   */
  constructor(message: string) {
    super("CONNECTION_NOT_FOUND", message);
  }
}

/**
 * The call did not reach Connected within `connectTimeoutMs`, or its
 * connection failed; `cause` then says why (e.g. an {@linkcode IceFailedError}).
 */
export class NotConnectedError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message Which chat and how long we waited.
   * @param options Standard `ErrorOptions` (the failure as `cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super("NOT_CONNECTED", message, options);
  }
}

/** A WebRTC-only method on an RTMP call, or the other way round. */
export class WrongModeError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message Which method and mode.
   */
  constructor(message: string) {
    super("WRONG_MODE", message);
  }
}

/** Seek/time on a call with nothing playing. */
export class NoSourceError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message Which chat.
   */
  constructor(message: string) {
    super("NO_SOURCE", message);
  }
}

/** The active source cannot seek. */
export class SeekUnsupportedError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message Which source.
   */
  constructor(message: string) {
    super("SEEK_UNSUPPORTED", message);
  }
}

/**
 * Telegram answered `{"stream": true}`: the bot joined as a listener and is
 * not allowed to speak. Re-join (a fresh `createCall`) once it may speak.
 */
export class StreamModeError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message Which chat.
   */
  constructor(message: string) {
    super("STREAM_MODE", message);
  }
}

/**
 * Telegram answered with an RTMP call: media must be pushed with
 * `startRtmp` to the URL from `phone.getGroupCallStreamRtmpUrl`.
 */
export class RtmpModeError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message Which chat.
   */
  constructor(message: string) {
    super("RTMP_MODE", message);
  }
}

/**
 * ffmpeg's Ogg/Opus output did not parse (RFC 3533 page, RFC 7845 header):
 * a bad capture pattern, CRC or header. Ends the audio leg.
 *
 * @example
 * ```ts
 * import { OggParseError, TgCallError } from "./errors.ts";
 *
 * const error = new OggParseError("Cannot read Ogg: page CRC mismatch");
 * console.log(error instanceof TgCallError, error.code); // true "OGG_PARSE"
 * ```
 */
export class OggParseError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message What was wrong.
   */
  constructor(message: string) {
    super("OGG_PARSE", message);
  }
}

/**
 * ffmpeg's IVF (VP8) output did not parse: no "DKIF" signature, a bad
 * header or an impossible frame size. Ends the video leg.
 *
 * @example
 * ```ts
 * import { IvfParseError, TgCallError } from "./errors.ts";
 *
 * const error = new IvfParseError("Cannot read IVF: bad header");
 * console.log(error instanceof TgCallError, error.code); // true "IVF_PARSE"
 * ```
 */
export class IvfParseError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message What was wrong.
   */
  constructor(message: string) {
    super("IVF_PARSE", message);
  }
}

/**
 * Why ICE failed: `"no-response"` — no remote candidate answered a check
 * within the failure timeout; `"consent-lost"` — the selected pair stopped
 * answering consent checks for that long (RFC 7675 §5.1).
 */
export type IceFailureReason = "no-response" | "consent-lost";

/**
 * ICE failed: the SFU cannot be reached, or stopped answering. A failed
 * call's {@linkcode NotConnectedError} carries it as `cause`.
 *
 * @example
 * ```ts
 * import { IceFailedError, TgCallError } from "./errors.ts";
 *
 * const error = new IceFailedError("consent-lost", 30_000);
 * console.log(error instanceof TgCallError, error.code, error.reason); // true "ICE_FAILED" "consent-lost"
 * ```
 */
export class IceFailedError extends TgCallError {
  /** Why it failed. */
  readonly reason: IceFailureReason;

  /**
   * Creates the error.
   *
   * @param reason Why it failed.
   * @param afterMs How long the agent waited for an answer, ms.
   */
  constructor(reason: IceFailureReason, afterMs: number) {
    super(
      "ICE_FAILED",
      reason === "no-response"
        ? `ICE failed: no answer from any remote candidate in ${afterMs} ms`
        : `ICE failed: consent lost, no answer on the selected pair for ${afterMs} ms`,
    );
    this.reason = reason;
  }
}
