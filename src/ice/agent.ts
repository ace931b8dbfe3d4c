/**
 * A controlling ICE agent for one component over UDP (RFC 8445), with
 * consent freshness (RFC 7675).
 *
 * Telegram's SFU is ICE-lite: it answers Binding requests and never checks
 * us. So the agent sends checks — USERNAME `remoteUfrag:localUfrag`,
 * PRIORITY, ICE-CONTROLLING, USE-CANDIDATE (aggressive nomination),
 * MESSAGE-INTEGRITY keyed with the remote password, FINGERPRINT — to every
 * remote UDP candidate, paced every `checkIntervalMs` (Ta), and selects the
 * first pair that answers. It still answers checks from a full agent (such
 * as libdatachannel in tests), learning peer-reflexive candidates.
 *
 * After selection, Binding requests on the pair keep consent: every 2·Ta
 * until the transport says DTLS is up ({@linkcode IceAgent.markEstablished}),
 * then every ~2.5 s (±20 %), and every fifth of that (500 ms) while one goes
 * unanswered.
 * No answer for `disconnectedMs` → disconnected, for
 * `failedMs` → failed, with an {@linkcode IceFailedError} saying which.
 * Unauthenticated or malformed STUN is dropped and counted, never thrown.
 *
 * @module
 */

import { IceFailedError, type IceFailureReason } from "../errors.ts";
import { withDefaults } from "../runtime/options.ts";
import {
  type ScheduledTask,
  type Scheduler,
  sharedScheduler,
} from "../runtime/scheduler.ts";
import {
  type DecodedStunMessage,
  decodeStunMessage,
  encodeStunMessage,
} from "../stun/message.ts";
import { newTransactionId, StunClass, StunMethod } from "../stun/header.ts";
import {
  verifyFingerprint,
  verifyMessageIntegrity,
} from "../stun/integrity.ts";
import { candidatePriority } from "./candidate.ts";
import type {
  IceAgentOptions,
  IcePair,
  IceState,
  IceStats,
} from "./agent_types.ts";

export type { IceAgentOptions, IcePair, IceState, IceStats };

interface Transaction {
  address: string;
  port: number;
  sentAt: number;
}

/** An unanswered consent check is repeated after keepaliveMs / this. */
const RECHECKS_PER_KEEPALIVE = 5;

/** A controlling, aggressive-nomination ICE agent. */
export class IceAgent {
  readonly #o:
    & Required<
      Omit<IceAgentOptions, "onStateChange" | "onSelectedPair" | "scheduler">
    >
    & Pick<IceAgentOptions, "onStateChange" | "onSelectedPair">;
  readonly #scheduler: Scheduler;
  readonly #task: ScheduledTask;
  readonly #remoteKey: Uint8Array;
  readonly #localKey: Uint8Array;
  readonly #tieBreaker: bigint;
  readonly #targets: { address: string; port: number }[] = [];
  readonly #pending = new Map<string, Transaction>();
  #next = 0;
  #state: IceState = "new";
  #selected: IcePair | undefined;
  #startedAt = 0;
  #lastResponse = 0;
  /** When the selected pair was last checked. */
  #lastCheckAt = 0;
  #established = false;
  #failure: IceFailedError | undefined;
  /** Live counters. */
  readonly stats: IceStats = {
    requestsSent: 0,
    responsesReceived: 0,
    requestsAnswered: 0,
    dropped: 0,
  };

  /** @param options See {@linkcode IceAgentOptions}. */
  constructor(options: IceAgentOptions) {
    this.#o = withDefaults({
      checkIntervalMs: 50,
      keepaliveMs: 2500,
      disconnectedMs: 5000,
      failedMs: 30_000,
    }, options);
    this.#scheduler = options.scheduler ?? sharedScheduler();
    this.#task = this.#scheduler.task((now) => this.#tick(now));
    const encoder = new TextEncoder();
    this.#remoteKey = encoder.encode(options.remotePwd);
    this.#localKey = encoder.encode(options.localPwd);
    const tb = crypto.getRandomValues(new Uint32Array(2));
    this.#tieBreaker = (BigInt(tb[0]) << 32n) | BigInt(tb[1]);
    // Highest priority first; the SFU lists IPv4 and IPv6 hosts.
    const byPriority = [...options.remoteCandidates]
      .sort((a, b) => b.priority - a.priority);
    for (const c of byPriority) this.#addTarget(c.address, c.port);
  }

  /** Current state. */
  get state(): IceState {
    return this.#state;
  }

  /** The selected pair, once connected. */
  get selectedPair(): IcePair | undefined {
    return this.#selected;
  }

  /** Remote candidates being checked, peer-reflexive ones included. */
  get candidateCount(): number {
    return this.#targets.length;
  }

  /** Why the agent failed, once its state is `"failed"`. */
  get failure(): IceFailedError | undefined {
    return this.#failure;
  }

  /** Starts checking. */
  start(): void {
    if (this.#state !== "new") return;
    this.#startedAt = this.#scheduler.clock.now();
    this.#setState("checking");
    this.#task.after(0);
  }

  /**
   * Tells the agent the layer above (DTLS) is up. Until then the selected
   * pair is pinged every 2·Ta instead of every ~2.5 s: a full ICE peer (not
   * the ICE-lite SFU, but libwebrtc or libdatachannel) accepts DTLS only
   * once one of its own checks succeeded, and each of our USE-CANDIDATE
   * checks makes it send a triggered check (RFC 8445 §7.3.1.4) instead of
   * waiting for its own, ever slower, retransmissions.
   */
  markEstablished(): void {
    this.#established = true;
  }

  /** Stops all timers; the agent can no longer be used. Idempotent. */
  close(): void {
    this.#task.cancel();
    this.#pending.clear();
    if (this.#state !== "closed") this.#setState("closed");
  }

  /**
   * Handles a STUN datagram from `address:port`. Never throws; malformed or
   * unauthenticated messages are dropped and counted.
   */
  handleStun(data: Uint8Array, address: string, port: number): void {
    if (this.#state === "closed" || this.#state === "new") return;
    let message: DecodedStunMessage;
    try {
      message = decodeStunMessage(data);
    } catch {
      this.stats.dropped++;
      return;
    }
    if (message.method !== StunMethod.Binding || !verifyFingerprint(message)) {
      this.stats.dropped++;
      return;
    }
    if (message.class === StunClass.Request) {
      this.#answer(message, address, port);
    } else if (message.class === StunClass.SuccessResponse) {
      this.#onSuccess(message, address, port);
    } else if (message.class === StunClass.ErrorResponse) {
      this.#onError(message);
    }
  }

  #answer(message: DecodedStunMessage, address: string, port: number): void {
    const expectedUser = `${this.#o.localUfrag}:${this.#o.remoteUfrag}`;
    if (
      message.username !== expectedUser ||
      !verifyMessageIntegrity(message, this.#localKey)
    ) {
      this.stats.dropped++;
      return;
    }
    // Both controlling (RFC 8445 §7.3.1.1): the larger tie-breaker keeps the
    // role; a send-only client facing an ICE-lite SFU never meets this, so
    // we only defend our role and do not switch.
    if (
      message.iceControlling !== undefined &&
      this.#tieBreaker >= message.iceControlling
    ) {
      this.#o.send(
        encodeStunMessage({
          method: StunMethod.Binding,
          class: StunClass.ErrorResponse,
          transactionId: message.transactionId,
          errorCode: { code: 487, reason: "Role Conflict" },
        }, { integrityKey: this.#localKey, fingerprint: true }),
        address,
        port,
      );
      return;
    }
    this.stats.requestsAnswered++;
    this.#o.send(
      encodeStunMessage({
        method: StunMethod.Binding,
        class: StunClass.SuccessResponse,
        transactionId: message.transactionId,
        xorMappedAddress: { address, port },
      }, { integrityKey: this.#localKey, fingerprint: true }),
      address,
      port,
    );
    // A check from an address we did not know is a peer-reflexive candidate
    // (RFC 8445 §7.3.1.3): check it too.
    this.#addTarget(address, port);
    // A triggered check (§7.3.1.4) speeds things up when we are still checking.
    if (this.#state === "checking") this.#sendCheck(address, port);
  }

  #onSuccess(message: DecodedStunMessage, address: string, port: number): void {
    const key = transactionKey(message.transactionId);
    const tx = this.#pending.get(key);
    // Responses must come from where the request went (RFC 8445 §7.2.5.2.1).
    if (
      !tx || tx.address !== address || tx.port !== port ||
      !verifyMessageIntegrity(message, this.#remoteKey)
    ) {
      this.stats.dropped++;
      return;
    }
    this.#pending.delete(key);
    this.stats.responsesReceived++;
    const now = this.#scheduler.clock.now();
    this.#lastResponse = now;
    const rttMs = now - tx.sentAt;
    if (!this.#selected) {
      // USE-CANDIDATE was on the request: a success nominates the pair.
      this.#selected = { address, port, rttMs };
      this.#setState("connected");
      this.#o.onSelectedPair?.(this.#selected);
      this.#armNextCheck(now);
    } else if (
      this.#selected.address === address && this.#selected.port === port
    ) {
      this.#selected.rttMs = rttMs;
      if (this.#state === "disconnected") this.#setState("connected");
      // Answered: the retry armed with the check becomes a keepalive.
      if (this.#established) this.#armNextCheck(now);
    }
  }

  #onError(message: DecodedStunMessage): void {
    const key = transactionKey(message.transactionId);
    if (this.#pending.delete(key)) this.stats.responsesReceived++;
    else this.stats.dropped++;
  }

  #tick(now: number): void {
    if (this.#state === "checking") {
      if (now - this.#startedAt >= this.#o.failedMs) {
        return this.#fail("no-response");
      }
      if (this.#targets.length > 0) {
        const t = this.#targets[this.#next++ % this.#targets.length];
        this.#sendCheck(t.address, t.port);
      }
      this.#task.at(now + this.#o.checkIntervalMs);
      return;
    }
    if (
      !this.#selected || this.#state === "failed" || this.#state === "closed"
    ) return;
    const silent = now - this.#lastResponse;
    if (silent >= this.#o.failedMs) return this.#fail("consent-lost");
    if (silent >= this.#o.disconnectedMs && this.#state === "connected") {
      this.#setState("disconnected");
    }
    this.#sendCheck(this.#selected.address, this.#selected.port);
    this.#lastCheckAt = now;
    this.#armNextCheck(now);
  }

  /**
   * Arms the next check of the selected pair. Until DTLS is up, every 2·Ta.
   * After, a keepalive (0.8–1.2 × `keepaliveMs`) once the last check was
   * answered, and a retry every fifth of that while it is not: one
   * keepalive interval holds only two checks before the disconnected
   * deadline, so a lost packet or two must not cost consent (libwebrtc
   * likewise pings a pair that is not "stable" every 900 ms). Never later
   * than consent would lapse, so "disconnected" is reported on time.
   */
  #armNextCheck(now: number): void {
    let delay: number;
    if (!this.#established) delay = 2 * this.#o.checkIntervalMs;
    else if (this.#lastResponse < this.#lastCheckAt) {
      delay = this.#o.keepaliveMs / RECHECKS_PER_KEEPALIVE;
    } else delay = this.#o.keepaliveMs * (0.8 + 0.4 * Math.random());
    const untilSilent = this.#lastResponse + this.#o.disconnectedMs - now;
    if (untilSilent > 0) delay = Math.min(delay, untilSilent);
    this.#task.at(now + Math.max(1, delay));
  }

  #sendCheck(address: string, port: number): void {
    const transactionId = newTransactionId();
    const request = encodeStunMessage({
      method: StunMethod.Binding,
      class: StunClass.Request,
      transactionId,
      username: `${this.#o.remoteUfrag}:${this.#o.localUfrag}`,
      priority: candidatePriority("prflx"),
      iceControlling: this.#tieBreaker,
      useCandidate: true,
    }, { integrityKey: this.#remoteKey, fingerprint: true });
    if (!this.#o.send(request, address, port)) return;
    this.stats.requestsSent++;
    const now = this.#scheduler.clock.now();
    this.#pending.set(transactionKey(transactionId), {
      address,
      port,
      sentAt: now,
    });
    // Bound the table: answers older than the failure window are useless.
    if (this.#pending.size > 256) {
      for (const [k, tx] of this.#pending) {
        if (now - tx.sentAt > 5000 || this.#pending.size > 256) {
          this.#pending.delete(k);
        }
      }
    }
  }

  #addTarget(address: string, port: number): void {
    if (!this.#targets.some((t) => t.address === address && t.port === port)) {
      this.#targets.push({ address, port });
    }
  }

  #fail(reason: IceFailureReason): void {
    this.#failure = new IceFailedError(reason, this.#o.failedMs);
    this.#setState("failed");
  }

  #setState(state: IceState): void {
    if (this.#state === state) return;
    this.#state = state;
    if (state === "failed" || state === "closed") this.#task.cancel();
    this.#o.onStateChange?.(state);
  }
}

function transactionKey(id: Uint8Array): string {
  let key = "";
  for (let i = 0; i < id.length; i++) key += String.fromCharCode(id[i]);
  return key;
}
