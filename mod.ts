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
export type { PresentationMethods } from "./src/client/presentation_methods.ts";
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
} from "./src/call/types.ts";
export type { StreamType } from "./src/media/kind.ts";
export type { NetworkType } from "./src/transport/datagram_port.ts";
export type { PeerTransportStats } from "./src/transport/peer_transport.ts";
export type { MediaSenderStats } from "./src/media/media_sender.ts";
export type { KeyframeLatency } from "./src/media/keyframe_requests.ts";
export type { TransportCcStats } from "./src/media/transport_wide_cc.ts";
export type { SsrcStats } from "./src/media/outgoing_stream.ts";
export type { SrtpProfileName } from "./src/srtp/profile.ts";
export {
  ClosedError,
  ConnectionExistsError,
  ConnectionNotFoundError,
  FFmpegCrashedError,
  FFmpegSpawnError,
  FFmpegStalledError,
  FileError,
  IceFailedError,
  type IceFailureReason,
  InvalidParamsError,
  IvfParseError,
  NoSourceError,
  NotConnectedError,
  OggParseError,
  RtmpModeError,
  SeekUnsupportedError,
  SocketError,
  SocketLimitError,
  SpawnError,
  StreamModeError,
  TgCallError,
  WrongModeError,
} from "./src/errors.ts";
export { DtlsError, DtlsParseError } from "./src/dtls/errors.ts";
export {
  CallDiscardedError,
  GroupCallNotFoundError,
  JoinedElsewhereError,
  MtprotoError,
  PresentationUnsupportedError,
  TelegramRpcError,
} from "./src/session/errors.ts";
export type {
  CallDiscardedUpdate,
  EditSelfRequest,
  GroupCallRef,
  GroupCallUpdate,
  JoinAsChannel,
  JoinAsChat,
  JoinAsPeer,
  JoinAsSelf,
  JoinAsUser,
  JoinGroupCallRequest,
  MtprotoAdapter,
  ParticipantUpdate,
} from "./src/session/mtproto_adapter.ts";
export {
  GroupCallSession,
  joinGroupCall,
} from "./src/session/group_call_session.ts";
export type {
  JoinGroupCallOptions,
  SessionClient,
} from "./src/session/session_options.ts";
export type {
  PresentationEnd,
  PresentationEndListener,
} from "./src/session/presentation_join.ts";
export type {
  SessionState,
  SessionStateInfo,
  SessionStateListener,
  SessionStateReason,
  StopReason,
} from "./src/session/session_state.ts";
export type { BackoffOptions } from "./src/session/backoff.ts";
export {
  type EncodeOptions,
  SCREENCAST,
  Track,
  type Tracks,
} from "./src/source/track.ts";
export type { Source } from "./src/source/sources.ts";
export { type FileSourceOptions, fromFile } from "./src/source/file_source.ts";
export { fromUrl, type UrlSourceOptions } from "./src/source/url_source.ts";
export type { OptInProtocol } from "./src/source/url_policy.ts";
export {
  fromShell,
  fromShells,
  type ShellSource,
} from "./src/source/shell_source.ts";
