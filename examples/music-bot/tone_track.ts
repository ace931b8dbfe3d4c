/**
 * Tones to play and a way to hear them back, for running the music bot
 * without Telegram: `offline.ts` and `tests/examples/music_bot_test.ts`
 * play tone files through the local group-call server, then read which
 * tones the server's recording holds, in order, and for how long — so a
 * seek, a skip and a queue that advanced on its own can be told apart.
 *
 * @module
 */

import { join } from "node:path";
import { decodePcm, run, windowLevels, zeroCrossingHz } from "../../testing.ts";

/** One tone of a track: its pitch and length. */
export interface ToneSpec {
  /** Frequency, Hz. */
  hz: number;
  /** Length, s. */
  seconds: number;
}

/** A stretch of one tone in a recording. */
export interface HeardTone {
  /** Which of the expected frequencies it is. */
  hz: number;
  /** How long it lasted, s (a multiple of 0.1). */
  seconds: number;
}

/** Measured in 100 ms windows: 5 Hz of zero-crossing resolution. */
const WINDOW = 4800;

/**
 * Writes a WAV file of `tones` played one after the other into `dir`
 * and returns its path.
 */
export async function writeToneTrack(
  dir: string,
  name: string,
  tones: readonly ToneSpec[],
): Promise<string> {
  const path = join(dir, name);
  const inputs = tones.flatMap((t) => [
    "-f",
    "lavfi",
    "-i",
    `sine=frequency=${t.hz}:duration=${t.seconds}:sample_rate=48000`,
  ]);
  const concat = `${
    tones.map((_, i) => `[${i}:a]`).join("")
  }concat=n=${tones.length}:v=0:a=1[out]`;
  await run("ffmpeg", [
    "-nostdin",
    "-v",
    "error",
    ...inputs,
    "-filter_complex",
    concat,
    "-map",
    "[out]",
    "-c:a",
    "pcm_s16le",
    "-y",
    path,
  ]);
  return path;
}

/**
 * Which of `expected` tones an Ogg Opus recording holds, in order: every
 * audible 100 ms window (above −40 dBFS) is matched to the nearest
 * expected frequency within 15 Hz; runs of one tone shorter than
 * `minSeconds` (a window straddling two tones) are dropped.
 */
export async function hearTones(
  oggPath: string,
  expected: readonly number[],
  minSeconds = 0.3,
): Promise<HeardTone[]> {
  const pcm = await decodePcm(oggPath);
  const runs: HeardTone[] = [];
  windowLevels(pcm, WINDOW).forEach((level, w) => {
    let hz = 0;
    if (level > -40) {
      const measured = zeroCrossingHz(
        pcm.subarray(w * WINDOW, (w + 1) * WINDOW),
      );
      const nearest = expected.reduce((a, b) =>
        Math.abs(b - measured) < Math.abs(a - measured) ? b : a
      );
      if (Math.abs(nearest - measured) <= 15) hz = nearest;
    }
    const last = runs.at(-1);
    if (last?.hz === hz) last.seconds += 0.1;
    else runs.push({ hz, seconds: 0.1 });
  });
  const heard: HeardTone[] = [];
  for (const r of runs) {
    if (r.hz === 0 || r.seconds < minSeconds - 1e-9) continue;
    const last = heard.at(-1);
    if (last?.hz === r.hz) last.seconds += r.seconds;
    else heard.push({ hz: r.hz, seconds: r.seconds });
  }
  return heard.map((t) => ({
    hz: t.hz,
    seconds: Math.round(t.seconds * 10) / 10,
  }));
}
