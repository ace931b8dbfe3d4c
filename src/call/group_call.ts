/**
 * One WebRTC group call: join payload, the playing source and the rules
 * for which events fire when, composed from its parts. The Client owns a
 * registry of these; a GroupCall knows nothing about other calls and
 * nothing about packet bytes.
 *
 * - {@linkcode SfuConnection}: `connect(answer)` opens the transport and,
 *   once connected, the media sender.
 * - {@linkcode ConnectionTracker}: connecting → connected, then
 *   disconnected/failed from consent (RFC 7675), `timeout` if not connected
 *   within `connectTimeoutMs`, `closed` on stop.
 * - {@linkcode AudioFeed}: media flows only once connected; while nothing
 *   is playing, Opus silence keeps the audio stream alive.
 * - {@linkcode MediaControls}: mute, pause and seek, as an RTMP call has.
 * - {@linkcode SourcePlayer}: the playing source, wired to the sender.
 * - {@linkcode PresentationSlot}: its screen sharing, a connection of its
 *   own that ends with the call.
 *
 * @module
 */

import type { DtlsCertificate } from "../dtls/certificate.ts";
import {
  ClosedError,
  InvalidParamsError,
  type TgCallError,
} from "../errors.ts";
import { sharedScheduler } from "../runtime/scheduler.ts";
import {
  buildJoinPayload,
  randomIceCredentials,
  randomSsrc,
  toTelegramSsrc,
} from "../signaling/join_payload.ts";
import type { RtcJoinResponse } from "../signaling/join_response.ts";
import type { StreamType } from "../media/kind.ts";
import type { SourceRecipe } from "../source/sources.ts";
import { hasVideo } from "../source/track.ts";
import { AudioFeed } from "./audio_feed.ts";
import { ConnectionTracker } from "./connection_tracker.ts";
import { MediaControls } from "./media_controls.ts";
import type { Playback } from "./playback.ts";
import { PresentationSlot } from "./presentation_slot.ts";
import { SfuConnection, type SfuSettings } from "./sfu_connection.ts";
import { SourcePlayer } from "./source_player.ts";
import type {
  CallHooks,
  CallStats,
  ConnectionState,
  MediaState,
} from "./types.ts";

/** Everything a GroupCall needs from its client. */
export interface GroupCallOptions extends CallHooks, SfuSettings {
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
}

/** One WebRTC group call. */
export class GroupCall {
  readonly #o: GroupCallOptions;
  readonly #iceCredentials: { ufrag: string; pwd: string };
  /** Audio SSRC (unsigned). */
  readonly audioSsrc: number;
  /** Video and RTX SSRCs, when announced. */
  readonly video: { ssrc: number; rtxSsrc: number } | undefined;
  readonly #connection: ConnectionTracker;
  readonly #audio: AudioFeed;
  readonly #controls: MediaControls<Playback>;
  readonly #sfu: SfuConnection;
  readonly #player: SourcePlayer;
  /** Its presentation (screen sharing), when one is opened. */
  readonly presentation: PresentationSlot;
  #videoRunning = false;
  #releasing: Promise<void> | undefined;

  /** @param options See {@linkcode GroupCallOptions}. */
  constructor(options: GroupCallOptions) {
    this.#o = options;
    const scheduler = options.scheduler ?? sharedScheduler();
    this.#iceCredentials = randomIceCredentials();
    this.audioSsrc = randomSsrc();
    this.video = options.video
      ? { ssrc: randomSsrc(), rtxSsrc: randomSsrc() }
      : undefined;
    this.#connection = new ConnectionTracker({
      chatId: options.chatId,
      timeoutMs: options.connectTimeoutMs,
      scheduler,
      onChange: (info) => this.#o.onConnection(info),
      onTimeout: () => this.#release(),
      progress: () => this.#sfu.progress(),
    });
    this.#audio = new AudioFeed({
      scheduler,
      connection: this.#connection,
      sender: () => this.#sfu.sender,
      muted: () => this.#controls.muted,
      nextSourceDeadline: () =>
        this.#player.playback?.nextAudioDeadline() ?? NaN,
    });
    this.#controls = new MediaControls({
      chatId: options.chatId,
      player: () => this.#player.playback,
      playing: () => this.playing,
      videoRunning: () => this.#videoRunning,
      beforeResume: () => this.#connection.waitConnected(),
      resumed: (playback) => {
        this.#videoRunning = hasVideo(playback.source.tracks);
      },
      onUpgrade: () => this.#o.onUpgrade(this.mediaState()),
    });
    this.#sfu = new SfuConnection({
      chatId: options.chatId,
      local: { ...this.#iceCredentials, certificate: options.certificate },
      audioSsrc: this.audioSsrc,
      video: this.video,
      networkTypes: options.networkTypes,
      bindAddress: options.bindAddress,
      mux: options.mux,
      srtpProfiles: options.srtpProfiles,
      consent: options.consent,
      verboseConnectionLogs: options.verboseConnectionLogs,
      logger: options.logger,
      scheduler: options.scheduler,
      connection: this.#connection,
      onConnected: () => this.#audio.start(),
      onKeyframeRequest: () => this.#player.playback?.requestKeyframe(),
      onFailed: () => {
        this.#audio.stop();
        this.#videoDied();
        this.#release();
      },
    });
    this.#player = new SourcePlayer({
      ...options,
      connection: this.#connection,
      sender: () => this.#sfu.sender,
      paused: () => this.#controls.paused,
      audio: this.#audio,
      onEnd: (kind, error) => this.#legEnded(kind, error),
    });
    this.presentation = new PresentationSlot({
      ...options,
      takenSsrcs: [
        this.audioSsrc,
        this.video?.ssrc ?? 0,
        this.video?.rtxSsrc ?? 0,
      ],
      onPausedChange: () => this.#o.onUpgrade(this.mediaState()),
    });
  }

  /** The `phone.joinGroupCall` params JSON. */
  joinPayload(): string {
    return buildJoinPayload({
      ...this.#iceCredentials,
      fingerprint: this.#o.certificate.fingerprint,
      audioSsrc: this.audioSsrc,
      video: this.video,
    });
  }

  /** Connection state. */
  get state(): ConnectionState | "new" {
    return this.#connection.state;
  }

  /** Failed, timed out or closed: the registry may drop it. */
  get dead(): boolean {
    return this.#connection.dead;
  }

  /**
   * Why the call failed, once `state` is `"failed"`: a `NotConnectedError`
   * whose `cause` is the transport's error — an `IceFailedError`
   * (`"consent-lost"`: the SFU stopped answering, RFC 7675 §5.1) or a
   * `DtlsError`.
   */
  get failure(): TgCallError | undefined {
    return this.#connection.failure;
  }

  /** Whether a source is set. */
  get playing(): boolean {
    return this.#player.playing;
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
    if (this.#connection.stopped) {
      throw new ClosedError("The call was stopped");
    }
    await this.#sfu.connect(answer);
  }

  /**
   * Frees a dead call's resources without events: its ffmpeg, timers,
   * sender and sockets. The registry drops it on the next lookup.
   */
  #release(): Promise<void> {
    return this.#releasing ??= this.#releaseOnce();
  }

  async #releaseOnce(): Promise<void> {
    this.#audio.stop();
    const sfuClosed = this.#sfu.close();
    await Promise.all([
      this.#player.stop(),
      sfuClosed,
      this.presentation.close(),
    ]);
  }

  /**
   * Resolves once connected; rejects with {@linkcode NotConnectedError}
   * after `connectTimeoutMs` (or when the connection fails/times out).
   */
  waitConnected(): Promise<void> {
    return this.#connection.waitConnected();
  }

  /**
   * Plays `source`, replacing the current one silently (no end event).
   * While paused the source is recorded and starts at `offsetMs` on resume.
   */
  async setSource(source: SourceRecipe, offsetMs = 0): Promise<void> {
    if (hasVideo(source.tracks) && !this.video) {
      throw new InvalidParamsError(
        "This call was created audio-only; create it with { video: true } to stream video",
      );
    }
    const running = await this.#player.play(source, offsetMs);
    this.#videoRunning = running && hasVideo(source.tracks);
  }

  #legEnded(kind: StreamType, error?: TgCallError): void {
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

  /** Mutes audio (silence is sent, the source keeps its place). */
  mute(): boolean {
    return this.#controls.mute();
  }

  /** Unmutes. */
  unmute(): boolean {
    return this.#controls.unmute();
  }

  /** Pauses playback (ffmpeg stops; silence keeps the stream alive). */
  pause(): Promise<boolean> {
    return this.#controls.pause();
  }

  /** Resumes playback at the paused position, once connected. */
  resume(): Promise<boolean> {
    return this.#controls.resume();
  }

  /**
   * Seeks the current source by `deltaMs`.
   *
   * @throws {NoSourceError} when nothing is playing.
   */
  seekBy(deltaMs: number): Promise<void> {
    return this.#controls.seekBy(deltaMs);
  }

  /** Playback position, ms (0 with no source). */
  time(): number {
    return this.#controls.time();
  }

  /** Current media state, the presentation's pause included. */
  mediaState(): MediaState {
    return {
      ...this.#controls.mediaState(),
      presentationPaused: this.presentation.paused,
    };
  }

  /** Statistics. */
  stats(): CallStats {
    return { state: this.state, ...this.#sfu.stats(), timeMs: this.time() };
  }

  /** Releases everything without any event (for reaping dead calls). */
  async dispose(): Promise<void> {
    this.#connection.stop();
    await Promise.all([this.presentation.close(true), this.#release()]);
  }

  /**
   * Ends the call and its presentation: sources stopped (no end event),
   * RTCP BYE, DTLS close_notify, sockets and timers released, then
   * `closed` (the presentation's first). Idempotent.
   */
  async stop(): Promise<void> {
    if (this.#connection.stopped) return;
    this.#connection.stop();
    this.#audio.stop();
    await this.#release();
    this.#videoRunning = false;
    this.#connection.set("closed");
  }
}
