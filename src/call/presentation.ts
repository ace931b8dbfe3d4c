/**
 * A group call's presentation (screen sharing): a second, video-only
 * connection of the same participant with its own ICE credentials, DTLS
 * certificate and SSRCs (`phone.joinGroupCallPresentation`; its answer
 * comes as `updateGroupCallConnection` with `presentation: true`, without
 * an `audio` section). It is built from the same parts as the call:
 *
 * - {@linkcode SfuConnection} and {@linkcode ConnectionTracker}: its own
 *   transport and state, reported with `kind: "presentation"`;
 * - {@linkcode SourcePlayer}: the screen source, video leg only;
 * - {@linkcode MediaControls}: pause and resume (Telegram's
 *   `presentation_paused`).
 *
 * No audio is ever sent: the join payload still carries an `ssrc`, as
 * tgcalls and ntgcalls write one (and tdesktop checks the presentation's
 * liveness with it in `phone.checkGroupCall`), but nothing goes out on it.
 *
 * @module
 */

import type { DtlsCertificate } from "../dtls/certificate.ts";
import { ClosedError, type TgCallError } from "../errors.ts";
import { sharedScheduler } from "../runtime/scheduler.ts";
import {
  buildJoinPayload,
  randomIceCredentials,
  randomSsrc,
} from "../signaling/join_payload.ts";
import type { RtcJoinResponse } from "../signaling/join_response.ts";
import type { SourceRecipe } from "../source/sources.ts";
import { ConnectionTracker } from "./connection_tracker.ts";
import { MediaControls } from "./media_controls.ts";
import type { Playback } from "./playback.ts";
import { screenSource } from "./screen_source.ts";
import { SfuConnection, type SfuSettings } from "./sfu_connection.ts";
import { SourcePlayer } from "./source_player.ts";
import type { ConnectionState, NetworkInfo } from "./types.ts";

/** What a presentation shares with its call's settings. */
export interface PresentationSettings extends SfuSettings {
  /** ffmpeg binary. */
  ffmpegPath: string;
  /** Tee ffmpeg stderr into `logger.debug`. */
  ffmpegStderrLog: boolean;
  /** How long media operations wait for Connected; also the connect timeout. */
  connectTimeoutMs: number;
}

/** Options for {@linkcode Presentation}. */
export interface PresentationOptions extends PresentationSettings {
  /** Its own DTLS certificate. */
  certificate: DtlsCertificate;
  /** SSRCs the call already uses; the presentation picks others. */
  takenSsrcs: readonly number[];
  /** Connection state changed (`kind` is `"presentation"`). */
  onConnection(info: NetworkInfo): void;
  /** The screen's video ended by itself. */
  onStreamEnd(error?: TgCallError): void;
  /** `pause`/`resume` changed the paused state. */
  onPausedChange(): void;
}

/** `count` random SSRCs, distinct from each other and from `taken`. */
function freshSsrcs(count: number, taken: readonly number[]): number[] {
  const out: number[] = [];
  while (out.length < count) {
    const ssrc = randomSsrc();
    if (!taken.includes(ssrc) && !out.includes(ssrc)) out.push(ssrc);
  }
  return out;
}

/** The screen-sharing connection of one group call. */
export class Presentation {
  /** The `phone.joinGroupCallPresentation` params JSON. */
  readonly joinPayload: string;
  /** The join payload's `ssrc` (unsigned); no audio is sent on it. */
  readonly ssrc: number;
  /** Video and RTX SSRCs. */
  readonly video: { ssrc: number; rtxSsrc: number };
  readonly #connection: ConnectionTracker;
  readonly #controls: MediaControls<Playback>;
  readonly #sfu: SfuConnection;
  readonly #player: SourcePlayer;
  #releasing: Promise<void> | undefined;

  /** @param options See {@linkcode PresentationOptions}. */
  constructor(options: PresentationOptions) {
    const [ssrc, video, rtx] = freshSsrcs(3, options.takenSsrcs);
    this.ssrc = ssrc;
    this.video = { ssrc: video, rtxSsrc: rtx };
    const { chatId, certificate } = options;
    const local = { ...randomIceCredentials(), certificate };
    this.joinPayload = buildJoinPayload({
      ufrag: local.ufrag,
      pwd: local.pwd,
      fingerprint: certificate.fingerprint,
      audioSsrc: ssrc,
      video: this.video,
    });
    this.#connection = new ConnectionTracker({
      chatId,
      timeoutMs: options.connectTimeoutMs,
      scheduler: options.scheduler ?? sharedScheduler(),
      onChange: ({ state }) =>
        options.onConnection({ state, kind: "presentation" }),
      onTimeout: () => this.#release(),
      progress: () => this.#sfu.progress(),
    });
    this.#sfu = new SfuConnection({
      ...options,
      local,
      audioSsrc: this.ssrc,
      video: this.video,
      connection: this.#connection,
      onConnected: () => {},
      onFailed: () => this.#release(),
      onKeyframeRequest: () => this.#player.playback?.requestKeyframe(),
    });
    this.#player = new SourcePlayer({
      ...options,
      stderrTag: "screen",
      connection: this.#connection,
      sender: () => this.#sfu.sender,
      paused: () => this.#controls.paused,
      onEnd: (_video, error) => options.onStreamEnd(error),
    });
    this.#controls = new MediaControls({
      chatId,
      player: () => this.#player.playback,
      playing: () => this.#player.playing,
      // The call's media state is the call's: only `paused` is used here.
      videoRunning: () => false,
      beforeResume: () => this.#connection.waitConnected(),
      onUpgrade: () => options.onPausedChange(),
    });
  }

  /** Connection state. */
  get state(): ConnectionState | "new" {
    return this.#connection.state;
  }

  /** Failed, timed out or closed: nothing will flow again. */
  get dead(): boolean {
    return this.#connection.dead;
  }

  /** Paused by the user. */
  get paused(): boolean {
    return this.#controls.paused;
  }

  /** Whether a source is set and not finished. */
  get playing(): boolean {
    return this.#player.playing;
  }

  /**
   * Starts (or restarts with new remote parameters) ICE and DTLS towards
   * the SFU; resolves once the sockets are bound.
   */
  connect(answer: RtcJoinResponse): Promise<void> {
    return this.#connection.stopped
      ? Promise.reject(new ClosedError("The presentation was stopped"))
      : this.#sfu.connect(answer);
  }

  /**
   * Shares `source` (its video leg), replacing the current one silently;
   * waits for Connected. While paused it starts on resume.
   *
   * @throws {InvalidParamsError} for a source without video.
   * @throws {NotConnectedError} when it does not connect in time.
   */
  async setSource(source: SourceRecipe, offsetMs = 0): Promise<void> {
    await this.#player.play(screenSource(source), offsetMs);
  }

  /** Pauses the shared source; `false` when already paused. */
  pause(): Promise<boolean> {
    return this.#controls.pause();
  }

  /** Resumes at the paused position; `false` when not paused. */
  resume(): Promise<boolean> {
    return this.#controls.resume();
  }

  /** Frees what a dead presentation holds: ffmpeg, sender, sockets. */
  #release(): Promise<void> {
    return this.#releasing ??= Promise.all([
      this.#player.stop(),
      this.#sfu.close(),
    ]).then(() => {});
  }

  /** Releases everything without any event (a reaped call). */
  dispose(): Promise<void> {
    this.#connection.stop();
    return this.#release();
  }

  /**
   * Ends the presentation: source stopped (no end event), RTCP BYE, DTLS
   * close_notify, then `closed`. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.#connection.stopped) return;
    this.#connection.stop();
    await this.#release();
    this.#connection.set("closed");
  }
}
