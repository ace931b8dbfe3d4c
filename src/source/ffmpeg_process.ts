/**
 * What every ffmpeg tgcall runs has in common, whatever it produces (a
 * track on stdout, an RTMP push, a `-version` probe): how it is spawned,
 * how it is stopped, and what its exit means.
 *
 * - Spawning maps the runtime's {@linkcode SpawnError} to
 *   {@linkcode FFmpegSpawnError}, so callers see one error for "ffmpeg is
 *   missing or broken" wherever it surfaces.
 * - Stopping is {@linkcode Subprocess.stop} with one grace period: SIGTERM,
 *   then SIGKILL if ffmpeg has not exited after
 *   {@linkcode FFMPEG_STOP_GRACE_MS}.
 * - The end is classified once ({@linkcode ffmpegExitError}): our own stop
 *   is always clean (ffmpeg answers SIGTERM with exit 255), exit 0 is a
 *   natural EOF (even with no output: a seek past the end), otherwise the
 *   stderr tail decides between {@linkcode FileError} (nothing playable,
 *   missing input) and {@linkcode FFmpegCrashedError}.
 *
 * @module
 */

import {
  FFmpegCrashedError,
  FFmpegSpawnError,
  FileError,
  SpawnError,
  type TgCallError,
} from "../errors.ts";
import {
  type ExitStatus,
  spawn,
  type SpawnOptions,
  type Subprocess,
} from "../runtime/subprocess.ts";

/** How long a stopped ffmpeg gets to exit after SIGTERM before SIGKILL, ms. */
export const FFMPEG_STOP_GRACE_MS = 2000;

/** stderr lines that mean the input has nothing playable, not a crash. */
const FILE_PATTERNS = [
  /matches no streams/i,
  /No such file or directory/i,
  /does not contain any stream/i,
  /Invalid data found when processing input/i,
  /Output file #\d+ does not contain any stream/i,
  /Stream specifier .* matches no streams/i,
  /Is a directory/i,
  /Permission denied/i,
];

/**
 * Spawns ffmpeg.
 *
 * @example
 * ```ts ignore
 * import { spawnFfmpeg } from "./ffmpeg_process.ts";
 *
 * const child = await spawnFfmpeg("ffmpeg", { args: ["-version"] });
 * console.log(await child.exited); // { code: 0, signal: null }
 * ```
 *
 * @param ffmpegPath The binary.
 * @param options Arguments and stdio handling.
 * @param message The error message when it cannot start; default the
 *   runtime's own reason.
 * @throws {FFmpegSpawnError} when the binary cannot be started.
 */
export async function spawnFfmpeg(
  ffmpegPath: string,
  options: SpawnOptions,
  message?: string,
): Promise<Subprocess> {
  try {
    return await spawn(ffmpegPath, options);
  } catch (error) {
    if (error instanceof SpawnError) {
      throw new FFmpegSpawnError(ffmpegPath, message ?? error.message, {
        cause: error,
      });
    }
    throw error;
  }
}

/** Stops ffmpeg (SIGTERM, SIGKILL after the grace period) and waits for its exit. */
export function stopFfmpeg(child: Subprocess): Promise<ExitStatus> {
  return child.stop(FFMPEG_STOP_GRACE_MS);
}

/** What {@linkcode ffmpegExitError} needs to know about an ended ffmpeg. */
export interface FfmpegExit {
  /** Its exit status. */
  status: ExitStatus;
  /** Whether tgcall stopped it. */
  stoppedByUs: boolean;
  /** The last bytes of its stderr (progress and level-tap lines left out). */
  stderrTail: string;
  /** What it was producing, for the message ("audio", "video"); optional. */
  stream?: string;
}

/**
 * Why an ffmpeg ended, as an error; `undefined` for our own stop and for
 * a natural EOF.
 *
 * @example
 * ```ts
 * import { ffmpegExitError } from "./ffmpeg_process.ts";
 *
 * const error = ffmpegExitError({
 *   status: { code: 1, signal: null },
 *   stoppedByUs: false,
 *   stderrTail: "nope.mp3: No such file or directory\n",
 *   stream: "audio",
 * });
 * console.log(error?.name); // "FileError"
 * ```
 */
export function ffmpegExitError(exit: FfmpegExit): TgCallError | undefined {
  if (exit.stoppedByUs || exit.status.code === 0) return undefined;
  const tail = exit.stderrTail;
  if (FILE_PATTERNS.some((p) => p.test(tail))) {
    const what = exit.stream ? `${exit.stream} stream` : "stream";
    return new FileError(`No playable ${what}: ${tail.trim()}`);
  }
  return new FFmpegCrashedError(exit.status.code, exit.status.signal, tail);
}
