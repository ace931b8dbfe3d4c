/**
 * Audio level and voice activity for the RFC 6464 header extension.
 *
 * Telegram clients draw a participant's speaking ring only from the level
 * byte on each audio packet (tgcalls `readHeaderVoiceActivity`: level
 * 1 − L/127, voice bit 0x80). The level is the RMS of the frame in dBov
 * (0 = full scale, −127 = silence, RFC 6464 §3); the V bit is a simple
 * threshold detector with a hangover, so the ring neither flickers within
 * a phrase nor stays lit through silence.
 *
 * @module
 */

/** dBov of the RMS of 16-bit PCM samples (interleaved channels are fine). */
export function levelDbov(
  samples: Int16Array,
  start = 0,
  end = samples.length,
): number {
  if (end <= start) return -127;
  let sum = 0;
  for (let i = start; i < end; i++) sum += samples[i] * samples[i];
  const rms = Math.sqrt(sum / (end - start)) / 32768;
  return rms > 0 ? Math.max(-127, 20 * Math.log10(rms)) : -127;
}

/** Options for {@linkcode VoiceActivity}. */
export interface VoiceActivityOptions {
  /** Level above which a frame counts as voice; default −50 dBov. */
  thresholdDbov?: number;
  /** How long V stays set after the last loud frame; default 300 ms. */
  hangoverMs?: number;
}

/** A threshold voice-activity detector with hangover. */
export class VoiceActivity {
  readonly #threshold: number;
  readonly #hangover: number;
  #quietFor = Infinity;

  /** @param options See {@linkcode VoiceActivityOptions}. */
  constructor(options: VoiceActivityOptions = {}) {
    this.#threshold = options.thresholdDbov ?? -50;
    this.#hangover = options.hangoverMs ?? 300;
  }

  /** Feeds one frame's level and duration; returns the V bit for it. */
  update(levelDbov: number, frameMs: number): boolean {
    if (levelDbov > this.#threshold) this.#quietFor = 0;
    else this.#quietFor += frameMs;
    return this.#quietFor <= this.#hangover;
  }
}
