/**
 * VP8 packets waiting to leave. A keyframe can be a hundred packets; sent
 * as one burst it overflows router and SFU queues and the tail is lost, so
 * each frame's packets are spread over half the frame interval instead.
 *
 * Packets are written straight into a ring of preallocated slots, in send
 * order, and sent from there by one scheduler task: nothing is allocated
 * per packet. Each packet sent is remembered for RTX (RFC 4588).
 *
 * @module
 */

import type { Clock } from "../runtime/clock.ts";
import type { ScheduledTask, Scheduler } from "../runtime/scheduler.ts";
import type { ExtensionElement } from "../rtp/packet.ts";
import type { RtxHistory } from "../rtp/rtx_history.ts";
import {
  extensionBlockBytes,
  type Vp8Packetizer,
} from "../rtp/vp8_packetizer.ts";
import type { OutgoingStream } from "./outgoing_stream.ts";
import type { RtpSink } from "./rtp_sink.ts";

/** Largest packet, with room for the SRTP tag: each slot's length. */
export const VIDEO_SLOT_BYTES = 1500 + 64;
/** Ring size: about five keyframes' worth. */
const SLOTS = 512;
/** Most packets one frame may need. */
const MAX_FRAME_PACKETS = 64;

/** Options for {@linkcode VideoSendQueue}. */
export interface VideoSendQueueOptions {
  /** Where packets go. */
  sink: RtpSink;
  /** Timer source; its clock sets due times. */
  scheduler: Scheduler;
  /** Packetizes frames into the ring. */
  vp8: Vp8Packetizer;
  /** Counts the packets sent. */
  stream: OutgoingStream;
  /** Remembers each packet sent. */
  rtx: RtxHistory;
}

/** A paced ring of outgoing video packets. */
export class VideoSendQueue {
  readonly #o: VideoSendQueueOptions;
  readonly #clock: Clock;
  readonly #task: ScheduledTask;
  readonly #slots: Uint8Array[] = [];
  // The queue is the run of ring slots from #head, #queued long, in send
  // order; each slot's length and due time live in typed arrays.
  readonly #slotLength = new Int32Array(SLOTS);
  readonly #slotDue = new Float64Array(SLOTS);
  readonly #frameLengths = new Int32Array(MAX_FRAME_PACKETS);
  readonly #frameSlots: Uint8Array[] = [];
  #head = 0;
  #queued = 0;

  /** @param options See {@linkcode VideoSendQueueOptions}. */
  constructor(options: VideoSendQueueOptions) {
    this.#o = options;
    this.#clock = options.scheduler.clock;
    for (let i = 0; i < SLOTS; i++) {
      this.#slots.push(new Uint8Array(VIDEO_SLOT_BYTES));
    }
    this.#task = options.scheduler.task((t) => this.#drain(t));
  }

  /**
   * Packetizes `frame` with the first `extCount` of `ext` on every packet,
   * queues its packets spread over half of `frameIntervalMs`, and sends
   * those already due. Returns false, queueing nothing, when the ring has
   * no room (the pacer is more than a ring behind) or the frame is absurd.
   */
  push(
    frame: Uint8Array,
    timestamp90k: number,
    ext: readonly ExtensionElement[],
    extCount: number,
    frameIntervalMs: number,
  ): boolean {
    const vp8 = this.#o.vp8;
    const packets = vp8.packetCount(
      frame.length,
      extensionBlockBytes(ext, extCount),
    );
    if (
      packets > this.#frameLengths.length || this.#queued + packets > SLOTS
    ) {
      return false;
    }
    const start = (this.#head + this.#queued) % SLOTS;
    const out = this.#frameSlots;
    out.length = packets;
    for (let i = 0; i < packets; i++) out[i] = this.#slots[(start + i) % SLOTS];
    const n = vp8.packetize(
      frame,
      timestamp90k,
      out,
      this.#frameLengths,
      ext,
      extCount,
    );
    const now = this.#clock.now();
    const spread = Math.max(0, frameIntervalMs) / 2;
    for (let i = 0; i < n; i++) {
      const slot = (start + i) % SLOTS;
      this.#slotLength[slot] = this.#frameLengths[i];
      this.#slotDue[slot] = now + (spread * i) / n;
    }
    this.#queued += n;
    this.#drain(now);
    return true;
  }

  /** Drops every queued packet and stops the pacer. */
  clear(): void {
    this.#queued = 0;
    this.#task.cancel();
  }

  #drain(now: number): void {
    while (this.#queued > 0 && this.#slotDue[this.#head] <= now + 0.5) {
      const slot = this.#head;
      const buf = this.#slots[slot];
      const length = this.#slotLength[slot];
      this.#o.rtx.store(buf, length, now);
      this.#o.stream.packets++;
      this.#o.sink.sendRtp(buf, length);
      this.#head = (slot + 1) % SLOTS;
      this.#queued--;
    }
    if (this.#queued > 0) this.#task.at(this.#slotDue[this.#head]);
    else this.#task.cancel();
  }
}
