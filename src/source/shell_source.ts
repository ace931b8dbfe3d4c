/**
 * `fromShell` and `fromShells`: user-written ffmpeg commands, one per leg.
 * A command is split like a shell would split words (`shell_args.ts`) but
 * never run by a shell, must start with ffmpeg, and is checked up front
 * for an input and a readable output (`shell_completion.ts`).
 *
 * @module
 */

import { InvalidParamsError } from "../errors.ts";
import { FfmpegSource } from "./ffmpeg_source.ts";
import { parseShellArgs } from "./shell_args.ts";
import { completeShellArgs } from "./shell_completion.ts";
import type { ShellCommand, ShellInput, Source } from "./sources.ts";
import type { StreamType } from "../media/kind.ts";
import { hasVideo, Track, type Tracks } from "./track.ts";

function parseFfmpegCommand(command: string, kind: StreamType): ShellCommand {
  const argv = parseShellArgs(command);
  const binary = argv[0];
  const base = binary.split(/[\\/]/).pop()!.toLowerCase();
  if (base !== "ffmpeg" && base !== "ffmpeg.exe") {
    throw new InvalidParamsError(
      `fromShell runs ffmpeg only; the command starts with "${binary}"`,
    );
  }
  // A bare "ffmpeg" means the client's ffmpegPath; an explicit path is kept.
  return {
    kind,
    binary: binary === "ffmpeg" ? undefined : binary,
    args: argv.slice(1),
  };
}

/**
 * What `fromShell` and `fromShells` return: a {@linkcode Source} whose
 * legs may spawn concurrently.
 */
export interface ShellSource extends Source {
  /** Spawns both legs concurrently (for independent inputs). Returns `this`. */
  withParallelSpawn(): this;
}

/** One or two user-written ffmpeg commands (one per leg). */
export class MultiShellSource extends FfmpegSource implements ShellSource {
  #parallel = false;
  /** Tracks. */
  readonly tracks: Tracks;
  /** The commands as given. */
  readonly commands: { audio?: string; video?: string };
  /** The commands, split into words. */
  readonly input: ShellInput;

  /**
   * Creates the source.
   *
   * @param audio The audio leg's command, or empty for none.
   * @param video The video leg's command, or empty for none.
   */
  constructor(audio: string, video: string) {
    super();
    this.commands = {};
    const commands: ShellCommand[] = [];
    if (audio && audio.trim()) {
      commands.push(parseFfmpegCommand(audio, "audio"));
      this.commands.audio = audio;
    }
    if (video && video.trim()) {
      commands.push(parseFfmpegCommand(video, "video"));
      this.commands.video = video;
    }
    if (commands.length === 0) {
      throw new InvalidParamsError("fromShells needs at least one command");
    }
    for (const c of commands) completeShellArgs(c.args, c.kind, 0); // validate now
    this.input = { type: "shell", commands };
    this.tracks = (this.commands.audio ? Track.Audio : 0) |
      (this.commands.video ? Track.Video : 0);
  }

  /** Whether legs spawn concurrently (see `withParallelSpawn`). */
  override get parallelSpawn(): boolean {
    return this.#parallel;
  }

  /** A short description for logs. */
  get description(): string {
    return this.input.commands.map((c) =>
      `${c.kind}: ffmpeg ${c.args.join(" ")}`
    ).join("; ");
  }

  /** Spawns both legs concurrently (for independent inputs). Returns `this`. */
  withParallelSpawn(): this {
    this.#parallel = true;
    return this;
  }
}

/**
 * One user-written ffmpeg command producing one track. The command is
 * split like a shell would split words, but never run by a shell.
 *
 * @example
 * ```ts
 * import { fromShell } from "./shell_source.ts";
 * import { Track } from "./track.ts";
 *
 * const source = fromShell('ffmpeg -i "song.mp3" -af "atempo=1.25"', Track.Audio);
 * console.log(source.description); // "audio: ffmpeg -i song.mp3 -af atempo=1.25"
 * ```
 *
 * @throws {InvalidParamsError} for an empty/unparsable command or raw output.
 */
export function fromShell(
  command: string,
  track: Tracks = Track.Audio,
): ShellSource {
  return hasVideo(track)
    ? new MultiShellSource("", command)
    : new MultiShellSource(command, "");
}

/**
 * Two user-written ffmpeg commands, one per track; either may be empty.
 * Legs spawn one after the other unless `.withParallelSpawn()`.
 *
 * @example
 * ```ts
 * import { fromShells } from "./shell_source.ts";
 * import { Track } from "./track.ts";
 *
 * const source = fromShells(
 *   'ffmpeg -i "song.mp3"',
 *   'ffmpeg -i "clip.mp4" -vf "scale=640:360"',
 * ).withParallelSpawn();
 * console.log(source.tracks === (Track.Audio | Track.Video)); // true
 * ```
 *
 * @throws {InvalidParamsError} when both are empty or one is invalid.
 */
export function fromShells(
  audioCommand: string,
  videoCommand: string,
): ShellSource {
  return new MultiShellSource(audioCommand, videoCommand);
}
