/**
 * Screen sharing, the presentation half of the {@linkcode Client} API:
 * Telegram carries a presentation as a second, video-only connection of
 * the same participant (`phone.joinGroupCallPresentation` /
 * `phone.leaveGroupCallPresentation`, its answer an
 * `updateGroupCallConnection` with `presentation: true`). It needs the
 * chat's group call and ends with it.
 *
 * @module
 */

import type { GroupCall } from "../call/group_call.ts";
import type { Presentation } from "../call/presentation.ts";
import type { Source } from "../source/sources.ts";
import type { CallFactory } from "./call_factory.ts";
import {
  type ChatId,
  checkStreamSource,
  rtcAnswer,
  type StreamSourceOptions,
} from "./options.ts";
import type { CallRegistry } from "./registry.ts";

/** The presentation (screen sharing) methods of a {@linkcode Client}. */
export abstract class PresentationMethods {
  readonly #registry: CallRegistry;
  readonly #factory: CallFactory;

  /**
   * Binds the methods to a client's calls.
   *
   * @param registry The client's calls.
   * @param factory Where certificates come from.
   */
  protected constructor(registry: CallRegistry, factory: CallFactory) {
    this.#registry = registry;
    this.#factory = factory;
  }

  /**
   * Opens the chat call's presentation; returns the params JSON for
   * `phone.joinGroupCallPresentation` (its own ICE credentials, DTLS
   * certificate and SSRCs; one video FID group).
   *
   * @example
   * ```ts
   * import { Client } from "@x/tgcall";
   *
   * await using client = await Client.create();
   * await client.createCall(-1001234567890);
   * const params = JSON.parse(await client.createPresentation(-1001234567890));
   * console.log(params["ssrc-groups"][0].semantics); // "FID"
   * ```
   * @throws {ConnectionNotFoundError} without a group call for the chat.
   * @throws {ConnectionExistsError} while a presentation is live.
   * @throws {WrongModeError} on an RTMP call.
   */
  // deno-lint-ignore require-await -- a refusal is a rejection
  async createPresentation(chatId: ChatId): Promise<string> {
    return this.#call(chatId, "createPresentation").presentation
      .open(() => this.#factory.certificate()).joinPayload;
  }

  /**
   * Feeds Telegram's presentation answer (`updateGroupCallConnection`
   * with `presentation: true`) and starts connecting.
   *
   * @example
   * ```ts
   * import type { Client } from "@x/tgcall";
   *
   * async function onPresentationConnection(client: Client, chatId: number, data: string) {
   *   await client.connectPresentation(chatId, data);
   * }
   * ```
   * @throws {ConnectionNotFoundError} before `createPresentation`.
   * @throws {InvalidParamsError} for malformed JSON.
   */
  async connectPresentation(chatId: ChatId, answerJson: string): Promise<void> {
    const presentation = this.#live(chatId, "connectPresentation");
    await presentation.connect(rtcAnswer(chatId, answerJson));
  }

  /**
   * Shares `source`'s video, replacing what was shared (no end event for
   * it); an audio+video source plays its video leg only. Waits up to
   * `connectTimeoutMs` for the presentation to connect. `SCREENCAST` gives
   * a file Telegram's screencast settings.
   *
   * @example
   * ```ts
   * import { type Client, fromShell, Track } from "@x/tgcall";
   *
   * async function shareScreen(client: Client, chatId: number) {
   *   await client.setPresentationSource(
   *     chatId,
   *     fromShell(
   *       "ffmpeg -f x11grab -framerate 24 -i :0.0 -vf scale=1280:-2 -b:v 1000k",
   *       Track.Video,
   *     ),
   *   );
   * }
   * ```
   * @throws {InvalidParamsError} for a source without video.
   * @throws {NotConnectedError} when it does not connect in time.
   * @throws {FFmpegSpawnError} when ffmpeg cannot start.
   */
  async setPresentationSource(
    chatId: ChatId,
    source: Source,
    options: StreamSourceOptions = {},
  ): Promise<void> {
    const { recipe, offsetMs } = checkStreamSource(source, options);
    const presentation = this.#live(chatId, "setPresentationSource");
    await presentation.setSource(recipe, offsetMs);
  }

  /**
   * Pauses the presentation (`MediaState.presentationPaused`); `false`
   * when already paused.
   *
   * @example
   * ```ts
   * import { Client } from "@x/tgcall";
   *
   * await using client = await Client.create();
   * await client.createCall(-1001234567890);
   * await client.createPresentation(-1001234567890);
   * console.log(await client.pausePresentation(-1001234567890)); // true
   * ```
   * @throws {ConnectionNotFoundError} without a presentation.
   */
  async pausePresentation(chatId: ChatId): Promise<boolean> {
    return await this.#live(chatId, "pausePresentation").pause();
  }

  /**
   * Resumes the presentation; `false` when not paused.
   *
   * @example
   * ```ts
   * import { Client } from "@x/tgcall";
   *
   * await using client = await Client.create();
   * await client.createCall(-1001234567890);
   * await client.createPresentation(-1001234567890);
   * console.log(await client.resumePresentation(-1001234567890)); // false: not paused
   * ```
   * @throws {ConnectionNotFoundError} without a presentation.
   */
  async resumePresentation(chatId: ChatId): Promise<boolean> {
    return await this.#live(chatId, "resumePresentation").resume();
  }

  /**
   * Ends the presentation (no stream-end event; `closed` is reported with
   * `kind: "presentation"`); the call goes on. Then
   * `phone.leaveGroupCallPresentation`.
   *
   * @example
   * ```ts
   * import { Client } from "@x/tgcall";
   *
   * await using client = await Client.create();
   * await client.createCall(-1001234567890);
   * await client.createPresentation(-1001234567890);
   * await client.stopPresentation(-1001234567890);
   * ```
   * @throws {ConnectionNotFoundError} without a presentation.
   */
  async stopPresentation(chatId: ChatId): Promise<void> {
    await this.#call(chatId, "stopPresentation").presentation.stop();
  }

  #call(chatId: ChatId, method: string): GroupCall {
    return this.#registry.lookupGroup(chatId, method);
  }

  #live(chatId: ChatId, method: string): Presentation {
    return this.#call(chatId, method).presentation.live();
  }
}
