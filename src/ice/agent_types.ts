/**
 * The ICE agent's public shapes: its states, the selected pair, its
 * options and counters (`IceAgent` is in `agent.ts`).
 *
 * @module
 */

import type { Scheduler } from "../runtime/scheduler.ts";
import type { IceCandidate } from "./candidate.ts";

/** Agent states, as RTCIceConnectionState names them. */
export type IceState =
  | "new"
  | "checking"
  | "connected"
  | "disconnected"
  | "failed"
  | "closed";

/** A candidate pair; `remote` is where we send. */
export interface IcePair {
  /** Remote address. */
  address: string;
  /** Remote port. */
  port: number;
  /** Round-trip time of the last answered check, ms. */
  rttMs: number;
}

/** Options for {@linkcode IceAgent}. */
export interface IceAgentOptions {
  /** Our ufrag. */
  localUfrag: string;
  /** Our password (answers to incoming checks are keyed with it). */
  localPwd: string;
  /** The remote ufrag. */
  remoteUfrag: string;
  /** The remote password (our checks are keyed with it). */
  remotePwd: string;
  /** Remote UDP candidates to check. */
  remoteCandidates: readonly IceCandidate[];
  /** Sends a datagram; returns false if no socket can reach the address. */
  send: (data: Uint8Array, address: string, port: number) => boolean;
  /** Called on every state change. */
  onStateChange?: (state: IceState) => void;
  /** Called when a pair is selected (and again if it changes). */
  onSelectedPair?: (pair: IcePair) => void;
  /** Ta between checks; default 50 ms (RFC 8445 §14.2). */
  checkIntervalMs?: number;
  /**
   * Consent check interval; default 2500 ms. An unanswered check is
   * repeated after a fifth of it.
   */
  keepaliveMs?: number;
  /** No answer for this long → disconnected; default 5000 ms. */
  disconnectedMs?: number;
  /** No answer for this long → failed (also the overall check timeout); default 30 000 ms. */
  failedMs?: number;
  /** Timer source; default the shared scheduler. */
  scheduler?: Scheduler;
}

/** Per-agent counters. */
export interface IceStats {
  /** Binding requests sent. */
  requestsSent: number;
  /** Binding responses accepted. */
  responsesReceived: number;
  /** Binding requests from the peer answered. */
  requestsAnswered: number;
  /** STUN datagrams dropped as malformed or unauthenticated. */
  dropped: number;
}
