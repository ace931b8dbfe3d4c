/**
 * The public shapes of a call: connection states, media state, statistics,
 * stream-end identifiers, and the hooks through which a call reports them
 * to its client. Shared by `GroupCall` (WebRTC) and `RtmpCall`.
 *
 * @module
 */

import type { TgCallError } from "../errors.ts";
import type { MediaSenderStats } from "../media/media_sender.ts";
import type { PeerTransportStats } from "../transport/peer_transport.ts";

/** Connection states reported by `onConnectionChange`. */
export type ConnectionState =
  | "connecting"
  | "connected"
  | "disconnected"
  | "failed"
  | "closed"
  | "timeout";

/** What `onConnectionChange` receives. */
export interface NetworkInfo {
  /** The new state. */
  state: ConnectionState;
  /** Always `"normal"` (no presentation connections in tgcall). */
  kind: "normal";
}

/**
 * Outgoing media state, mirroring ntgcalls' MediaState and Telegram's
 * participant flags (`paused` maps to `video_paused`: media not flowing).
 */
export interface MediaState {
  /** Explicitly muted. */
  muted: boolean;
  /** Muted, or playback paused. */
  paused: boolean;
  /** No video is being sent (audio-only source, or the video leg ended). */
  videoStopped: boolean;
  /** Same lifecycle as `paused` (no presentation source in tgcall). */
  presentationPaused: boolean;
}

/**
 * The MediaState for explicit mute, pause and whether video is being sent:
 * `paused` (Telegram's `video_paused`) covers mute too, and
 * `presentationPaused` follows it.
 */
export function mediaStateOf(
  muted: boolean,
  paused: boolean,
  videoRunning: boolean,
): MediaState {
  return {
    muted,
    paused: muted || paused,
    videoStopped: !videoRunning,
    presentationPaused: muted || paused,
  };
}

/** Which track a stream-end event is about. */
export type StreamType = "audio" | "video";
/** The ntgcalls device of that track. */
export type StreamDevice = "microphone" | "camera";

/** Statistics of one call. */
export interface CallStats {
  /** Connection state. */
  state: ConnectionState | "new";
  /** Negotiated SRTP profile, once connected. */
  srtpProfile?: string;
  /** Round-trip time, ms (RTCP RR, else the ICE check RTT; NaN when unknown). */
  rttMs: number;
  /** Media counters (absent before the first connection). */
  media?: MediaSenderStats;
  /** Transport counters (absent before `connect`). */
  transport?: PeerTransportStats;
  /** Playback position, ms. */
  timeMs: number;
}

/** Log sink used by calls. */
export interface CallLogger {
  /** Debug-level message. */
  debug(...args: unknown[]): void;
  /** Warning. */
  warn(...args: unknown[]): void;
}

/** What a call reports its events through (the client's dispatcher). */
export interface CallHooks {
  /** Connection state changed. */
  onConnection(info: NetworkInfo): void;
  /** A leg ended by itself. */
  onStreamEnd(
    type: StreamType,
    device: StreamDevice,
    error?: TgCallError,
  ): void;
  /** Media state changed (not for setSource/stop/no-ops). */
  onUpgrade(state: MediaState): void;
}
