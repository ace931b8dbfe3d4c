/**
 * tgcall — stream audio and video into Telegram group calls from Deno, Bun
 * and Node with a pure-TypeScript WebRTC send stack. ffmpeg is the only
 * runtime dependency.
 *
 * This entry point re-exports the public API only.
 *
 * @example
 * ```ts
 * import { TgCallError, InvalidParamsError } from "./mod.ts";
 *
 * const error: TgCallError = new InvalidParamsError("chatId must be an integer");
 * console.log(error.code); // "INVALID_PARAMS"
 * ```
 *
 * @module
 */

export {
  type CallInfo,
  type ChatId,
  Client,
  type ClientOptions,
  type ConnectionChangeCallback,
  type CreateCallOptions,
  type Logger,
  type StreamEndCallback,
  type StreamSourceOptions,
  type UpgradeCallback,
} from "./src/client/client.ts";
export type {
  CallStats,
  ConnectionState,
  MediaState,
  NetworkInfo,
  StreamDevice,
  StreamType,
} from "./src/call/group_call.ts";
export type {
  NetworkType,
  PeerTransportStats,
} from "./src/transport/peer_transport.ts";
export type { MediaSenderStats, SsrcStats } from "./src/media/media_sender.ts";
export type { SrtpProfileName } from "./src/srtp/profile.ts";
export {
  ClosedError,
  ConnectionExistsError,
  ConnectionNotFoundError,
  FFmpegCrashedError,
  FFmpegSpawnError,
  FileError,
  InvalidParamsError,
  NoSourceError,
  NotConnectedError,
  RtmpModeError,
  SeekUnsupportedError,
  SocketError,
  SpawnError,
  StreamModeError,
  TgCallError,
  WrongModeError,
} from "./src/errors.ts";
export { type EncodeOptions, Track, type Tracks } from "./src/source/track.ts";
export {
  type FileSourceOptions,
  fromFile,
  fromShell,
  fromShells,
  fromUrl,
  type LegSpec,
  type OpenedSource,
  type OpenOptions,
  type SeekableSource,
  type Source,
  type UrlSourceOptions,
} from "./src/source/sources.ts";
export type { OptInProtocol } from "./src/source/url_policy.ts";
export type { LegKind } from "./src/source/ffmpeg_args.ts";
export type {
  FfmpegLeg,
  FfmpegLegOptions,
  LegEnd,
  LegFrame,
} from "./src/source/ffmpeg_leg.ts";
export type {
  FfmpegSource,
  FileSource,
  MultiShellSource,
  UrlSource,
} from "./src/source/sources.ts";
export type { ResolvedEncodeOptions } from "./src/source/track.ts";
export type { OpusFrame } from "./src/media/ogg_reader.ts";
export type { Vp8Frame } from "./src/media/ivf_reader.ts";
export { type OpenResources, openResources } from "./src/runtime/resources.ts";
