/**
 * What a client is configured with and what its callers pass in, with the
 * checks made on them: option validation and defaults, chat-id
 * normalisation (numbers and bigints name the same chat), source and
 * answer checks, and the ffmpeg probe that makes a missing or broken
 * ffmpeg fail `Client.create` rather than the first `setStreamSources`.
 *
 * @module
 */

import {
  FFmpegSpawnError,
  InvalidParamsError,
  RtmpModeError,
  StreamModeError,
} from "../errors.ts";
import { spawnFfmpeg } from "../source/ffmpeg_process.ts";
import {
  parseJoinResponse,
  type RtcJoinResponse,
} from "../signaling/join_response.ts";
import {
  type Source,
  type SourceRecipe,
  sourceRecipe,
} from "../source/sources.ts";
import type { SrtpProfileName } from "../srtp/profile.ts";
import {
  DEFAULT_NETWORK_TYPES,
  type NetworkType,
} from "../transport/datagram_port.ts";

/** A console-compatible logger. Missing methods are ignored. */
export interface Logger {
  /** Debug messages (only with `debugLogs`/`verboseConnectionLogs`/`ffmpegStderrLog`). */
  debug?(...args: unknown[]): void;
  /** Informational messages. */
  info?(...args: unknown[]): void;
  /** Warnings. */
  warn?(...args: unknown[]): void;
  /** Errors. */
  error?(...args: unknown[]): void;
}

/** Options for `Client.create`. */
export interface ClientOptions {
  /** ffmpeg binary; default `"ffmpeg"` from PATH. `create` fails fast if it cannot run. */
  ffmpegPath?: string;
  /** Where logs go. Default: nowhere (the client is silent). */
  logger?: Logger;
  /** Debug logs; without a `logger` they go to `console`. */
  debugLogs?: boolean;
  /** Tee ffmpeg's stderr, line by line, into debug logs (ffmpeg runs at `-loglevel info`). */
  ffmpegStderrLog?: boolean;
  /** One UDP socket (per family) for every call. */
  sharedUdpMux?: boolean;
  /** DTLS certificates kept ready; default 8, 0 disables the pool. */
  dtlsCertPool?: number;
  /** Event queue size; default 256. When full the oldest event is dropped. */
  dispatchBuffer?: number;
  /** Candidate families; default `["udp4", "udp6"]`. */
  networkTypes?: NetworkType[];
  /** How long to wait for Connected (connect timeout, and `setStreamSources`/`resume`); default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Per-state ICE/DTLS details in debug logs. */
  verboseConnectionLogs?: boolean;
  /** Local bind addresses; default the wildcards. */
  bindAddress?: { udp4?: string; udp6?: string };
  /** SRTP profiles offered, preferred first; default AES_CM_128_HMAC_SHA1_80 then AEAD_AES_128_GCM. */
  srtpProfiles?: SrtpProfileName[];
}

/** Options for `Client.createCall`. */
export interface CreateCallOptions {
  /**
   * Announce a video SSRC group (needed to stream video later); default
   * true. `false` gives an audio-only join payload without `ssrc-groups`.
   */
  video?: boolean;
}

/** Options for `Client.setStreamSources`. */
export interface StreamSourceOptions {
  /**
   * Start this many milliseconds into the source (seekable sources); used to
   * resume where a previous call left off, e.g. after a rejoin. Default 0.
   */
  offsetMs?: number;
}

/** A chat id: a number (safe integer) or a bigint. */
export type ChatId = number | bigint;

/** Default {@linkcode ClientOptions.connectTimeoutMs}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * The registry key of a chat: `5` and `5n` are the same chat.
 *
 * @throws {InvalidParamsError} for anything but a safe integer or a bigint.
 */
export function chatKey(chatId: ChatId): string {
  if (typeof chatId === "bigint") return chatId.toString();
  if (typeof chatId === "number" && Number.isSafeInteger(chatId)) {
    return String(chatId);
  }
  throw new InvalidParamsError(
    `chatId must be a safe integer or a bigint, got ${String(chatId)}`,
  );
}

const noop = () => {};

/**
 * The client's logger with every method present: debug only when one of
 * the debug options is on, `console` when `debugLogs` is set without a
 * logger, silence otherwise.
 */
export function clientLogger(options: ClientOptions): Required<Logger> {
  const debug = !!(options.debugLogs || options.verboseConnectionLogs ||
    options.ffmpegStderrLog);
  const base: Logger = options.logger ?? (options.debugLogs ? console : {});
  return {
    debug: debug && base.debug ? base.debug.bind(base) : noop,
    info: base.info?.bind(base) ?? noop,
    warn: base.warn?.bind(base) ?? noop,
    error: base.error?.bind(base) ?? noop,
  };
}

/**
 * Validates `options`, then checks that ffmpeg runs; returns the network
 * types to use.
 *
 * @throws {InvalidParamsError} for a non-positive timeout or an empty or
 * unknown network type list.
 * @throws {FFmpegSpawnError} when ffmpeg is missing or broken.
 */
export async function checkClientOptions(
  options: ClientOptions,
): Promise<readonly NetworkType[]> {
  const timeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new InvalidParamsError("connectTimeoutMs must be positive");
  }
  const types = options.networkTypes ?? DEFAULT_NETWORK_TYPES;
  // The default is every family there is.
  if (
    types.length === 0 || types.some((t) => !DEFAULT_NETWORK_TYPES.includes(t))
  ) {
    throw new InvalidParamsError(
      `networkTypes must be a non-empty subset of ["udp4", "udp6"], got ${
        JSON.stringify(types)
      }`,
    );
  }
  await checkFfmpeg(options.ffmpegPath ?? "ffmpeg");
  return types;
}

/**
 * Runs `ffmpeg -version` once.
 *
 * @throws {FFmpegSpawnError} when ffmpeg is missing, not executable or
 * exits non-zero.
 */
async function checkFfmpeg(path: string): Promise<void> {
  const child = await spawnFfmpeg(
    path,
    { args: ["-hide_banner", "-version"] },
    `ffmpeg not found or not executable (${path}); install it or set ffmpegPath`,
  );
  await new Response(child.stdout).arrayBuffer();
  const status = await child.exited;
  if (status.code !== 0) {
    throw new FFmpegSpawnError(
      path,
      `${path} -version exited with ${
        status.code ?? status.signal
      }: ${child.stderrTail()}`,
    );
  }
}

/**
 * The recipe behind `source` and the offset to start it at.
 *
 * @throws {InvalidParamsError} unless `source` is a Source and the offset
 * a finite number ≥ 0.
 */
export function checkStreamSource(
  source: Source,
  options: StreamSourceOptions,
): { recipe: SourceRecipe; offsetMs: number } {
  const recipe = sourceRecipe(source);
  const offsetMs = options.offsetMs ?? 0;
  if (!Number.isFinite(offsetMs) || offsetMs < 0) {
    throw new InvalidParamsError(
      `offsetMs must be a finite number ≥ 0, got ${offsetMs}`,
    );
  }
  return { recipe, offsetMs };
}

/**
 * Parses Telegram's answer for a WebRTC call.
 *
 * @throws {InvalidParamsError} for malformed JSON.
 * @throws {StreamModeError} for `{"stream": true}` (listener only).
 * @throws {RtmpModeError} for an RTMP call's answer.
 */
export function rtcAnswer(chatId: ChatId, answerJson: string): RtcJoinResponse {
  const answer = parseJoinResponse(answerJson);
  if (answer.mode === "stream") {
    throw new StreamModeError(
      `Chat ${chatId}: Telegram joined the bot as a listener (stream mode); re-join once it may speak`,
    );
  }
  if (answer.mode === "rtmp") {
    throw new RtmpModeError(
      `Chat ${chatId} is an RTMP call: push with startRtmp() to the URL from phone.getGroupCallStreamRtmpUrl`,
    );
  }
  return answer;
}
