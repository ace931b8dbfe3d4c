/**
 * Flights and their retransmission (RFC 6347 §4.2.4).
 *
 * A flight is the group of records one side sends before waiting for the
 * other. It is kept as plaintext so every retransmission takes fresh
 * record sequence numbers (RFC 6347 §4.2.4: a retransmitted record is a
 * new record), and packed into as few datagrams as the MTU allows.
 *
 * The timer starts at `initialTimeoutMs` (RFC 6347 §4.2.4.1 recommends
 * 1 s; callers that know the path RTT from ICE pass 2×RTT, clamped, as
 * libwebrtc does) and doubles up to `maxTimeoutMs` (60 s by default).
 *
 * @module
 */

import type { ScheduledTask, Scheduler } from "../runtime/scheduler.ts";
import { fragmentHandshake, HANDSHAKE_HEADER_LENGTH } from "./handshake.ts";
import { ContentType, RECORD_HEADER_LENGTH } from "./record.ts";
import type { Epoch, RecordLayer } from "./record_layer.ts";

/** Bytes AES-128-GCM adds to an epoch-1 record: explicit nonce and tag. */
const GCM_RECORD_OVERHEAD = 8 + 16;

/** At most one early resend per this many ms, against duplicated datagrams. */
const MIN_EARLY_RESEND_MS = 100;

/** One record of a flight, before sequencing and protection. */
export interface OutgoingRecord {
  /** Content type. */
  type: number;
  /** Epoch to send it in. */
  epoch: Epoch;
  /** The record's plaintext. */
  plaintext: Uint8Array;
}

/**
 * One handshake message as handshake records, fragmented so each record,
 * headers and (at any epoch, for simplicity) the GCM overhead included,
 * fits in `mtu` bytes.
 */
export function handshakeRecords(
  type: number,
  seq: number,
  body: Uint8Array,
  epoch: Epoch,
  mtu: number,
): OutgoingRecord[] {
  const max = mtu - RECORD_HEADER_LENGTH - HANDSHAKE_HEADER_LENGTH -
    GCM_RECORD_OVERHEAD;
  return fragmentHandshake(type, seq, body, max).map((plaintext) => ({
    type: ContentType.Handshake,
    epoch,
    plaintext,
  }));
}

/**
 * Concatenates records into datagrams of at most `mtu` bytes, in order; a
 * record larger than `mtu` goes alone.
 */
export function packDatagrams(
  records: readonly Uint8Array[],
  mtu: number,
): Uint8Array[] {
  const datagrams: Uint8Array[][] = [[]];
  let size = 0;
  for (const record of records) {
    if (size + record.length > mtu && size > 0) {
      datagrams.push([]);
      size = 0;
    }
    datagrams[datagrams.length - 1].push(record);
    size += record.length;
  }
  return datagrams.map((parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  });
}

/** Options for {@linkcode FlightSender}. */
export interface FlightSenderOptions {
  /** Sequences and protects records. */
  records: RecordLayer;
  /** Sends one datagram. */
  send: (datagram: Uint8Array) => void;
  /** Largest datagram. */
  mtu: number;
  /** First retransmission timeout. */
  initialTimeoutMs: number;
  /** Retransmission timeout cap. */
  maxTimeoutMs: number;
  /** Timer source. */
  scheduler: Scheduler;
  /** Called when the retransmission timer fires; decides whether to {@linkcode FlightSender.retransmit}. */
  onTimer: (now: number) => void;
}

/** Sends the current flight and owns its retransmission timer. */
export class FlightSender {
  readonly #o: FlightSenderOptions;
  readonly #timer: ScheduledTask;
  #flight: readonly OutgoingRecord[] = [];
  #timeoutMs: number;
  #lastSent = -Infinity;
  #transmissions = 0;

  /**
   * Creates a sender with an empty flight and no timer armed.
   *
   * @param options See {@linkcode FlightSenderOptions}.
   */
  constructor(options: FlightSenderOptions) {
    this.#o = options;
    this.#timeoutMs = options.initialTimeoutMs;
    this.#timer = options.scheduler.task((now) => options.onTimer(now));
  }

  /** Replaces the current flight, resets the timeout and sends it. */
  start(flight: readonly OutgoingRecord[]): void {
    this.#flight = flight;
    this.#timeoutMs = this.#o.initialTimeoutMs;
    this.#transmit();
  }

  /** Doubles the timeout (up to the cap) and sends the flight again. */
  retransmit(): void {
    this.#timeoutMs = Math.min(this.#timeoutMs * 2, this.#o.maxTimeoutMs);
    this.#transmit();
  }

  /**
   * The server resent its previous flight, so ours was lost: resend now,
   * but not more than once per 100 ms against duplicated datagrams.
   */
  resendSoon(): void {
    const now = this.#o.scheduler.clock.now();
    if (now - this.#lastSent < MIN_EARLY_RESEND_MS) return;
    this.#transmit();
  }

  /** Flights sent so far, first sends and resends alike (for diagnostics). */
  get transmissions(): number {
    return this.#transmissions;
  }

  /** Stops the timer and forgets the flight: the handshake is over. */
  finish(): void {
    this.#timer.cancel();
    this.#flight = [];
  }

  /** Stops the timer (the flight is answered, or the handshake is over). */
  stop(): void {
    this.#timer.cancel();
  }

  #transmit(): void {
    const sealed = this.#flight.map((r) =>
      this.#o.records.seal(r.type, r.epoch, r.plaintext)
    );
    for (const datagram of packDatagrams(sealed, this.#o.mtu)) {
      this.#o.send(datagram);
    }
    this.#transmissions++;
    this.#lastSent = this.#o.scheduler.clock.now();
    this.#timer.after(this.#timeoutMs);
  }
}
