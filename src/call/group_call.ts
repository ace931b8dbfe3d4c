/**
 * One WebRTC group call: join payload, transport lifecycle, the media
 * sender, the playing source, mute/pause state and the rules for which
 * events fire when. The Client owns a registry of these; a GroupCall knows
 * nothing about other calls and nothing about packet bytes.
 *
 * Connection: `connect(answer)` opens a {@linkcode PeerTransport}; states
 * are reported as connecting → connected, then disconnected/failed from
 * consent (RFC 7675), `timeout` if not connected within `connectTimeoutMs`
 * (ntgcalls' rule), and `closed` on stop. Media flows only once connected;
 * while connected and nothing is playing (idle, paused, between sources)
 * Opus silence keeps flowing so the SFU keeps the audio stream alive.
 *
 * @module
 */

import type { DtlsCertificate } from "../dtls/certificate.ts";
import {
  ClosedError,
  InvalidParamsError,
  NoSourceError,
  NotConnectedError,
  type TgCallError,
} from "../errors.ts";
import { VoiceActivity } from "../media/audio_level.ts";
import { MediaSender, type MediaSenderStats } from "../media/media_sender.ts";
import { extensionIdsFrom } from "../rtp/header_extensions.ts";
import {
  type ScheduledTask,
  type Scheduler,
  sharedScheduler,
} from "../runtime/scheduler.ts";
import {
  buildJoinPayload,
  randomIceCredentials,
  randomSsrc,
  toTelegramSsrc,
} from "../signaling/join_payload.ts";
import type { RtcJoinResponse } from "../signaling/join_response.ts";
import type { LegKind } from "../source/ffmpeg_args.ts";
import type { Source } from "../source/sources.ts";
import { hasVideo } from "../source/track.ts";
import type { SrtpProfileName } from "../srtp/profile.ts";
import {
  type NetworkType,
  PeerTransport,
  type PeerTransportStats,
  type TransportState,
} from "../transport/peer_transport.ts";
import { Playback } from "./playback.ts";
import type { UdpMux } from "../transport/udp_mux.ts";

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

/** Everything a GroupCall needs from its client. */
export interface GroupCallOptions {
  /** The chat, as the user passed it (for logs). */
  chatId: number | bigint;
  /** DTLS certificate for this call. */
  certificate: DtlsCertificate;
  /** Announce a video SSRC group in the join payload. */
  video: boolean;
  /** ffmpeg binary. */
  ffmpegPath: string;
  /** Tee ffmpeg stderr into `logger.debug`. */
  ffmpegStderrLog: boolean;
  /** How long media operations wait for Connected; also the connect timeout. */
  connectTimeoutMs: number;
  /** Network types. */
  networkTypes: readonly NetworkType[];
  /** Bind addresses. */
  bindAddress?: { udp4?: string; udp6?: string };
  /** Shared socket, when the client uses one. */
  mux?: UdpMux;
  /** SRTP profiles to offer. */
  srtpProfiles?: readonly SrtpProfileName[];
  /** Consent timing (RFC 7675); defaults 2.5 s keepalive, 5 s / 30 s to disconnected / failed. */
  consent?: {
    keepaliveMs?: number;
    disconnectedMs?: number;
    failedMs?: number;
  };
  /** Log per-state transport details. */
  verboseConnectionLogs: boolean;
  /** Logger. */
  logger: CallLogger;
  /** Scheduler; default shared. */
  scheduler?: Scheduler;
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

/** A 20 ms CELT silence frame (TOC 0xf8: fullband, 20 ms, one frame). */
const OPUS_SILENCE = new Uint8Array([0xf8, 0xff, 0xfe]);
const FRAME_MS = 20;
/** Silence starts when no audio went out for this long. */
const IDLE_MS = 60;

/** One WebRTC group call. */
export class GroupCall {
  readonly #o: GroupCallOptions;
  readonly #scheduler: Scheduler;
  readonly #ufrag: string;
  readonly #pwd: string;
  /** Audio SSRC (unsigned). */
  readonly audioSsrc: number;
  /** Video and RTX SSRCs, when announced. */
  readonly video: { ssrc: number; rtxSsrc: number } | undefined;
  readonly #vad = new VoiceActivity();
  readonly #silenceTask: ScheduledTask;
  readonly #timeoutTask: ScheduledTask;
  #transport: PeerTransport | undefined;
  #answer: RtcJoinResponse | undefined;
  #sender: MediaSender | undefined;
  #state: ConnectionState | "new" = "new";
  #waiters: { resolve: () => void; reject: (e: TgCallError) => void }[] = [];
  #playback: Playback | undefined;
  #muted = false;
  #paused = false;
  #videoRunning = false;
  #lastAudioAt = -Infinity;
  #silenceTs = 0;
  #silent = false;
  #stopped = false;
  #releasing: Promise<void> | undefined;
  #connectId = 0;

  /** @param options See {@linkcode GroupCallOptions}. */
  constructor(options: GroupCallOptions) {
    this.#o = options;
    this.#scheduler = options.scheduler ?? sharedScheduler();
    const { ufrag, pwd } = randomIceCredentials();
    this.#ufrag = ufrag;
    this.#pwd = pwd;
    this.audioSsrc = randomSsrc();
    this.video = options.video
      ? { ssrc: randomSsrc(), rtxSsrc: randomSsrc() }
      : undefined;
    this.#silenceTask = this.#scheduler.task((now) => this.#silenceTick(now));
    this.#timeoutTask = this.#scheduler.task(() => this.#onTimeout());
  }

  /** The `phone.joinGroupCall` params JSON. */
  joinPayload(): string {
    return buildJoinPayload({
      ufrag: this.#ufrag,
      pwd: this.#pwd,
      fingerprint: this.#o.certificate.fingerprint,
      audioSsrc: this.audioSsrc,
      video: this.video,
    });
  }

  /** Connection state. */
  get state(): ConnectionState | "new" {
    return this.#state;
  }

  /** Failed, timed out or closed: the registry may drop it. */
  get dead(): boolean {
    return this.#stopped || this.#state === "failed" ||
      this.#state === "timeout" || this.#state === "closed";
  }

  /** Whether a source is set. */
  get playing(): boolean {
    return this.#playback !== undefined &&
      this.#playback.state !== "ended" && this.#playback.state !== "stopped";
  }

  /** The audio SSRC as Telegram writes it (signed int32). */
  get telegramAudioSsrc(): number {
    return toTelegramSsrc(this.audioSsrc);
  }

  /**
   * Starts (or, called again, restarts with new remote parameters) ICE and
   * DTLS towards the SFU. Resolves once the sockets are bound; the
   * connection itself is reported through `onConnection`.
   */
  async connect(answer: RtcJoinResponse): Promise<void> {
    if (this.#stopped) throw new ClosedError("The call was stopped");
    const old = this.#transport;
    this.#transport = undefined;
    this.#answer = answer;
    const connectId = ++this.#connectId;
    if (old) {
      this.#sender?.close();
      this.#sender = undefined;
      await old.close();
    }
    this.#setState("connecting");
    this.#timeoutTask.after(this.#o.connectTimeoutMs);
    let transport: PeerTransport;
    try {
      transport = await PeerTransport.open({
        local: {
          ufrag: this.#ufrag,
          pwd: this.#pwd,
          certificate: this.#o.certificate,
        },
        remote: answer.transport,
        networkTypes: this.#o.networkTypes,
        bindAddress: this.#o.bindAddress,
        mux: this.#o.mux,
        srtpProfiles: this.#o.srtpProfiles,
        consent: this.#o.consent,
        scheduler: this.#o.scheduler,
        onStateChange: (s) => this.#onTransportState(connectId, s),
        onRtcp: (b, n) => this.#sender?.handleRtcp(b, n),
        onError: (e) => this.#o.logger.debug(`call ${this.#o.chatId}:`, e),
      });
    } catch (error) {
      this.#timeoutTask.cancel();
      this.#setState("failed");
      throw error;
    }
    if (this.#stopped || connectId !== this.#connectId) {
      await transport.close();
      return;
    }
    this.#transport = transport;
    // A state reported before open() returned could not reach the handler.
    if (transport.state === "connected" && this.#state !== "connected") {
      this.#onTransportState(connectId, "connected");
    }
    if (this.#o.verboseConnectionLogs) {
      this.#o.logger.debug(
        `call ${this.#o.chatId}: ICE from local ports`,
        transport.localPorts,
      );
      for (const c of answer.transport.candidates) {
        this.#o.logger.debug(
          `call ${this.#o.chatId}: remote candidate ${c.type} udp ${c.address}:${c.port} priority ${c.priority}`,
        );
      }
    }
  }

  #onTransportState(connectId: number, s: TransportState): void {
    // A transport replaced by a later connect() reports nothing.
    if (connectId !== this.#connectId) return;
    // Undefined only for the "connecting" reported while it is being opened.
    const transport = this.#transport;
    if (this.#o.verboseConnectionLogs) {
      this.#o.logger.debug(`call ${this.#o.chatId}: transport ${s}`, {
        pair: transport?.selectedPair,
        ice: transport?.iceStats,
        srtp: transport?.srtpProfile?.name,
      });
    }
    if (s === "connected" && transport) {
      this.#timeoutTask.cancel();
      if (!this.#sender) this.#sender = this.#createSender(transport);
      this.#setState("connected");
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w.resolve();
      this.#silenceTask.after(0);
    } else if (s === "disconnected") {
      this.#setState("disconnected");
    } else if (s === "failed") {
      this.#timeoutTask.cancel();
      this.#silenceTask.cancel();
      this.#setState("failed");
      this.#rejectWaiters(
        new NotConnectedError(`Call ${this.#o.chatId}: connection failed`),
      );
      this.#videoDied();
      this.#release();
    }
  }

  #createSender(transport: PeerTransport): MediaSender {
    const answer = this.#answer!;
    const pt = (kind: "audio" | "video", name: string, fallback: number) =>
      answer[kind]?.payloadTypes.find((p) => p.name.toLowerCase() === name)
        ?.id ?? fallback;
    return new MediaSender({
      sink: transport,
      audioSsrc: this.audioSsrc,
      video: this.video,
      extensionIds: extensionIdsFrom(
        answer.audio?.headerExtensions ?? answer.video?.headerExtensions,
      ),
      audioPayloadType: pt("audio", "opus", 111),
      videoPayloadType: pt("video", "vp8", 100),
      rtxPayloadType: pt("video", "rtx", 101),
      scheduler: this.#o.scheduler,
      // Every video leg forces a keyframe at least once a second, so a
      // PLI/FIR is honoured within 1 s without restarting the encoder.
      onKeyframeRequest: () =>
        this.#o.logger.debug(
          `call ${this.#o.chatId}: keyframe requested (next scheduled keyframe ≤ 1 s)`,
        ),
    });
  }

  #onTimeout(): void {
    if (this.#state === "connected" || this.#stopped) return;
    this.#setState("timeout");
    this.#rejectWaiters(
      new NotConnectedError(
        `Call ${this.#o.chatId}: not connected within ${this.#o.connectTimeoutMs} ms`,
      ),
    );
    this.#release();
  }

  /**
   * Frees a dead call's resources without events: its ffmpeg, timers,
   * sender and sockets. The registry drops it on the next lookup.
   */
  #release(): Promise<void> {
    return this.#releasing ??= this.#releaseOnce();
  }

  async #releaseOnce(): Promise<void> {
    this.#silenceTask.cancel();
    this.#timeoutTask.cancel();
    const playback = this.#playback;
    this.#playback = undefined;
    this.#sender?.close();
    this.#sender = undefined;
    const transport = this.#transport;
    this.#transport = undefined;
    await Promise.all([playback?.stop(), transport?.close()]);
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#o.onConnection({ state, kind: "normal" });
  }

  #rejectWaiters(error: TgCallError): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(error);
  }

  /**
   * Resolves once connected; rejects with {@linkcode NotConnectedError}
   * after `connectTimeoutMs` (or when the connection fails/times out).
   */
  waitConnected(): Promise<void> {
    if (this.#stopped) {
      return Promise.reject(new ClosedError("The call was stopped"));
    }
    if (this.#state === "connected" || this.#state === "disconnected") {
      return Promise.resolve();
    }
    if (this.#state === "failed" || this.#state === "timeout") {
      return Promise.reject(
        new NotConnectedError(`Call ${this.#o.chatId} is ${this.#state}`),
      );
    }
    return new Promise((resolve, reject) => {
      const task = this.#scheduler.task(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(
          new NotConnectedError(
            `Call ${this.#o.chatId}: not connected within ${this.#o.connectTimeoutMs} ms`,
          ),
        );
      });
      const waiter = {
        resolve: () => (task.cancel(), resolve()),
        reject: (e: TgCallError) => (task.cancel(), reject(e)),
      };
      this.#waiters.push(waiter);
      task.after(this.#o.connectTimeoutMs);
    });
  }

  /**
   * Plays `source`, replacing the current one silently (no end event).
   * While paused the source is recorded and starts at `offsetMs` on resume.
   */
  async setSource(source: Source, offsetMs = 0): Promise<void> {
    if (hasVideo(source.tracks) && !this.video) {
      throw new InvalidParamsError(
        "This call was created audio-only; create it with { video: true } to stream video",
      );
    }
    await this.waitConnected();
    if (this.#stopped) throw new ClosedError("The call was stopped");
    const old = this.#playback;
    const playback = this.#newPlayback(source);
    this.#playback = playback;
    await old?.stop();
    if (this.#paused) {
      playback.startPaused(offsetMs);
      this.#videoRunning = false;
      return;
    }
    try {
      await playback.start(offsetMs);
    } catch (error) {
      if (this.#playback === playback) this.#playback = undefined;
      throw error;
    }
    // pause() may have come in while ffmpeg was starting.
    if (this.#paused && this.#playback === playback) await playback.pause();
    this.#videoRunning = hasVideo(source.tracks) && !this.#paused &&
      this.#playback === playback;
  }

  #newPlayback(source: Source): Playback {
    const playback: Playback = new Playback({
      source,
      ffmpegPath: this.#o.ffmpegPath,
      verbose: this.#o.ffmpegStderrLog,
      scheduler: this.#o.scheduler,
      onStderrLine: this.#o.ffmpegStderrLog
        ? (kind, line) =>
          this.#o.logger.debug(`ffmpeg[${this.#o.chatId}/${kind}] ${line}`)
        : undefined,
      sink: {
        audio: (f, deadline, level) => {
          if (this.#playback !== playback) return;
          this.#sendAudio(f.data, f.timestamp, f.duration, deadline, level);
        },
        video: (f, deadline, interval) => {
          if (this.#playback !== playback || !this.#sender) return;
          if (this.#state !== "connected" && this.#state !== "disconnected") {
            return;
          }
          this.#sender.sendVideo(f.data, f.timestamp, deadline, interval);
        },
        sourceStarted: () => {
          this.#silent = false;
          this.#sender?.beginSource();
        },
      },
      onEnd: (kind, error) => {
        if (this.#playback !== playback) return;
        this.#legEnded(kind, error);
      },
    });
    return playback;
  }

  #legEnded(kind: LegKind, error?: TgCallError): void {
    this.#o.onStreamEnd(
      kind,
      kind === "audio" ? "microphone" : "camera",
      error,
    );
    if (kind === "video") this.#videoDied();
  }

  #videoDied(): void {
    if (!this.#videoRunning) return;
    this.#videoRunning = false;
    this.#o.onUpgrade(this.mediaState());
  }

  #sendAudio(
    data: Uint8Array,
    timestamp: number,
    duration: number,
    deadline: number,
    level: number,
  ): void {
    const sender = this.#sender;
    if (!sender) return;
    if (this.#state !== "connected" && this.#state !== "disconnected") return;
    this.#lastAudioAt = this.#scheduler.clock.now();
    if (this.#muted) {
      sender.sendAudio(
        OPUS_SILENCE,
        timestamp,
        duration,
        deadline,
        -127,
        false,
      );
      this.#vad.update(-127, FRAME_MS);
    } else {
      const voice = this.#vad.update(level, duration / 48);
      sender.sendAudio(data, timestamp, duration, deadline, level, voice);
    }
  }

  #silenceTick(now: number): void {
    if (this.#stopped || !this.#sender) return;
    if (this.#state === "failed" || this.#state === "timeout") return;
    const idleFor = now - this.#lastAudioAt;
    if (idleFor < IDLE_MS) {
      // Audio is flowing from a source: look again when it could stop.
      this.#silenceTask.at(this.#lastAudioAt + IDLE_MS);
      return;
    }
    if (!this.#silent) {
      this.#silent = true;
      this.#sender.beginSource();
    }
    this.#silenceTs += 960;
    this.#sender.sendAudio(
      OPUS_SILENCE,
      this.#silenceTs,
      960,
      now,
      -127,
      this.#vad.update(-127, FRAME_MS),
    );
    // Keep the idle detector from seeing our own silence as source audio.
    this.#silenceTask.at(now + FRAME_MS);
  }

  /** Mutes audio (silence is sent, the source keeps its place). */
  mute(): boolean {
    if (this.#muted) return false;
    this.#muted = true;
    this.#o.onUpgrade(this.mediaState());
    return true;
  }

  /** Unmutes. */
  unmute(): boolean {
    if (!this.#muted) return false;
    this.#muted = false;
    this.#o.onUpgrade(this.mediaState());
    return true;
  }

  /** Pauses playback (ffmpeg stops; silence keeps the stream alive). */
  async pause(): Promise<boolean> {
    if (this.#paused) return false;
    this.#paused = true;
    await this.#playback?.pause();
    this.#o.onUpgrade(this.mediaState());
    return true;
  }

  /** Resumes playback at the paused position. */
  async resume(): Promise<boolean> {
    if (!this.#paused) return false;
    if (this.#playback?.state === "paused") await this.waitConnected();
    this.#paused = false;
    const playback = this.#playback;
    if (playback?.state === "paused") {
      await playback.resume();
      this.#videoRunning = hasVideo(playback.source.tracks);
    }
    this.#o.onUpgrade(this.mediaState());
    return true;
  }

  /**
   * Seeks the current source by `deltaMs`.
   *
   * @throws {NoSourceError} when nothing is playing.
   */
  async seekBy(deltaMs: number): Promise<void> {
    if (!Number.isFinite(deltaMs)) {
      throw new InvalidParamsError(`Invalid seek delta ${deltaMs}`);
    }
    if (!this.playing) {
      throw new NoSourceError(`Nothing is playing in chat ${this.#o.chatId}`);
    }
    await this.#playback!.seekBy(deltaMs);
  }

  /** Playback position, ms (0 with no source). */
  time(): number {
    return this.#playback?.time() ?? 0;
  }

  /** Current media state. */
  mediaState(): MediaState {
    return mediaStateOf(this.#muted, this.#paused, this.#videoRunning);
  }

  /** Statistics. */
  stats(): CallStats {
    const media = this.#sender?.stats();
    const pairRtt = this.#transport?.selectedPair?.rttMs;
    const rttMs = media && !Number.isNaN(media.rttMs)
      ? media.rttMs
      : pairRtt ?? NaN;
    return {
      state: this.#state,
      srtpProfile: this.#transport?.srtpProfile?.name,
      rttMs,
      media,
      transport: this.#transport ? { ...this.#transport.stats } : undefined,
      timeMs: this.time(),
    };
  }

  /** Releases everything without any event (for reaping dead calls). */
  dispose(): Promise<void> {
    this.#stopped = true;
    this.#rejectWaiters(new ClosedError("The call was stopped"));
    return this.#release();
  }

  /**
   * Ends the call: source stopped (no end event), RTCP BYE, DTLS
   * close_notify, sockets and timers released, then `closed`. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#silenceTask.cancel();
    this.#timeoutTask.cancel();
    this.#rejectWaiters(new ClosedError("The call was stopped"));
    await this.#release();
    this.#videoRunning = false;
    this.#setState("closed");
  }
}
