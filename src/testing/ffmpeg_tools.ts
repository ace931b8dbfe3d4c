/**
 * ffmpeg and ffprobe as independent judges, for tests and the demo: run a
 * command, decode audio to PCM, count decodable frames, read a duration,
 * and measure decoded audio (20 ms levels, tone frequency).
 *
 * @module
 */

import { spawn } from "../runtime/subprocess.ts";

/** Runs a command to completion; throws with its stderr on failure; returns stdout. */
export async function run(cmd: string, args: string[]): Promise<string> {
  const child = await spawn(cmd, { args });
  const out = await new Response(child.stdout).text();
  const status = await child.exited;
  if (status.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${child.stderrTail()}`);
  }
  return out;
}

/**
 * Decodes any audio file to 48 kHz mono s16 PCM; `-xerror` makes any
 * decode error fatal, so a corrupt stream is an exception, not silence.
 */
export async function decodePcm(path: string): Promise<Int16Array> {
  const child = await spawn("ffmpeg", {
    args: [
      "-nostdin",
      "-v",
      "error",
      "-xerror",
      "-i",
      path,
      "-f",
      "s16le",
      "-ac",
      "1",
      "-ar",
      "48000",
      "pipe:1",
    ],
  });
  const bytes = new Uint8Array(await new Response(child.stdout).arrayBuffer());
  const status = await child.exited;
  if (status.code !== 0) {
    throw new Error(`ffmpeg could not decode: ${child.stderrTail().trim()}`);
  }
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1);
}

/** Frames ffprobe decodes from one stream (default the first video stream). */
export async function countDecodedFrames(
  path: string,
  stream = "v:0",
): Promise<number> {
  return Number(
    (await run("ffprobe", [
      "-v",
      "error",
      "-count_frames",
      "-select_streams",
      stream,
      "-show_entries",
      "stream=nb_read_frames",
      "-of",
      "csv=p=0",
      path,
    ])).trim(),
  );
}

/** A container's duration in seconds, as ffprobe reports it. */
export async function probeDuration(path: string): Promise<number> {
  return Number(
    (await run("ffprobe", [
      "-v",
      "error",
      "-show_entries",
      "format=duration",
      "-of",
      "csv=p=0",
      path,
    ])).trim(),
  );
}

/** RMS level (dBFS) of each 20 ms window of 48 kHz PCM. */
export function windowLevels(pcm: Int16Array, windowSamples = 960): number[] {
  const out: number[] = [];
  for (let at = 0; at + windowSamples <= pcm.length; at += windowSamples) {
    let sum = 0;
    for (let i = at; i < at + windowSamples; i++) sum += pcm[i] * pcm[i];
    const rms = Math.sqrt(sum / windowSamples) / 32768;
    out.push(rms > 0 ? 20 * Math.log10(rms) : -127);
  }
  return out;
}

/** Dominant frequency of a stretch of 48 kHz PCM, from its zero crossings. */
export function zeroCrossingHz(pcm: Int16Array): number {
  let crossings = 0;
  for (let i = 1; i < pcm.length; i++) {
    if ((pcm[i - 1] < 0) !== (pcm[i] < 0)) crossings++;
  }
  return (crossings / 2) / (pcm.length / 48000);
}

/** Decodes every stream of a file with `-xerror`; throws on the first error. */
export async function decodeStrict(path: string): Promise<void> {
  await run("ffmpeg", [
    "-nostdin",
    "-v",
    "error",
    "-xerror",
    "-i",
    path,
    "-f",
    "null",
    "-",
  ]);
}
