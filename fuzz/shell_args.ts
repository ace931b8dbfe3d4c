/**
 * Fuzz target: `fromShell` command lines (`parseShellArgs`, then the
 * ffmpeg-only check and the argv completion of `shell_completion.ts`,
 * then the legs' argv). A bot may build the command from chat text, so
 * the oracle checks more than the absence of crashes: whatever is
 * accepted runs an ffmpeg binary and writes to stdout.
 *
 * @module
 */

import { parseShellArgs } from "../src/source/shell_args.ts";
import { fromShell } from "../src/source/shell_source.ts";
import { sourceRecipe } from "../src/source/sources.ts";
import { Track } from "../src/source/track.ts";
import { mutateText, randomText } from "./mutate.ts";
import { type FuzzTarget, runEach } from "./runner.ts";

const COMMANDS = [
  'ffmpeg -i "song.mp3"',
  'ffmpeg -re -i "My \\"Song\\".mp3" -af "volume=2,atempo=1.25" -c:a libopus -f ogg pipe:1',
  "ffmpeg -ss 10 -i https://radio.example/live.m3u8 -vn -",
  'ffmpeg -headers "Referer: x\\r\\n" -i "https://a.example/v.mp4" -vf "scale=640:360" -f ivf pipe:',
  '/usr/local/bin/ffmpeg -f lavfi -i "sine=frequency=440" -t 5',
  "FFMPEG.EXE -i a.wav -filter_complex [0:a]apad[a] -map [a]",
  'ffmpeg -i a.mp4 -i b.wav -map 0:v -map 1:a -c:v libvpx -f ivf ""',
  "ffmpeg -i x -f s16le -",
  "ffmpeg -i x -c:a pcm_s16le",
  "sh -c 'rm -rf /'; ffmpeg -i x",
];

const TOKENS = [
  " ",
  "\t",
  "\n",
  '"',
  "\\",
  '\\"',
  "\\\\",
  "'",
  "ffmpeg",
  "ffmpeg.exe",
  "/bin/sh",
  "-i",
  "-f",
  "ogg",
  "ivf",
  "s16le",
  "rawvideo",
  "-c:a",
  "-c:v",
  "pcm_s16le",
  "-af",
  "-vf",
  "-filter_complex",
  "-map",
  "-ss",
  "-vn",
  "pipe:1",
  "pipe:",
  "-",
  "$(id)",
  "`id`",
  ";",
  "&&",
  "|",
  ">",
  "*",
  "~",
];

const ENDS_WITH_FFMPEG = /(^|[\\/])ffmpeg(\.exe)?$/i;
const STDOUT = new Set(["pipe:1", "pipe:", "-"]);

function checkCommand(command: string, track: number): void {
  const source = sourceRecipe(fromShell(command, track));
  if (source.input.type !== "shell") {
    throw new Error("fromShell made a source that is not a shell command");
  }
  for (const c of source.input.commands) {
    if (c.binary !== undefined && !ENDS_WITH_FFMPEG.test(c.binary)) {
      throw new Error(`fromShell accepted binary ${JSON.stringify(c.binary)}`);
    }
  }
  for (const offsetMs of [0, 90_500]) {
    for (const leg of source.legs(offsetMs)) {
      if (!STDOUT.has(leg.args[leg.args.length - 1])) {
        throw new Error(
          `a ${leg.kind} leg does not end in stdout: ${leg.args.at(-1)}`,
        );
      }
    }
  }
}

/** The shell_args target. */
export const shellArgsTarget: FuzzTarget<string> = {
  name: "shell_args",
  drives: "parseShellArgs, fromShell (audio and video), legs()",
  seeds: () => COMMANDS,
  generate: (rng, seeds) =>
    rng.chance(0.9)
      ? mutateText(rng, rng.pick(seeds), seeds, TOKENS, 2048)
      : randomText(rng, TOKENS),
  run(input) {
    runEach(
      () => parseShellArgs(input),
      () => checkCommand(input, Track.Audio),
      () => checkCommand(input, Track.Video),
    );
  },
};
