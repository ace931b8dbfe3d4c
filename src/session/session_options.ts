/**
 * What {@linkcode joinGroupCall} accepts, the part of {@linkcode Client} a
 * session drives, and the defaults.
 *
 * @module
 */

import type {
  ChatId,
  CreateCallOptions,
  Logger,
  StreamSourceOptions,
} from "../client/options.ts";
import type {
  ConnectionChangeCallback,
  StreamEndCallback,
  UpgradeCallback,
} from "../client/events.ts";
import type { ConnectionState } from "../call/types.ts";
import { InvalidParamsError } from "../errors.ts";
import { type Scheduler, sharedScheduler } from "../runtime/scheduler.ts";
import type { Source } from "../source/sources.ts";
import {
  type BackoffOptions,
  resolveBackoffOptions,
  type ResolvedBackoffOptions,
} from "./backoff.ts";
import type { JoinAsPeer } from "./mtproto_adapter.ts";

/**
 * The {@linkcode Client} methods a session uses (a `Client` is one). Tests
 * may pass a scripted stand-in.
 */
export interface SessionClient {
  /** See `Client.createCall`. */
  createCall(chatId: ChatId, options?: CreateCallOptions): Promise<string>;
  /** See `Client.connect`. */
  connect(chatId: ChatId, answerJson: string): Promise<void>;
  /** See `Client.stop`. */
  stop(chatId: ChatId): Promise<void>;
  /** See `Client.setStreamSources`. */
  setStreamSources(
    chatId: ChatId,
    source: Source,
    options?: StreamSourceOptions,
  ): Promise<void>;
  /** See `Client.pause`. */
  pause(chatId: ChatId): Promise<boolean>;
  /** See `Client.resume`. */
  resume(chatId: ChatId): Promise<boolean>;
  /** See `Client.mute`. */
  mute(chatId: ChatId): Promise<boolean>;
  /** See `Client.unmute`. */
  unmute(chatId: ChatId): Promise<boolean>;
  /** See `Client.seekBy`. */
  seekBy(chatId: ChatId, deltaMs: number): Promise<void>;
  /** See `Client.time`. */
  time(chatId: ChatId): number;
  /** See `Client.audioSsrc` (signed, as in the join JSON). */
  audioSsrc(chatId: ChatId): number;
  /** See `Client.calls`: only each call's `state` is read. */
  calls(): ReadonlyMap<ChatId, { readonly state: ConnectionState | "new" }>;
  /** See `Client.onConnectionChange`. */
  onConnectionChange(callback: ConnectionChangeCallback): () => void;
  /** See `Client.onUpgrade`. */
  onUpgrade(callback: UpgradeCallback): () => void;
  /** See `Client.onStreamEnd`. */
  onStreamEnd(callback: StreamEndCallback): () => void;
  /** See `Client.createPresentation` (screen sharing; optional). */
  createPresentation?(chatId: ChatId): Promise<string>;
  /** See `Client.connectPresentation`. */
  connectPresentation?(chatId: ChatId, answerJson: string): Promise<void>;
  /** See `Client.setPresentationSource`. */
  setPresentationSource?(
    chatId: ChatId,
    source: Source,
    options?: StreamSourceOptions,
  ): Promise<void>;
  /** See `Client.stopPresentation`. */
  stopPresentation?(chatId: ChatId): Promise<void>;
}

/** Options of {@linkcode joinGroupCall}. */
export interface JoinGroupCallOptions {
  /**
   * Announce video SSRCs and join with `video_stopped` unset, so video
   * sources can be played; default `false` (audio only, `video_stopped`).
   */
  video?: boolean;
  /** Join as this peer (`join_as`); default the account itself. */
  joinAs?: JoinAsPeer;
  /** `invite_hash` of a `?voicechat=` link: speak in a muted call. */
  inviteHash?: string;
  /** `phone.checkGroupCall` period while disconnected, ms; default 4 000 (tdesktop's). */
  checkIntervalMs?: number;
  /** Delays between rejoins; default 1 s doubling up to 30 s, +≤20 % jitter. */
  backoff?: BackoffOptions;
  /** A connection held this long resets the backoff, ms; default `backoff.maxMs`. */
  stableMs?: number;
  /** Join payloads tried on `GROUPCALL_SSRC_DUPLICATE_MUCH`; default 5. */
  ssrcTries?: number;
  /** Failed rejoins in a row before the session stops; default unlimited. */
  maxRejoinAttempts?: number;
  /** Where the session logs what it cannot throw; default nowhere. */
  logger?: Logger;
  /**
   * Timers run here; default the process-wide scheduler (tests pass a fake).
   *
   * @internal
   */
  scheduler?: Scheduler;
  /** Uniform [0, 1) source for the backoff jitter; default `Math.random`. */
  random?: () => number;
}

/** {@linkcode JoinGroupCallOptions} with defaults applied. */
export interface ResolvedSessionOptions {
  /** See {@linkcode JoinGroupCallOptions.video}. */
  readonly video: boolean;
  /** See {@linkcode JoinGroupCallOptions.joinAs}. */
  readonly joinAs: JoinAsPeer | undefined;
  /** See {@linkcode JoinGroupCallOptions.inviteHash}. */
  readonly inviteHash: string | undefined;
  /** See {@linkcode JoinGroupCallOptions.checkIntervalMs}. */
  readonly checkIntervalMs: number;
  /** See {@linkcode JoinGroupCallOptions.backoff}. */
  readonly backoff: ResolvedBackoffOptions;
  /** See {@linkcode JoinGroupCallOptions.stableMs}. */
  readonly stableMs: number;
  /** See {@linkcode JoinGroupCallOptions.ssrcTries}. */
  readonly ssrcTries: number;
  /** See {@linkcode JoinGroupCallOptions.maxRejoinAttempts}. */
  readonly maxRejoinAttempts: number;
  /** Every method present (missing ones do nothing). */
  readonly logger: Required<Pick<Logger, "debug" | "warn">>;
  /** See {@linkcode JoinGroupCallOptions.scheduler}. */
  readonly scheduler: Scheduler;
  /** See {@linkcode JoinGroupCallOptions.random}. */
  readonly random: () => number;
}

/** `logger[level]`, or nothing; a logger that throws is ignored. */
function safe(logger: Logger, level: "debug" | "warn") {
  return (...args: unknown[]): void => {
    try {
      logger[level]?.(...args);
    } catch {
      // Logging must never break the session.
    }
  };
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new InvalidParamsError(`${name} must be > 0, got ${value}`);
  }
  return value;
}

/**
 * Applies defaults and checks ranges.
 *
 * @throws {InvalidParamsError} for out-of-range tuning.
 */
export function resolveSessionOptions(
  options: JoinGroupCallOptions = {},
): ResolvedSessionOptions {
  const backoff = resolveBackoffOptions(options.backoff);
  const ssrcTries = options.ssrcTries ?? 5;
  if (!(Number.isInteger(ssrcTries) && ssrcTries >= 1)) {
    throw new InvalidParamsError(
      `ssrcTries must be an integer ≥ 1, got ${ssrcTries}`,
    );
  }
  const maxRejoinAttempts = options.maxRejoinAttempts ?? Infinity;
  if (!(maxRejoinAttempts >= 1)) {
    throw new InvalidParamsError(
      `maxRejoinAttempts must be ≥ 1, got ${maxRejoinAttempts}`,
    );
  }
  const logger = options.logger ?? {};
  return {
    video: options.video ?? false,
    joinAs: options.joinAs,
    inviteHash: options.inviteHash,
    checkIntervalMs: positive(
      "checkIntervalMs",
      options.checkIntervalMs ?? 4_000,
    ),
    backoff,
    stableMs: positive("stableMs", options.stableMs ?? backoff.maxMs),
    ssrcTries,
    maxRejoinAttempts,
    logger: { debug: safe(logger, "debug"), warn: safe(logger, "warn") },
    scheduler: options.scheduler ?? sharedScheduler(),
    random: options.random ?? Math.random,
  };
}
