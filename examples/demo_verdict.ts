/**
 * The demo's judge: what the local group-call server received from one
 * participant — its packet counters, the level it measured (RFC 6464) and
 * its recording decoded by ffmpeg — against what was played.
 *
 * @module
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type AudioStats,
  countDecodedFrames,
  decodePcm,
  type Recording,
  windowLevels,
  zeroCrossingHz,
} from "../testing.ts";

/** The loudest the server measured while playing. */
export interface Peaks {
  /** Highest audio level seen, dBov. */
  level: number;
  /** Whether the voice-activity bit was ever set. */
  speaking: boolean;
}

/** What was played and what the server got. */
export interface Evidence {
  /** The server's audio counters for our source. */
  audio: AudioStats;
  /** The server's recording of our source. */
  recording: Recording;
  /** Level peaks sampled from the server while playing. */
  peaks: Peaks;
  /** Where to write the recording for ffmpeg. */
  dir: string;
  /** Seconds played. */
  elapsed: number;
  /** The generated tone's frequency and length, when it was played. */
  tone?: { hz: number; seconds: number };
  /** Whether video was played. */
  video: boolean;
}

/** A pass with its summary, or a failure with its reason. */
export interface Judgement {
  /** Whether every check held. */
  pass: boolean;
  /** The summary (pass) or the reason (fail). */
  text: string;
}

const failed = (text: string): Judgement => ({ pass: false, text });

/** Judges the evidence; audible means a 20 ms window above −40 dBFS. */
export async function judgeRecording(e: Evidence): Promise<Judgement> {
  const { audio, elapsed } = e;
  const expected = Math.floor(elapsed * 50);
  if (audio.packets < expected * 0.9) {
    return failed(
      `the server received ${audio.packets} audio packets, expected ~${expected}`,
    );
  }
  if (audio.lossRate > 0.05) {
    return failed(`the server lost ${audio.lost} of the audio packets`);
  }
  if (!e.recording.ogg) return failed("the server recorded no audio");
  const oggPath = join(e.dir, "received.ogg");
  writeFileSync(oggPath, e.recording.ogg);
  const pcm = await decodePcm(oggPath);
  const decodedS = pcm.length / 48000;
  if (decodedS < elapsed - Math.max(0.5, elapsed * 0.1)) {
    return failed(
      `decoded ${decodedS.toFixed(2)} s of audio, played ${
        elapsed.toFixed(2)
      } s`,
    );
  }
  // The frequency is read inside the sound: a window at its edge holds
  // part silence, which would pull the zero-crossing count down.
  const audible = windowLevels(pcm).map((level) => level > -40);
  let loud = 0, inner = 0, hzSum = 0;
  audible.forEach((on, w) => {
    if (!on) return;
    loud++;
    if (!audible[w - 1] || !audible[w + 1]) return;
    inner++;
    hzSum += zeroCrossingHz(pcm.subarray(w * 960, (w + 1) * 960));
  });
  const loudS = loud * 0.02;
  const played = e.tone ? Math.min(elapsed, e.tone.seconds) : elapsed;
  let text =
    `server received ${audio.packets} audio packets (${audio.lost} lost), ` +
    `its recording decoded by ffmpeg: ${decodedS.toFixed(2)} s (${
      loudS.toFixed(2)
    } s audible)`;
  if (e.tone) {
    const hz = inner ? hzSum / inner : 0;
    if (loudS < played * 0.8) {
      return failed(
        `only ${loudS.toFixed(2)} s of ${played.toFixed(2)} s audible`,
      );
    }
    if (loudS > e.tone.seconds + 0.3) {
      return failed(
        `${loudS.toFixed(2)} s of tone recorded, only ${e.tone.seconds} s sent`,
      );
    }
    if (Math.abs(hz - e.tone.hz) > 5) {
      return failed(
        `tone decoded at ${hz.toFixed(1)} Hz, sent ${e.tone.hz} Hz`,
      );
    }
    if (!e.peaks.speaking || e.peaks.level <= -40) {
      return failed(
        `the server never measured speech (peak ${e.peaks.level} dBov)`,
      );
    }
    text += `, tone ${hz.toFixed(1)} Hz (sent ${e.tone.hz})`;
  } else if (loud === 0) {
    return failed("the received audio is silent");
  }
  text += `, server-measured level peak ${e.peaks.level} dBov${
    e.peaks.speaking ? " (speaking)" : ""
  }`;
  if (e.video) {
    const ivf = e.recording.ivf;
    let decoded = 0;
    if (ivf) {
      const ivfPath = join(e.dir, "received.ivf");
      writeFileSync(ivfPath, ivf);
      decoded = await countDecodedFrames(ivfPath);
    }
    if (decoded < played * 30 * 0.8) {
      return failed(`only ${decoded} video frames decoded`);
    }
    text += `, ${decoded} VP8 frames decoded`;
  }
  return { pass: true, text };
}
