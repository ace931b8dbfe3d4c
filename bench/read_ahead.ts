/**
 * How much media one ffmpeg leg holds ahead of playback (issue #14): a
 * lavfi source that ffmpeg encodes faster than real time feeds a leg whose
 * consumer plays it at real time and, like `Playback`, asks the leg to stop
 * reading above 1 s queued. After 4 s ffmpeg is stopped (SIGSTOP) and the
 * leg is read without back-pressure for 700 ms: every frame that still
 * arrives was sitting in the pipe and the runtime's stream buffers. Then
 * ffmpeg is SIGKILLed and the time until the leg reports the crash is
 * taken. Prints one JSON line per leg kind.
 *
 * Run: `deno run -A bench/read_ahead.ts`, `bun bench/read_ahead.ts`, or
 * `node .build/bench/read_ahead.js` after `npx tsc -p tsconfig.json`.
 *
 * @module
 */
import process from "node:process";
import type { StreamType } from "../src/media/kind.ts";
import { legArgs } from "../src/source/ffmpeg_args.ts";
import { FfmpegLeg } from "../src/source/ffmpeg_leg.ts";
import type { MediaInput } from "../src/source/sources.ts";
import { resolveEncodeOptions, Track } from "../src/source/track.ts";

const input = (kind: StreamType): MediaInput => ({
  type: "media",
  input: kind === "audio"
    ? "sine=frequency=440:duration=600"
    : "testsrc2=size=640x360:rate=30:duration=600",
  inputFlags: ["-f", "lavfi"],
  encode: resolveEncodeOptions({
    tracks: kind === "audio" ? Track.Audio : Track.Video,
    videoWidth: 640,
    videoHeight: 360,
  }),
});

async function measure(kind: StreamType) {
  const high = kind === "audio" ? 50 : 30, low = high / 2;
  const frameMs = kind === "audio" ? 20 : 1000 / 30;
  const queue: { data: Uint8Array }[] = [];
  let delivered = 0, afterStop = 0, bytesAfterStop = 0, stopped = false;
  let waiting = false;
  const leg: FfmpegLeg = await FfmpegLeg.start({
    ffmpegPath: "ffmpeg",
    args: legArgs(input(kind), kind, 0),
    kind,
    onFrames: (frames) => {
      delivered += frames.length;
      if (stopped) {
        afterStop += frames.length;
        for (const f of frames) bytesAfterStop += f.data.length;
        return false;
      }
      queue.push(...frames);
      waiting = queue.length >= high;
      return waiting;
    },
  });
  const started = performance.now();
  let played = 0;
  const tick = setInterval(() => {
    const due = Math.floor((performance.now() - started) / frameMs);
    while (played < due && queue.length > 0) {
      queue.shift();
      played++;
    }
    if (waiting && queue.length <= low) {
      waiting = false;
      leg.resumeReading();
    }
  }, 10);
  await new Promise((r) => setTimeout(r, 4000));
  const queuedAtStop = queue.length;
  process.kill(leg.pid, "SIGSTOP");
  stopped = true;
  clearInterval(tick);
  leg.resumeReading();
  await new Promise((r) => setTimeout(r, 700));
  process.kill(leg.pid, "SIGCONT");
  const killedAt = performance.now();
  process.kill(leg.pid, "SIGKILL");
  const end = await leg.ended;
  const endMs = performance.now() - killedAt;
  return {
    runtime: "Bun" in globalThis
      ? "bun"
      : "Deno" in globalThis
      ? "deno"
      : "node",
    kind,
    queuedSec: +(queuedAtStop * frameMs / 1000).toFixed(2),
    inPipeSec: +(afterStop * frameMs / 1000).toFixed(2),
    inPipeBytes: bytesAfterStop,
    killToEndMs: Math.round(endMs),
    error: end.error?.name,
    delivered,
  };
}

for (const kind of ["audio", "video"] as const) {
  console.log(JSON.stringify(await measure(kind)));
}
