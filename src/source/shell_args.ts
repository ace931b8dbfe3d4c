/**
 * The shell-like command line of `fromShell`, split into argv without a
 * shell: whitespace separates words; double quotes group; inside or outside
 * quotes `\"` is a literal quote and `\\` a literal backslash; any other
 * backslash is kept as-is (so ffmpeg's `-headers "A: b\r\n"` reaches ffmpeg
 * as the four characters it expects). Single quotes, `$VAR`, globs, `~`,
 * `|`, `;`, `&&`, redirects and backticks are ordinary characters: the
 * command is spawned directly, so nothing can be injected.
 *
 * @module
 */

import { InvalidParamsError } from "../errors.ts";

/**
 * Splits a command line into argv.
 *
 * @example
 * ```ts
 * import { parseShellArgs } from "./shell_args.ts";
 *
 * console.log(parseShellArgs('ffmpeg -i "My \\"Song\\".mp3" -af volume=2'));
 * // ["ffmpeg", "-i", 'My "Song".mp3', "-af", "volume=2"]
 * ```
 *
 * @throws {InvalidParamsError} for an empty command or an unterminated quote.
 */
export function parseShellArgs(command: string): string[] {
  if (typeof command !== "string") {
    throw new InvalidParamsError("The command must be a string");
  }
  const args: string[] = [];
  let word = "";
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === "\\" && (command[i + 1] === '"' || command[i + 1] === "\\")) {
      word += command[++i];
      inWord = true;
    } else if (c === '"') {
      quoted = !quoted;
      inWord = true; // "" is an empty argument, not nothing
    } else if (
      !quoted && (c === " " || c === "\t" || c === "\n" || c === "\r")
    ) {
      if (inWord) args.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quoted) {
    throw new InvalidParamsError(
      `Unterminated double quote in command: ${command}`,
    );
  }
  if (inWord) args.push(word);
  if (args.length === 0) throw new InvalidParamsError("The command is empty");
  return args;
}
