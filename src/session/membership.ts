/**
 * The life of one group-call membership (telegram-wire.md §6, §8): the
 * first join; stream mode as a state; a disconnected transport watched with
 * `phone.checkGroupCall`; full rejoins — fresh SSRCs, ICE credentials and
 * certificate, since Telegram has no ICE restart — after an exponential,
 * jittered backoff, replaying the remembered playback; and the stops
 * (left, joined elsewhere, discarded, unrecoverable error), each releasing
 * every timer, subscription and client call and reported exactly once.
 *
 * {@linkcode GroupCallSession} is the public face of this class.
 *
 * @module
 */

import type { ChatId } from "../client/options.ts";
import { ClosedError, NotConnectedError, type TgCallError } from "../errors.ts";
import { Backoff } from "./backoff.ts";
import { CancellableSleep } from "./cancellable_sleep.ts";
import { callState, ConnectWaiter } from "./connect_waiter.ts";
import { CallDiscardedError, JoinedElsewhereError } from "./errors.ts";
import {
  joinAttempt,
  type JoinAttemptContext,
  type JoinOutcome,
  stopClientCall,
} from "./join_attempt.ts";
import {
  adapterError,
  floodWaitMs,
  isNotInCall,
  isTransient,
} from "./join_errors.ts";
import { LivenessCheck } from "./liveness_check.ts";
import { MediaStateMirror } from "./media_state_mirror.ts";
import type {
  GroupCallRef,
  GroupCallUpdate,
  MtprotoAdapter,
} from "./mtproto_adapter.ts";
import { PlaybackMemory } from "./playback_memory.ts";
import { PresentationLeg } from "./presentation_leg.ts";
import { classifySelfUpdate, RecentSources } from "./self_update.ts";
import type {
  ResolvedSessionOptions,
  SessionClient,
} from "./session_options.ts";
import {
  type SessionState,
  SessionStateMachine,
  type SessionStateReason,
  type StopReason,
} from "./session_state.ts";

/** The membership behind a {@linkcode GroupCallSession}. */
export class Membership {
  /** The chat. */
  readonly chatId: ChatId;
  /** The client playing into the call. */
  readonly client: SessionClient;
  /** State and its listeners. */
  readonly machine: SessionStateMachine;
  /** What plays, remembered for rejoins. */
  readonly media: PlaybackMemory;
  /** Screen sharing, re-joined after rejoins. */
  readonly presentation: PresentationLeg;
  readonly #adapter: MtprotoAdapter;
  readonly #o: ResolvedSessionOptions;
  readonly #mirror: MediaStateMirror;
  readonly #backoff: Backoff;
  readonly #liveness: LivenessCheck;
  readonly #waiter: ConnectWaiter;
  readonly #context: JoinAttemptContext;
  readonly #ourSources = new RecentSources();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #sleep: CancellableSleep;
  #call: GroupCallRef | undefined;
  #source: number | undefined;
  #joinedSource: number | undefined;
  #leftWhileJoining = false;
  #connectedAt = NaN;
  #rejoinRun: Promise<void> | undefined;
  #stopReason: StopReason | undefined;
  #released: Promise<void> | undefined;

  /** Subscribes to the client's and adapter's events; `start` joins. */
  constructor(
    client: SessionClient,
    adapter: MtprotoAdapter,
    chatId: ChatId,
    options: ResolvedSessionOptions,
  ) {
    this.client = client;
    this.chatId = chatId;
    this.#adapter = adapter;
    this.#o = options;
    const { logger, scheduler } = options;
    const warn = (what: string) => (error: unknown) =>
      logger.warn(`tgcall: session ${chatId}: ${what}`, error);
    this.machine = new SessionStateMachine(
      warn("onStateChange listener threw"),
    );
    this.media = new PlaybackMemory(client, chatId, scheduler);
    this.#mirror = new MediaStateMirror(adapter, options.joinAs, logger);
    this.#backoff = new Backoff(options.backoff, options.random);
    this.presentation = new PresentationLeg(this, adapter, options);
    this.#liveness = new LivenessCheck({
      adapter,
      scheduler,
      intervalMs: options.checkIntervalMs,
      logger,
      onMissing: (error) => this.#rejoin("source_missing", error),
      companion: this.presentation,
    });
    this.#waiter = new ConnectWaiter(
      scheduler,
      () => callState(this.client, this.chatId),
      `Chat ${chatId}`,
    );
    this.#sleep = new CancellableSleep(scheduler);
    this.#context = {
      client,
      adapter,
      chatId,
      options,
      onPayload: (call, source) => {
        this.#call = call;
        this.#source = source;
        this.#leftWhileJoining = false;
        this.#ourSources.add(source);
      },
      onJoined: (call, source) => {
        // Stopped while the join was in flight: take the participant out.
        if (this.#released) {
          adapter.leaveGroupCall(call, source).catch(() => {});
          return;
        }
        this.#joinedSource = source;
        this.#mirror.joined(call, options.video);
      },
      waitConnected: () => this.#waiter.wait(),
      assertLive: () => this.assertRunning(),
    };
    const mine = (id: ChatId) => String(id) === String(chatId);
    const onUpdate = warn("handling an update failed");
    // The adapter's first: if it throws, nothing of the client's is held.
    this.#unsubscribe.push(
      adapter.onUpdate((update) => {
        try {
          this.#onUpdate(update);
        } catch (error) {
          onUpdate(error);
        }
      }),
      client.onConnectionChange((id) => {
        if (mine(id)) this.#connectionChanged();
      }),
      // Not awaited: a slow RPC must not hold up the client's event queue.
      client.onUpgrade((id, state) => {
        if (mine(id)) void this.#mirror.update(state);
      }),
      client.onStreamEnd((id, type) => {
        if (mine(id) && type === "audio" && this.live) this.media.ended();
      }),
    );
  }

  /** Why it stopped; `undefined` while it runs. */
  get stopReason(): StopReason | undefined {
    return this.#stopReason;
  }

  /** The group call joined. */
  get call(): GroupCallRef | undefined {
    return this.#call;
  }

  /** Our current audio source (unsigned). */
  get source(): number | undefined {
    return this.#source;
  }

  /** Whether a client call is up to take media commands. */
  get live(): boolean {
    return ["connected", "reconnecting"].includes(this.machine.state);
  }

  /** @throws {ClosedError} once stopped. */
  assertRunning(): void {
    if (this.#released) throw new ClosedError("The session was stopped");
  }

  /**
   * The first join: resolves once connected or listening; otherwise stops,
   * releases everything and rejects with the typed error.
   */
  async start(): Promise<void> {
    try {
      await this.#settle(await joinAttempt(this.#context, undefined));
    } catch (thrown) {
      const error = this.#stopReason?.error ??
        adapterError(thrown, "joinGroupCall");
      const call = this.#call;
      const joined = this.#joinedSource;
      await this.#shutdown("error", error);
      await stopClientCall(this.client, this.chatId).catch(() => {});
      // Telegram holds a participant we cannot use: take it out again.
      if (call && joined !== undefined && this.#stopReason?.kind === "error") {
        await this.#adapter.leaveGroupCall(call, joined).catch(() => {});
      }
      throw error;
    }
    if (this.#released) {
      throw this.#stopReason?.error ??
        new ClosedError("The session was stopped");
    }
  }

  /**
   * `phone.leaveGroupCall(call, our source)` and a full stop (kind
   * `left`). After a stop of its own it only waits for the release.
   *
   * @throws {TgCallError} when Telegram refused the leave.
   */
  async leave(): Promise<void> {
    if (this.#released) return await this.#released;
    const call = this.#call;
    const source = this.#joinedSource;
    const released = this.#shutdown("left");
    let failure: TgCallError | undefined;
    if (call && source !== undefined) {
      try {
        await this.#adapter.leaveGroupCall(call, source);
      } catch (thrown) {
        const error = adapterError(thrown, "phone.leaveGroupCall");
        if (!isNotInCall(error)) failure = error;
      }
    }
    await released;
    if (failure) throw failure;
  }

  /** Takes a finished join to `connected` or `listening`. */
  async #settle(outcome: JoinOutcome): Promise<void> {
    this.#call = outcome.call;
    this.#source = outcome.source;
    if (outcome.mode === "stream") {
      await stopClientCall(this.client, this.chatId);
      this.#mirror.detach();
      if (!this.#move("listening", "stream_mode")) return;
    } else {
      await this.media.replay(this.#o.logger);
      if (this.#released) return;
      this.#connectedAt = this.#o.scheduler.clock.now();
      if (!this.#move("connected", "joined")) return;
      this.media.startSampling();
    }
    if (this.#leftWhileJoining) this.#rejoin("kicked");
    else this.#connectionChanged();
  }

  /** Starts a full rejoin from `connected`, `reconnecting` or `listening`. */
  #rejoin(reason: SessionStateReason, error?: TgCallError): void {
    if (!this.machine.canMove("rejoining")) return;
    this.media.stopSampling(this.machine.state === "connected");
    this.#liveness.stop();
    this.#mirror.detach();
    if (!this.#move("rejoining", reason, error)) return;
    this.#rejoinRun = this.#rejoinLoop();
  }

  async #rejoinLoop(): Promise<void> {
    const { logger, scheduler, stableMs, maxRejoinAttempts } = this.#o;
    await stopClientCall(this.client, this.chatId).catch((error) =>
      logger.warn(`tgcall: session ${this.chatId}: stop failed`, error)
    );
    // Only a connection that held earns a fresh start: a flapping one keeps
    // backing off (tdesktop#29650's endless rejoin loop).
    if (scheduler.clock.now() - this.#connectedAt >= stableMs) {
      this.#backoff.reset();
    }
    this.#connectedAt = NaN;
    let failures = 0;
    let floorMs = 0;
    while (!this.#released) {
      if (!await this.#sleep.sleep(Math.max(this.#backoff.next(), floorMs))) {
        return;
      }
      try {
        await this.#settle(await joinAttempt(this.#context, this.#call));
        return;
      } catch (thrown) {
        await stopClientCall(this.client, this.chatId).catch(() => {});
        if (this.#released) return;
        const error = adapterError(thrown, "rejoin");
        if (!isTransient(error) || ++failures >= maxRejoinAttempts) {
          void this.#shutdown("error", error);
          return;
        }
        floorMs = floodWaitMs(error);
        logger.warn(`tgcall: session ${this.chatId}: rejoin failed`, error);
      }
    }
  }

  /** Stops for good; resolves once everything is released. */
  #shutdown(kind: StopReason["kind"], error?: TgCallError): Promise<void> {
    if (this.#released) return this.#released;
    this.#stopReason = error ? { kind, error } : { kind };
    this.media.stopSampling(this.machine.state === "connected");
    this.#liveness.stop();
    this.#mirror.detach();
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#sleep.cancel();
    this.#waiter.fail(error ?? new ClosedError("The session was stopped"));
    const rejoinRun = this.#rejoinRun;
    this.#released = (async () => {
      await stopClientCall(this.client, this.chatId).catch((e) =>
        this.#o.logger.warn(`tgcall: session ${this.chatId}: stop failed`, e)
      );
      await rejoinRun;
    })();
    this.machine.move("stopped", kind, error);
    return this.#released;
  }

  /** Re-reads the client call's state after a connection event. */
  #connectionChanged(): void {
    if (this.#released) return;
    this.#waiter.check();
    const state = this.machine.state;
    if (state !== "connected" && state !== "reconnecting") return;
    const transport = callState(this.client, this.chatId);
    if (transport === "connected") {
      if (state !== "reconnecting") return;
      this.#liveness.stop();
      if (this.#move("connected", "transport_recovered")) {
        this.media.startSampling();
      }
    } else if (transport === "disconnected") {
      if (state !== "connected") return;
      // Freeze the position: playback resumes here if a rejoin follows.
      this.media.stopSampling(true);
      if (this.#move("reconnecting", "transport_disconnected")) {
        this.#liveness.start(this.#call!, this.#source!);
      }
    } else if (transport !== "connecting" && transport !== "new") {
      this.#rejoin(
        "transport_failed",
        new NotConnectedError(
          `Chat ${this.chatId}: the transport ${transport}`,
        ),
      );
    }
  }

  #onUpdate(update: GroupCallUpdate): void {
    if (this.#released || !this.#call) return;
    const verdict = classifySelfUpdate(update, {
      callId: this.#call.id,
      source: this.#source,
      ourSources: this.#ourSources,
      joined: this.#joinedSource !== undefined,
    });
    const state = this.machine.state;
    if (verdict === "discarded") {
      void this.#shutdown(
        "discarded",
        new CallDiscardedError(`The group call of chat ${this.chatId} ended`),
      );
    } else if (verdict === "joined_elsewhere") {
      void this.#shutdown(
        "joined_elsewhere",
        new JoinedElsewhereError(
          `Chat ${this.chatId}: the account joined the call from another device`,
        ),
      );
    } else if (verdict === "left") {
      if (state !== "joining" && state !== "rejoining") {
        this.#rejoin("kicked");
        return;
      }
      this.#leftWhileJoining = true;
      this.#waiter.fail(
        new NotConnectedError(`Chat ${this.chatId}: removed while connecting`),
      );
    } else if (verdict === "can_self_unmute" && state === "listening") {
      this.#rejoin("can_speak");
    }
  }

  /** Moves the machine; `false` when not allowed or a listener stopped us. */
  #move(
    to: SessionState,
    reason: SessionStateReason,
    error?: TgCallError,
  ): boolean {
    return this.machine.move(to, reason, error) && !this.#released;
  }
}
