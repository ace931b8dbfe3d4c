/**
 * A transport's connect progress in words, for the error a connect timeout
 * raises and for logs: which step (ICE checks, then each DTLS flight) it
 * waits on, and what was sent and answered. "Not connected within 30 s"
 * alone cannot tell a peer that never answered a check from one that
 * never answered a ClientHello or stopped mid-handshake.
 *
 * @module
 */

import type { IceState, IceStats } from "../ice/agent_types.ts";

/** What {@linkcode describeProgress} reads. */
export interface TransportProgress {
  /** ICE state. */
  ice: IceState;
  /** ICE counters. */
  iceStats: IceStats;
  /** Remote candidates being checked, peer-reflexive ones included. */
  candidates: number;
  /** The selected pair, once ICE connected. */
  pair?: { address: string; port: number; rttMs: number };
  /** The DTLS client, once started. */
  dtls?: {
    state: string;
    /** The server message awaited. */
    step: string;
    /** Flights sent, first sends and resends alike. */
    flightsSent: number;
    /** DTLS datagrams received from the selected pair. */
    received: number;
  };
}

/**
 * One line: the ICE part, then the DTLS part once a pair is selected.
 *
 * @example
 * ```ts
 * import { describeProgress } from "./progress.ts";
 *
 * const line = describeProgress({
 *   ice: "checking",
 *   iceStats: {
 *     requestsSent: 40,
 *     responsesReceived: 0,
 *     requestsAnswered: 0,
 *     dropped: 0,
 *   },
 *   candidates: 1,
 * });
 * console.assert(line.startsWith("ICE checking 1 candidate: 40 checks sent"));
 * ```
 */
export function describeProgress(p: TransportProgress): string {
  const s = p.iceStats;
  const checks =
    `${s.requestsSent} checks sent, ${s.responsesReceived} answered, ${s.requestsAnswered} peer checks answered, ${s.dropped} STUN dropped`;
  if (!p.pair) {
    const n = p.candidates;
    return `ICE ${p.ice} ${n} candidate${n === 1 ? "" : "s"}: ${checks}`;
  }
  const { address, port, rttMs } = p.pair;
  const ice = `ICE ${p.ice} via ${address}:${port} (rtt ${
    Math.round(rttMs)
  } ms; ${checks})`;
  const d = p.dtls;
  if (!d) return `${ice}; DTLS not started`;
  if (d.state !== "handshaking") return `${ice}; DTLS ${d.state}`;
  return `${ice}; DTLS awaiting the server's ${d.step}: ${d.flightsSent} flights sent, ${d.received} datagrams received`;
}
