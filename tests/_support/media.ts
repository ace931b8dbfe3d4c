/** Test media made with ffmpeg (no binary fixtures), and ffprobe as an independent reference. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { run } from "../../src/testing/ffmpeg_tools.ts";

export {
  countDecodedFrames,
  decodePcm,
  decodeStrict,
  probeDuration,
  run,
  windowLevels,
  zeroCrossingHz,
} from "../../src/testing/ffmpeg_tools.ts";

/** Renders lavfi `sources` to `path` with ffmpeg, `output` flags before it. */
export async function renderLavfi(
  path: string,
  sources: string[],
  output: string[],
): Promise<void> {
  await run("ffmpeg", [
    "-nostdin",
    "-hide_banner",
    "-loglevel",
    "error",
    "-y",
    ...sources.flatMap((source) => ["-f", "lavfi", "-i", source]),
    ...output,
    path,
  ]);
}

/** A temp dir removed by `cleanup`. */
export function tempDir(): {
  dir: string;
  path(name: string): string;
  cleanup(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), "tgcall-media-"));
  return {
    dir,
    path: (name) => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Writes `seconds` of a sine tone as Opus-in-Ogg with 20 ms pages (as tgcall's sources do). */
export async function makeOpusOgg(
  path: string,
  seconds: number,
  frequency = 440,
): Promise<Uint8Array> {
  await renderLavfi(path, [
    `sine=frequency=${frequency}:duration=${seconds}:sample_rate=48000`,
  ], [
    "-ac",
    "2",
    "-c:a",
    "libopus",
    "-b:a",
    "64k",
    "-frame_duration",
    "20",
    "-page_duration",
    "20000",
    "-f",
    "ogg",
  ]);
  return new Uint8Array(readFileSync(path));
}

/** Writes `seconds` of test pattern as VP8-in-IVF with a keyframe every `gop` frames. */
export async function makeVp8Ivf(
  path: string,
  seconds: number,
  options: { size?: string; rate?: number; gop?: number } = {},
): Promise<Uint8Array> {
  await renderLavfi(path, [
    `testsrc2=size=${options.size ?? "320x240"}:rate=${
      options.rate ?? 30
    }:duration=${seconds}`,
  ], [
    "-c:v",
    "libvpx",
    "-deadline",
    "realtime",
    "-b:v",
    "500k",
    "-g",
    String(options.gop ?? 30),
    "-f",
    "ivf",
  ]);
  return new Uint8Array(readFileSync(path));
}

/** ffprobe's view of a file's packets: size and pts in the stream timebase, plus the timebase. */
export async function probePackets(
  path: string,
): Promise<{ size: number; pts: number; key: boolean }[]> {
  const out = await run("ffprobe", [
    "-v",
    "error",
    "-select_streams",
    "0",
    "-show_entries",
    "packet=size,pts,flags",
    "-of",
    "csv=p=0",
    path,
  ]);
  return out.trim().split("\n").filter(Boolean).map((line) => {
    const [pts, size, flags] = line.split(",");
    return {
      pts: Number(pts),
      size: Number(size),
      key: (flags ?? "").includes("K"),
    };
  });
}

/** Feeds `data` to `push` in chunks of pseudo-random sizes (including 1 byte). */
export function inChunks<T>(
  data: Uint8Array,
  push: (chunk: Uint8Array) => T[],
  seed = 1,
): T[] {
  const out: T[] = [];
  let s = seed;
  for (let at = 0; at < data.length;) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (s % 700);
    out.push(...push(data.subarray(at, at + n)));
    at += n;
  }
  return out;
}

/** Whether a process id is still alive (signal 0 probes without killing). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes a `seconds`-long stereo WAV whose 440 Hz tone grows linearly from
 * silence to 0.9 of full scale, so the level of any 20 ms frame tells the
 * media time it came from ({@linkcode rampTimeFromLevel}).
 */
export async function makeRampWav(
  path: string,
  seconds: number,
): Promise<void> {
  await renderLavfi(path, [
    `aevalsrc=0.9*t/${seconds}*sin(2*PI*440*t):s=48000:d=${seconds}`,
  ], ["-ac", "2"]);
}

/**
 * Media time (s) of a ramp frame from its RMS level in dBov: mono → stereo
 * halves the power per channel and a sine's RMS is its peak / √2, so
 * level = 20·log10(0.9·t/seconds / 2).
 */
export function rampTimeFromLevel(levelDbov: number, seconds: number): number {
  return (Math.pow(10, levelDbov / 20) * 2 * seconds) / 0.9;
}

/** Writes an A/V file: sine audio (AAC) and testsrc2 video (H.264). */
export async function makeAvFile(
  path: string,
  seconds: number,
  options: { size?: string; frequency?: number } = {},
): Promise<void> {
  await renderLavfi(path, [
    `sine=frequency=${
      options.frequency ?? 440
    }:duration=${seconds}:sample_rate=48000`,
    `testsrc2=size=${options.size ?? "320x240"}:rate=30:duration=${seconds}`,
  ], [
    "-c:a",
    "aac",
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-pix_fmt",
    "yuv420p",
    "-shortest",
  ]);
}

/** Writes a `seconds`-long sine tone at `hz` as a 48 kHz stereo WAV. */
export async function makeToneWav(
  path: string,
  seconds: number,
  hz = 440,
): Promise<void> {
  await renderLavfi(path, [
    `sine=frequency=${hz}:duration=${seconds}:sample_rate=48000`,
  ], ["-ac", "2"]);
}
