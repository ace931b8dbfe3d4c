/**
 * Opus RTP packetization (RFC 7587): one Opus packet per RTP packet, a
 * 48 kHz clock whatever the encoder's internal rate, and the RFC 6464
 * audio level on every packet — Telegram clients draw the speaking ring
 * only from that extension.
 *
 * Timestamps come from the source's own clock (OGG granule positions), so
 * a frame dropped or skipped upstream leaves a gap instead of shifting
 * everything after it. Across source switches, pauses and seeks the RTP
 * timestamp and sequence spaces continue: a new source's first frame is
 * placed one frame after the last one sent, never behind it — plus
 * {@linkcode OpusPacketizer.runGap} samples when the caller says time
 * passed in between (nothing was sent for a while).
 *
 * @module
 */

import { type ExtensionElement, writeRtpHeaderWith } from "./packet.ts";

const NO_EXTENSIONS: readonly ExtensionElement[] = [];

/** Options for {@linkcode OpusPacketizer}. */
export interface OpusPacketizerOptions {
  /** Audio SSRC (the join `ssrc`). */
  ssrc: number;
  /** Payload type; default 111, which Telegram clients require. */
  payloadType?: number;
  /** First sequence number; default random. */
  initialSequence?: number;
  /** First RTP timestamp; default random. */
  initialTimestamp?: number;
}

/** Packetizes Opus frames into caller-provided buffers. */
export class OpusPacketizer {
  /** The SSRC. */
  readonly ssrc: number;
  readonly #pt: number;
  #seq: number;
  /** RTP timestamp that source time 0 of the current source maps to. */
  #base: number;
  /** Source timestamp of the current source's first frame, or NaN before it. */
  #sourceStart = NaN;
  #lastSource = NaN;
  #lastTimestamp: number;
  #lastDuration = 960;
  #newSource = true;
  /**
   * Samples left out between the last frame sent and the first frame of
   * the next run, should the next write start one (a new source, or a
   * source clock that stepped back): the wall time that passed with
   * nothing sent, so RTP time keeps pace with it (RFC 3550 §5.1: the
   * timestamp follows the sampling instant). Ignored within a run.
   */
  runGap = 0;
  /** RTP ticks since {@linkcode mark}, kept a small integer (a Smi). */
  #ticks = 0;
  /** Ticks folded out of `#ticks` so it stays small (~1.5 h each). */
  #carried = 0;

  /**
   * Whether a frame at `sourceTimestamp` starts a new run: the first after
   * {@linkcode beginSource}, or a source clock that stalls or goes
   * backwards (which would move RTP time backwards, so it is treated as a
   * new source).
   */
  startsRun(sourceTimestamp: number): boolean {
    return this.#newSource || !(sourceTimestamp > this.#lastSource);
  }

  /**
   * RTP ticks from the last packet at the previous mark to the last packet
   * now, and sets a new mark there: how a caller follows RTP time without
   * reading a 32-bit timestamp (boxed when the read is not optimised) per
   * packet.
   */
  mark(): number {
    const ticks = this.#carried + this.#ticks;
    this.#carried = this.#ticks = 0;
    return ticks;
  }

  /** Duration of the last packet written, in samples. */
  get lastDurationSamples(): number {
    return this.#lastDuration;
  }

  /** @param options See {@linkcode OpusPacketizerOptions}. */
  constructor(options: OpusPacketizerOptions) {
    this.ssrc = options.ssrc >>> 0;
    this.#pt = options.payloadType ?? 111;
    const random = crypto.getRandomValues(new Uint32Array(2));
    this.#seq = (options.initialSequence ?? random[0]) & 0xffff;
    this.#base = (options.initialTimestamp ?? random[1]) | 0;
    // So that the first frame of the first source lands exactly on #base.
    this.#lastTimestamp = (this.#base - this.#lastDuration) | 0;
  }

  /** The sequence number the next packet will get. */
  get nextSequence(): number {
    return this.#seq;
  }

  /** The RTP timestamp of the last packet written. */
  get lastTimestamp(): number {
    return this.#lastTimestamp >>> 0;
  }

  /**
   * {@linkcode lastTimestamp} as a signed 32-bit number (the same bits).
   * Timestamps are kept signed because V8 boxes a number above 2^31 that
   * is stored in a field or passed to a call it does not inline: one
   * allocation per packet otherwise.
   */
  get lastTimestampBits(): number {
    return this.#lastTimestamp;
  }

  /**
   * Starts a new source (file, seek target, resumed stream): its first
   * frame follows the last frame sent, whatever its own timestamps are.
   */
  beginSource(): void {
    this.#newSource = true;
  }

  /**
   * Writes one RTP packet for the Opus frame `frame` whose source timestamp
   * (48 kHz) is `sourceTimestamp` and duration `durationSamples`. Returns the
   * packet length. The marker bit flags the first packet of each source (a
   * talkspurt start, RFC 3551 §4.1).
   */
  write(
    buf: Uint8Array,
    frame: Uint8Array,
    sourceTimestamp: number,
    durationSamples: number,
    extensions: readonly ExtensionElement[] = NO_EXTENSIONS,
    extensionCount = extensions.length,
  ): number {
    const first = this.#newSource;
    if (this.startsRun(sourceTimestamp)) {
      this.#newSource = false;
      this.#sourceStart = sourceTimestamp;
      this.#base = (this.#lastTimestamp + this.#lastDuration + this.runGap) |
        0;
    }
    const timestamp = (this.#base + (sourceTimestamp - this.#sourceStart)) | 0;
    const at = writeRtpHeaderWith(
      buf,
      this.#pt,
      first,
      this.#seq,
      timestamp,
      this.ssrc,
      extensions,
      extensionCount,
    );
    this.#seq = (this.#seq + 1) & 0xffff;
    buf.set(frame, at);
    this.#ticks += (timestamp - this.#lastTimestamp) | 0;
    if (this.#ticks > 0x10000000) {
      this.#carried += this.#ticks;
      this.#ticks = 0;
    }
    this.#lastTimestamp = timestamp;
    this.#lastSource = sourceTimestamp;
    this.#lastDuration = durationSamples;
    return at + frame.length;
  }
}
