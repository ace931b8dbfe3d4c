/**
 * How long this machine's ffmpeg takes from spawn to the first VP8 frame
 * of a file's video leg started mid-file: the floor under any keyframe a
 * restarted leg can deliver. Keyframe-latency tests scale their bounds by
 * it, so a machine (or a moment) where ffmpeg itself starts slowly does
 * not fail them, while a fast one holds them to the goal.
 */
import { FfmpegLeg } from "../../src/source/ffmpeg_leg.ts";
import { fromFile } from "../../src/source/file_source.ts";
import { sourceRecipe } from "../../src/source/sources.ts";
import { Track } from "../../src/source/track.ts";

/** The slowest of `runs` start-ups of the video leg of `path` at `offsetMs`, ms. */
export async function videoLegStartupMs(
  path: string,
  size: { width: number; height: number },
  offsetMs: number,
  runs = 3,
): Promise<number> {
  const source = sourceRecipe(
    fromFile(path, {
      tracks: Track.Video,
      videoWidth: size.width,
      videoHeight: size.height,
    }),
  );
  let slowest = 0;
  for (let i = 0; i < runs; i++) {
    const spec = source.legs(offsetMs + 1000 * i).find((l) =>
      l.kind === "video"
    )!;
    const started = performance.now();
    let first = NaN;
    const leg = await FfmpegLeg.start({
      ffmpegPath: "ffmpeg",
      args: spec.args,
      kind: "video",
      onFrames: () => {
        if (Number.isNaN(first)) first = performance.now() - started;
        return true;
      },
    });
    while (Number.isNaN(first)) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await leg.stop();
    slowest = Math.max(slowest, first);
  }
  return slowest;
}

/**
 * The keyframe latency a restart can be held to: the 400 ms goal, or,
 * where ffmpeg alone starts slower, what the sender's lead makes of that
 * start-up (`video_restart.ts`: × 1.2 + 50 ms, counted to 150 ms of
 * frames in hand, ~100 ms past the first) plus 100 ms for the rest.
 */
export function keyframeBoundMs(startupMs: number): number {
  return Math.max(400, (startupMs + 100) * 1.2 + 150);
}
