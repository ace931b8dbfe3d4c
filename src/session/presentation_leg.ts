/**
 * Screen sharing for a {@linkcode GroupCallSession}: the presentation's
 * MTProto half (see `presentation_join.ts`) kept alive alongside the call.
 *
 * Staying up, as tdesktop does (`checkJoined`, `rejoinPresentation`):
 * - while shared, the presentation's source rides along in the session's
 *   `phone.checkGroupCall`, and a check of its own runs while only its
 *   transport is disconnected;
 * - when Telegram no longer lists it, or its transport fails or times out,
 *   it is re-joined with a fresh payload (at once, then with the session's
 *   backoff); a permanent refusal, or five failures in a row, end it with
 *   an `onPresentationEnd` of kind `failed`;
 * - a session rejoin drops it with the old participant; once connected
 *   again it is re-joined with the same source, at the position reached
 *   when the source can seek;
 * - when the shared source plays to its end the presentation ends (no
 *   frozen tile), as tdesktop ends it when the capture stops.
 *
 * Operations run one at a time, in call order.
 *
 * @module
 */

import type { ChatId } from "../client/options.ts";
import { ClosedError, NotConnectedError, type TgCallError } from "../errors.ts";
import type { Source } from "../source/sources.ts";
import { Backoff } from "./backoff.ts";
import { CancellableSleep } from "./cancellable_sleep.ts";
import { adapterError, isTransient } from "./join_errors.ts";
import { LivenessCheck, type LivenessCompanion } from "./liveness_check.ts";
import type { GroupCallRef, MtprotoAdapter } from "./mtproto_adapter.ts";
import {
  joinPresentation,
  leavePresentation,
  type PresentationClient,
  presentationClient,
  type PresentationEnd,
  type PresentationEndListener,
  SharedScreen,
} from "./presentation_join.ts";
import type {
  ResolvedSessionOptions,
  SessionClient,
} from "./session_options.ts";
import type { SessionStateMachine } from "./session_state.ts";

/** Failed re-joins of a presentation in a row before it is ended. */
const MAX_REJOINS = 5;

/** What a leg reads from its session (a `Membership` is one). */
export interface PresentationHost {
  /** The chat. */
  readonly chatId: ChatId;
  /** The client playing into the call. */
  readonly client: SessionClient;
  /** The session's state. */
  readonly machine: SessionStateMachine;
  /** The group call joined. */
  readonly call: GroupCallRef | undefined;
}

type Phase = "idle" | "joining" | "live" | "rejoining" | "suspended";

/** The presentation of one session. */
export class PresentationLeg implements LivenessCompanion {
  readonly #host: PresentationHost;
  readonly #adapter: MtprotoAdapter;
  readonly #o: ResolvedSessionOptions;
  readonly #check: LivenessCheck;
  readonly #backoff: Backoff;
  readonly #listeners = new Set<PresentationEndListener>();
  readonly #unsubscribe: (() => void)[] = [];
  #client: PresentationClient | undefined;
  #sleep: CancellableSleep | undefined;
  #shared: SharedScreen | undefined;
  #joined: { call: GroupCallRef; ssrc: number } | undefined;
  #phase: Phase = "idle";
  #transport = "new";
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Bumped by stop, leave and session rejoins: joins begun before abort. */
  #epoch = 0;

  /** Follows `host`'s state: suspended by a rejoin, re-joined after it. */
  constructor(
    host: PresentationHost,
    adapter: MtprotoAdapter,
    options: ResolvedSessionOptions,
  ) {
    this.#host = host;
    this.#adapter = adapter;
    this.#o = options;
    this.#backoff = new Backoff(options.backoff, options.random);
    this.#check = new LivenessCheck({
      adapter,
      scheduler: options.scheduler,
      intervalMs: options.checkIntervalMs,
      logger: options.logger,
      onMissing: () => this.#lost(),
    });
    host.machine.onChange((state, info) => {
      if (state === "stopped") this.#close();
      else if (state === "rejoining") this.#suspend();
      else if (state !== "connected") this.#check.stop();
      else if (info.previous === "rejoining") this.#resume();
      else if (this.#transport === "disconnected") this.#startCheck();
    });
  }

  /** Whether a source is shared (or being re-joined). */
  get presenting(): boolean {
    return this.#shared?.started === true;
  }

  /** The presentation's source (unsigned) while Telegram has it joined. */
  get ssrc(): number | undefined {
    return this.#joined?.ssrc;
  }

  /** Reports ends; returns the unsubscribe function. */
  onEnd(listener: PresentationEndListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** {@linkcode LivenessCompanion}: our source while live. */
  checkedSources(): readonly number[] {
    return this.#phase === "live" && this.#joined ? [this.#joined.ssrc] : [];
  }

  /** {@linkcode LivenessCompanion}: Telegram no longer lists it. */
  onCheckMissing(): void {
    this.#lost();
  }

  /**
   * Shares `source`; resolves once connected and sharing. While sharing it
   * replaces the source (a failure then ends the presentation).
   *
   * @throws {PresentationUnsupportedError} without adapter/client support.
   */
  present(source: Source, offsetMs: number): Promise<void> {
    const client = this.#client ??= presentationClient(
      this.#host.client,
      this.#adapter,
    );
    return this.#serial(async () => {
      this.#assertUsable();
      if (this.#phase === "live" && this.#shared) {
        try {
          await client.share(this.#host.chatId, source, offsetMs);
        } catch (error) {
          await this.#finish("failed", adapterError(error, "present"));
          throw error;
        }
        this.#shared = new SharedScreen(source, offsetMs);
        this.#shared.flowing(offsetMs, this.#now());
        this.#shared.started = true;
        return;
      }
      const shared = this.#shared = new SharedScreen(source, offsetMs);
      this.#subscribe();
      try {
        await this.#establish(shared);
      } catch (error) {
        if (this.#shared === shared) this.#shared = undefined;
        await this.#teardown(false);
        throw error;
      }
      shared.started = true;
    });
  }

  /**
   * Ends the presentation (`kind: "stopped"`); a no-op when none.
   *
   * @throws {TgCallError} when Telegram refused the leave (it is ended).
   */
  stop(): Promise<void> {
    const shared = this.#shared;
    this.#shared = undefined;
    this.#epoch++;
    this.#sleep?.cancel();
    return this.#serial(async () => {
      if (!shared) return;
      if (shared.started) this.#emit({ kind: "stopped" });
      await this.#teardown(true);
    });
  }

  /**
   * Before the session's `phone.leaveGroupCall`: stops sharing and sends
   * `phone.leaveGroupCallPresentation` if Telegram has it. Never throws.
   */
  async leave(): Promise<void> {
    this.#closed = true;
    this.#epoch++;
    this.#sleep?.cancel();
    // Aborts a join waiting to connect, so the leave is not held up.
    await this.#client?.stop(this.#host.chatId).catch(() => {});
    await this.#serial(() => this.#teardown(false));
  }

  #establish(shared: SharedScreen): Promise<void> {
    const epoch = this.#epoch;
    this.#phase = "joining";
    return joinPresentation(
      {
        chatId: this.#host.chatId,
        client: this.#client!,
        adapter: this.#adapter,
        ssrcTries: this.#o.ssrcTries,
        now: () => this.#now(),
        // Recorded at once: an aborted join is still left on Telegram's side.
        onJoined: (call, ssrc) => this.#joined = { call, ssrc },
        assertCurrent: () => {
          if (
            this.#closed || this.#epoch !== epoch || this.#shared !== shared
          ) {
            throw new ClosedError(
              "The presentation was stopped, or the session left or is rejoining",
            );
          }
        },
      },
      this.#host.call!,
      shared,
    ).then(() => {
      this.#phase = "live";
      this.#transport = "connected";
    });
  }

  /** Telegram dropped it, or its transport failed: re-join. */
  #lost(): void {
    if (this.#phase !== "live" || this.#closed) return;
    this.#phase = "rejoining";
    this.#check.stop();
    this.#shared?.freeze(this.#now());
    void this.#serial(() => this.#rejoinLoop());
  }

  /** The session rejoins: the presentation goes with the old participant. */
  #suspend(): void {
    this.#epoch++;
    this.#check.stop();
    this.#sleep?.cancel();
    if (this.#phase === "live") this.#shared?.freeze(this.#now());
    this.#phase = "suspended";
    this.#joined = undefined;
  }

  /** The session is connected again: share the same source again. */
  #resume(): void {
    if (!this.#shared?.started || this.#closed) return;
    this.#phase = "rejoining";
    void this.#serial(() => this.#rejoinLoop());
  }

  async #rejoinLoop(): Promise<void> {
    const shared = this.#shared;
    const sleep = this.#sleep = new CancellableSleep(this.#o.scheduler);
    let failures = 0;
    for (let delay = 0;; delay = this.#backoff.next()) {
      if (delay > 0 && !await sleep.sleep(delay)) return;
      if (this.#phase !== "rejoining" || this.#shared !== shared) return;
      try {
        await this.#establish(shared!);
        this.#backoff.reset();
        return;
      } catch (thrown) {
        if (this.#shared !== shared || this.#closed) return;
        if (this.#host.machine.state !== "connected") return;
        this.#phase = "rejoining";
        const error = adapterError(thrown, "re-joining the presentation");
        if (!isTransient(error) || ++failures >= MAX_REJOINS) {
          await this.#finish("failed", error);
          return;
        }
        this.#o.logger.warn(
          `tgcall: session ${this.#host.chatId}: presentation rejoin failed`,
          error,
        );
      }
    }
  }

  /** Ends the shared presentation with `kind` (reported if it started). */
  async #finish(kind: PresentationEnd["kind"], error?: TgCallError) {
    const shared = this.#shared;
    this.#shared = undefined;
    if (shared?.started) this.#emit(error ? { kind, error } : { kind });
    await this.#teardown(false);
  }

  /**
   * Stops the client's presentation, then `leaveGroupCallPresentation` if
   * Telegram has one; with `strict` a refusal is thrown, else logged.
   */
  async #teardown(strict: boolean): Promise<void> {
    this.#check.stop();
    if (this.#phase !== "suspended") this.#phase = "idle";
    const joined = this.#joined;
    this.#joined = undefined;
    const warn = (error: unknown) =>
      this.#o.logger.warn(`tgcall: session ${this.#host.chatId}`, error);
    await this.#client?.stop(this.#host.chatId).catch(warn);
    if (!joined) return;
    try {
      await leavePresentation(this.#adapter, joined.call);
    } catch (error) {
      if (strict) throw error;
      warn(error);
    }
  }

  /** The session stopped: nothing more happens; the end is reported. */
  #close(): void {
    this.#closed = true;
    this.#suspend();
    for (const off of this.#unsubscribe.splice(0)) off();
    const shared = this.#shared;
    this.#shared = undefined;
    if (shared?.started) this.#emit({ kind: "session_stopped" });
  }

  #subscribe(): void {
    if (this.#unsubscribe.length > 0) return;
    const { client, chatId } = this.#host;
    const mine = (id: ChatId) => String(id) === String(chatId);
    this.#unsubscribe.push(
      client.onConnectionChange((id, { kind, state }) => {
        if (!mine(id) || kind !== "presentation" || this.#phase !== "live") {
          return;
        }
        this.#transport = state;
        if (state === "connected") this.#check.stop();
        else if (state === "disconnected") this.#startCheck();
        else if (state === "failed" || state === "timeout") this.#lost();
      }),
      client.onStreamEnd((id, _type, device, error) => {
        if (!mine(id) || device !== "screen" || this.#phase !== "live") return;
        void this.#serial(() => this.#finish("ended", error));
      }),
    );
  }

  /** Its own check, only while the session's transport is fine. */
  #startCheck(): void {
    const joined = this.#joined;
    if (this.#phase !== "live" || !joined) return;
    if (this.#host.machine.state === "connected") {
      this.#check.start(joined.call, joined.ssrc);
    }
  }

  #assertUsable(): void {
    if (this.#closed) throw new ClosedError("The session was stopped");
    const state = this.#host.machine.state;
    if (state !== "connected") {
      throw new NotConnectedError(
        `Chat ${this.#host.chatId}: the session is ${state}; present() needs it connected`,
      );
    }
  }

  #now(): number {
    return this.#o.scheduler.clock.now();
  }

  #emit(end: PresentationEnd): void {
    for (const listener of [...this.#listeners]) {
      try {
        const result = listener(end);
        if (result instanceof Promise) result.catch(() => {});
      } catch (error) {
        this.#o.logger.warn("tgcall: onPresentationEnd listener threw", error);
      }
    }
  }

  /** Runs `op` once every earlier one settled. */
  #serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(op, op);
    this.#queue = run.catch(() => {});
    return run;
  }
}
