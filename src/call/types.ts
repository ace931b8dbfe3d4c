/**
 * The public shapes of a call: connection states, media state, statistics,
 * stream-end identifiers, and the hooks through which a call reports them
 * to its client. Shared by `GroupCall` (WebRTC) and `RtmpCall`.
 *
 * @module
 */

import type { TgCallError } from "../errors.ts";
import type { StreamType } from "../media/kind.ts";
import type { MediaSenderStats } from "../media/media_sender.ts";
import type { SrtpProfileName } from "../srtp/profile.ts";
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
  /**
   * Which connection: the call's own (`"normal"`) or its screen sharing
   * (`"presentation"`, `phone.joinGroupCallPresentation`).
   */
  kind: "normal" | "presentation";
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
  /**
   * The presentation (screen sharing) is paused; `false` without one.
   * Telegram's `presentation_paused`.
   */
  presentationPaused: boolean;
}

/**
 * The MediaState for explicit mute, pause, whether video is being sent and
 * whether a presentation is paused: `paused` (Telegram's `video_paused`)
 * covers mute too; the presentation is a connection of its own, which
 * neither mute nor pause touches.
 */
export function mediaStateOf(
  muted: boolean,
  paused: boolean,
  videoRunning: boolean,
  presentationPaused = false,
): MediaState {
  return {
    muted,
    paused: muted || paused,
    videoStopped: !videoRunning,
    presentationPaused,
  };
}

/**
 * The ntgcalls device of that track: `"screen"` is the presentation's
 * video.
 */
export type StreamDevice = "microphone" | "camera" | "screen";

/** Statistics of one call. */
export interface CallStats {
  /** Connection state. */
  state: ConnectionState | "new";
  /** Negotiated SRTP profile, once connected. */
  srtpProfile?: SrtpProfileName;
  /** Round-trip time, ms (RTCP RR, else the ICE check RTT; NaN when unknown). */
  rttMs: number;
  /**
   * Media counters, what the SFU's feedback says (RTT, REMB, transport-cc
   * loss and delay) and keyframe requests with their latency (absent before
   * the first connection).
   */
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
