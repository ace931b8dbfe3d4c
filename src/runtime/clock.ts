/**
 * The monotonic clock every timing decision in tgcall is made from.
 *
 * One clock for audio, video, RTCP and ICE keeps their timestamps
 * comparable: RTCP Sender Reports map this clock to NTP time (RFC 3550
 * §6.4.1), which is what receivers use for lip sync.
 *
 * @module
 */

/** A source of monotonic time in fractional milliseconds. */
export interface Clock {
  /** Milliseconds since an arbitrary origin; never decreases. */
  now(): number;
}

/** `performance.now()`: monotonic, sub-millisecond, in all three runtimes. */
export const monotonicClock: Clock = {
  now: () => performance.now(),
};

/**
 * Converts a reading of {@linkcode monotonicClock} to Unix wall-clock
 * milliseconds. `performance.timeOrigin` is fixed at process start, so the
 * mapping cannot jump when the system clock is stepped.
 */
export function monotonicToUnixMs(monotonicMs: number): number {
  return performance.timeOrigin + monotonicMs;
}
