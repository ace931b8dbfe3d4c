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

export { Client } from "./src/client/client.ts";
export type { CallInfo } from "./src/client/registry.ts";
export type {
  ChatId,
  ClientOptions,
  CreateCallOptions,
  Logger,
  StreamSourceOptions,
} from "./src/client/options.ts";
export type {
  ConnectionChangeCallback,
  StreamEndCallback,
  UpgradeCallback,
} from "./src/client/events.ts";
export type {
  CallStats,
  ConnectionState,
  MediaState,
  NetworkInfo,
  StreamDevice,
  StreamType,
} from "./src/call/types.ts";
export type { NetworkType } from "./src/transport/datagram_port.ts";
export type { PeerTransportStats } from "./src/transport/peer_transport.ts";
export type { MediaSenderStats } from "./src/media/media_sender.ts";
export type { SsrcStats } from "./src/media/outgoing_stream.ts";
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
  type FileSource,
  type FileSourceOptions,
  fromFile,
} from "./src/source/file_source.ts";
export {
  fromUrl,
  type UrlSource,
  type UrlSourceOptions,
} from "./src/source/url_source.ts";
export {
  fromShell,
  fromShells,
  type MultiShellSource,
} from "./src/source/shell_source.ts";
export type {
  LegSpec,
  MediaInput,
  OpenedSource,
  OpenOptions,
  SeekableSource,
  ShellCommand,
  ShellInput,
  Source,
  SourceInput,
} from "./src/source/sources.ts";
export type { OptInProtocol } from "./src/source/url_policy.ts";
export type {
  FfmpegLeg,
  FfmpegLegOptions,
  LegEnd,
  LegFrame,
  LegKind,
} from "./src/source/ffmpeg_leg.ts";
export type { FfmpegSource } from "./src/source/ffmpeg_source.ts";
export type { ResolvedEncodeOptions } from "./src/source/track.ts";
export type { OpusFrame } from "./src/media/ogg_reader.ts";
export type { Vp8Frame } from "./src/media/ivf_reader.ts";
export { type OpenResources, openResources } from "./src/runtime/resources.ts";
