/**
 * The music bot's chat text: how a message splits into command and
 * argument, what `/seek` accepts, and how positions and the queue read.
 *
 * @module
 */

/** The commands, as `/help` lists them. */
export const HELP: string = [
  "/play <file|url> - play a file from my media folder or an http(s) URL (queued if something plays)",
  "/pause, /resume - pause or resume the track",
  "/seek <seconds> - jump to a position (+s or -s: relative)",
  "/skip - next track",
  "/queue - what plays and what is waiting",
  "/stop - clear the queue and leave the voice chat",
].join("\n");

/**
 * Splits a message into its lower-case command (a `@botname` suffix, as
 * Telegram adds in groups, dropped) and the rest.
 *
 * @example
 * ```ts
 * import { parseCommand } from "./chat_text.ts";
 *
 * console.log(parseCommand("/Play@MyMusicBot  song one.mp3 "));
 * // { command: "/play", arg: "song one.mp3" }
 * ```
 */
export function parseCommand(text: string): { command: string; arg: string } {
  const trimmed = text.trim();
  const head = trimmed.split(/\s+/, 1)[0];
  return {
    command: head.toLowerCase().replace(/@\w+$/, ""),
    arg: trimmed.slice(head.length).trim(),
  };
}

/**
 * How far `/seek <arg>` moves from `nowMs`, never before the start:
 * `30` is second 30, `+10` / `-10` are relative. `undefined` when `arg` is
 * not one of those.
 *
 * @example
 * ```ts
 * import { seekDelta } from "./chat_text.ts";
 *
 * console.log(seekDelta("30", 12_000), seekDelta("-20", 12_000)); // 18000 -12000
 * ```
 */
export function seekDelta(arg: string, nowMs: number): number | undefined {
  const match = /^([+-])?(\d{1,6}(?:\.\d+)?)$/.exec(arg);
  if (!match) return undefined;
  const ms = Number(match[2]) * 1000;
  const delta = match[1] === "-" ? -ms : match[1] === "+" ? ms : ms - nowMs;
  return Math.max(delta, -nowMs);
}

/**
 * `m:ss` of a position in ms.
 *
 * @example
 * ```ts
 * import { clock } from "./chat_text.ts";
 *
 * console.log(clock(95_400)); // "1:35"
 * ```
 */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** A track as `/queue` shows it. */
export interface TrackLine {
  /** File name or URL. */
  title: string;
  /** Who asked for it. */
  requestedBy: string;
}

/**
 * The `/queue` reply.
 *
 * @example
 * ```ts
 * import { queueText } from "./chat_text.ts";
 *
 * console.log(queueText({ title: "a.mp3", requestedBy: "ann" }, 5000, []));
 * // "Now playing: a.mp3 (0:05) - requested by ann\nNothing queued after it."
 * ```
 */
export function queueText(
  current: TrackLine,
  positionMs: number,
  waiting: readonly TrackLine[],
): string {
  const lines = [
    `Now playing: ${current.title} (${
      clock(positionMs)
    }) - requested by ${current.requestedBy}`,
    ...waiting.map((t, i) =>
      `${i + 1}. ${t.title} - requested by ${t.requestedBy}`
    ),
  ];
  if (waiting.length === 0) lines.push("Nothing queued after it.");
  return lines.join("\n");
}
