/** Test media made with ffmpeg (no binary fixtures), and ffprobe as an independent reference. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "../src/runtime/subprocess.ts";

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
  await run("ffmpeg", [
    "-nostdin",
    "-hide_banner",
    "-loglevel",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `sine=frequency=${frequency}:duration=${seconds}:sample_rate=48000`,
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
    path,
  ]);
  return new Uint8Array(readFileSync(path));
}

/** Writes `seconds` of test pattern as VP8-in-IVF with a keyframe every `gop` frames. */
export async function makeVp8Ivf(
  path: string,
  seconds: number,
  options: { size?: string; rate?: number; gop?: number } = {},
): Promise<Uint8Array> {
  await run("ffmpeg", [
    "-nostdin",
    "-hide_banner",
    "-loglevel",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `testsrc2=size=${options.size ?? "320x240"}:rate=${
      options.rate ?? 30
    }:duration=${seconds}`,
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
    path,
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
