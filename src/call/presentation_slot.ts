/**
 * The one presentation a group call may have, with the client's registry
 * rules applied to it: a second one while the first is live is refused
 * with {@linkcode ConnectionExistsError}; a failed or timed-out one is
 * replaced (its resources were already released); asking for one when
 * there is none is a {@linkcode ConnectionNotFoundError}. Ending the call
 * ends its presentation; nothing of either remains afterwards.
 *
 * Events of a replaced presentation are dropped; the current one's screen
 * end is reported as `("video", "screen")`.
 *
 * @module
 */

import type { DtlsCertificate } from "../dtls/certificate.ts";
import {
  ClosedError,
  ConnectionExistsError,
  ConnectionNotFoundError,
} from "../errors.ts";
import { Presentation, type PresentationSettings } from "./presentation.ts";
import type { CallHooks } from "./types.ts";

/** Options for {@linkcode PresentationSlot}. */
export interface PresentationSlotOptions
  extends PresentationSettings, Omit<CallHooks, "onUpgrade"> {
  /** The call's own SSRCs, which a presentation must not reuse. */
  takenSsrcs: readonly number[];
  /** The presentation was paused or resumed. */
  onPausedChange(): void;
}

/** At most one presentation of one call. */
export class PresentationSlot {
  readonly #o: PresentationSlotOptions;
  #current: Presentation | undefined;
  /** Replaced presentations still releasing their resources. */
  readonly #dying = new Set<Promise<void>>();
  #closed = false;

  /** @param options See {@linkcode PresentationSlotOptions}. */
  constructor(options: PresentationSlotOptions) {
    this.#o = options;
  }

  /** Whether the live presentation is paused (`false` without one). */
  get paused(): boolean {
    const current = this.#current;
    return current !== undefined && !current.dead && current.paused;
  }

  /**
   * Opens a presentation with the certificate `certificate` returns (not
   * called when refused).
   *
   * @throws {ConnectionExistsError} while one is live.
   * @throws {ClosedError} once the call is stopped.
   */
  open(certificate: () => DtlsCertificate): Presentation {
    if (this.#closed) throw new ClosedError("The call was stopped");
    const old = this.#current;
    if (old && !old.dead) {
      throw new ConnectionExistsError(
        `Chat ${this.#o.chatId} already has a presentation`,
      );
    }
    if (old) this.#retire(old);
    const o = this.#o;
    const presentation: Presentation = new Presentation({
      ...o,
      certificate: certificate(),
      onStreamEnd: (error) => {
        if (this.#current === presentation) {
          o.onStreamEnd("video", "screen", error);
        }
      },
      onPausedChange: () => {
        if (this.#current === presentation) o.onPausedChange();
      },
    });
    this.#current = presentation;
    return presentation;
  }

  /**
   * The live presentation (a dead one is dropped).
   *
   * @throws {ConnectionNotFoundError} when there is none.
   */
  live(): Presentation {
    const current = this.#current;
    if (current?.dead) {
      this.#current = undefined;
      this.#retire(current);
    }
    if (!this.#current) throw this.#notFound();
    return this.#current;
  }

  /**
   * Ends the presentation, live or dead (`closed` is reported). The call
   * goes on.
   *
   * @throws {ConnectionNotFoundError} when there is none.
   */
  async stop(): Promise<void> {
    const current = this.#current;
    if (!current) throw this.#notFound();
    this.#current = undefined;
    await current.stop();
  }

  /**
   * Ends the slot with its call: the presentation is stopped (`closed`
   * reported) or, with `silently`, disposed; replaced ones are awaited.
   * Idempotent.
   */
  async close(silently = false): Promise<void> {
    this.#closed = true;
    const current = this.#current;
    this.#current = undefined;
    await Promise.all([
      silently ? current?.dispose() : current?.stop(),
      ...this.#dying,
    ]);
  }

  #retire(presentation: Presentation): void {
    const done: Promise<void> = presentation.dispose().catch(() => {})
      .finally(() => this.#dying.delete(done));
    this.#dying.add(done);
  }

  #notFound(): ConnectionNotFoundError {
    return new ConnectionNotFoundError(
      `No presentation for chat ${this.#o.chatId}`,
    );
  }
}
