/**
 * Pause, resume and seek for anything that plays a source through ffmpeg
 * processes it cannot rewind (a call's `Playback`, an `RtmpPush`): pause stops the processes and records the position, resume and
 * seek open the source again at an offset.
 *
 * Every open and close bumps a generation number. A callback of an older
 * generation — frames or an end from processes already stopped, or an
 * open that finished after a pause, seek or stop — is stale and ignored
 * (`isCurrent`), which is why no end event follows `pause`, `seekBy` or
 * `stop`.
 *
 * @module
 */

import { SeekUnsupportedError } from "../errors.ts";
import { isSeekable, type SourceRecipe } from "../source/sources.ts";

/** Where a run is. */
export type RunState = "idle" | "playing" | "paused" | "ended" | "stopped";

/** What a {@linkcode SeekableRun} drives. `R` is one opening's handle. */
export interface SeekableRunOptions<R> {
  /** The source played. */
  source: SourceRecipe;
  /**
   * Opens the source at `offsetMs`. Callbacks of this opening carry
   * `generation`, to be checked with {@linkcode SeekableRun.isCurrent}.
   */
  open(offsetMs: number, generation: number): Promise<R>;
  /** The opening is current and playing. */
  started?(opening: R, generation: number): void;
  /**
   * The current opening is being closed by pause, seek or stop (its
   * generation is already stale): drop what it left behind, such as
   * buffered frames. Runs before {@linkcode SeekableRunOptions.close}.
   */
  discard?(): void;
  /** Stops an opening. */
  close(opening: R): Promise<void>;
  /** The media position while playing, ms. */
  position(): number;
}

/** The pause/resume/seek state machine of one source. */
export class SeekableRun<R> {
  readonly #o: SeekableRunOptions<R>;
  #state: RunState = "idle";
  #generation = 0;
  #opening: R | undefined;
  #offsetMs = 0;

  /** @param options See {@linkcode SeekableRunOptions}. */
  constructor(options: SeekableRunOptions<R>) {
    this.#o = options;
  }

  /** Current state. */
  get state(): RunState {
    return this.#state;
  }

  /** The current opening, while playing. */
  get opening(): R | undefined {
    return this.#opening;
  }

  /**
   * Where the current opening started, ms; when not playing, the position
   * a resume starts from.
   */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** The position: {@linkcode SeekableRunOptions.position} while playing. */
  position(): number {
    return this.#state === "playing" ? this.#o.position() : this.#offsetMs;
  }

  /** The current generation: callbacks carrying it still matter. */
  get generation(): number {
    return this.#generation;
  }

  /** Whether callbacks of `generation` still matter. */
  isCurrent(generation: number): boolean {
    return generation === this.#generation;
  }

  /** Starts at `offsetMs`; rejects with the open's error. */
  async start(offsetMs = 0): Promise<void> {
    if (this.#state !== "idle" && this.#state !== "paused") return;
    await this.#open(offsetMs);
  }

  /** Starts later: records `offsetMs` as the paused position. */
  startPaused(offsetMs = 0): void {
    if (this.#state !== "idle") return;
    this.#offsetMs = offsetMs;
    this.#state = "paused";
  }

  /** Stops the opening and records the position. `false` when not playing. */
  async pause(): Promise<boolean> {
    if (this.#state !== "playing") return false;
    this.#offsetMs = this.#o.position();
    this.#state = "paused";
    await this.#close();
    return true;
  }

  /** Opens again at the paused position. `false` when not paused. */
  async resume(): Promise<boolean> {
    if (this.#state !== "paused") return false;
    await this.#open(this.#offsetMs);
    return true;
  }

  /**
   * Moves by `deltaMs` from the current position (clamped at 0). While
   * paused (or not yet started) only the position moves.
   *
   * @throws {SeekUnsupportedError} when the source cannot seek.
   */
  async seekBy(deltaMs: number): Promise<void> {
    if (!isSeekable(this.#o.source)) {
      throw new SeekUnsupportedError(
        `${this.#o.source.description} cannot seek`,
      );
    }
    const target = Math.max(0, this.position() + deltaMs);
    if (this.#state === "paused" || this.#state === "idle") {
      this.#offsetMs = target;
      return;
    }
    if (this.#state !== "playing") return;
    await this.#close();
    await this.#open(target);
  }

  /** The current opening ended by itself: records the position, returns it for closing. */
  end(): R | undefined {
    const opening = this.#opening;
    if (this.#state === "playing") this.#offsetMs = this.#o.position();
    this.#opening = undefined;
    this.#state = "ended";
    return opening;
  }

  /** Stops for good. Idempotent. */
  async stop(): Promise<void> {
    if (this.#state === "stopped") return;
    if (this.#state === "playing") this.#offsetMs = this.#o.position();
    this.#state = "stopped";
    await this.#close();
  }

  async #open(offsetMs: number): Promise<void> {
    const generation = ++this.#generation;
    this.#offsetMs = offsetMs;
    const opening = await this.#o.open(offsetMs, generation);
    if (generation !== this.#generation) {
      // Paused, seeked or stopped while opening.
      await this.#o.close(opening);
      return;
    }
    this.#opening = opening;
    this.#state = "playing";
    this.#o.started?.(opening, generation);
  }

  async #close(): Promise<void> {
    this.#generation++;
    const opening = this.#opening;
    this.#opening = undefined;
    this.#o.discard?.();
    if (opening !== undefined) await this.#o.close(opening);
  }
}
