/**
 * What `/play <file|url>` may play. The argument is typed by any chat
 * member, so it is hostile until proven otherwise:
 *
 * - Anything that looks like a URL (`scheme:…`) goes to `fromUrl` with its
 *   default policy: only `http:`/`https:`, and ffmpeg gets a matching
 *   `-protocol_whitelist`, so `file:///etc/passwd`, `concat:…`, `data:…` or
 *   an HLS playlist naming local files are refused.
 * - Anything else is a file name inside the configured media folder. It is
 *   resolved against the folder, symlinks included (`realpath`), and must
 *   stay inside it: `../../etc/passwd`, `/etc/passwd` and a symlink out of
 *   the folder are refused. `fromFile` then hands ffmpeg `file:<path>`, so a
 *   name like `-i x` or `concat:a|b` is only ever a file name.
 *
 * @module
 */

import { realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import {
  fromFile,
  fromUrl,
  InvalidParamsError,
  type Source,
} from "../../mod.ts";

/** A playable item, with what to call it in the chat. */
export interface MediaItem {
  /** The file name (relative to the media folder) or the URL. */
  title: string;
  /** What to play. */
  source: Source;
}

/** `/play`'s argument could not be played; `reason` is the chat reply. */
export interface Refusal {
  /** Why, in words for the chat. */
  reason: string;
}

/** Longest `/play` argument accepted. */
const MAX_INPUT = 2048;

/** `scheme:` at the start: a URL, or something ffmpeg reads as a protocol. */
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

function inside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === "" ? false : !rel.startsWith(`..${sep}`) && rel !== ".." &&
    !isAbsolute(rel);
}

/** Makes a `MediaItem` of an http(s) URL, or says why not. */
function urlItem(url: string): MediaItem | Refusal {
  try {
    return { title: url, source: fromUrl(url) };
  } catch (error) {
    if (error instanceof InvalidParamsError) {
      return { reason: `I can't play that URL: ${error.message}` };
    }
    throw error;
  }
}

/** Makes a `MediaItem` of a file in `mediaDir`, or says why not. */
async function fileItem(
  name: string,
  mediaDir: string,
): Promise<MediaItem | Refusal> {
  const outside = {
    reason:
      "I only play files from my media folder (give a name like song.mp3) or http(s) URLs.",
  };
  const folder = await realpath(mediaDir);
  const wanted = resolve(folder, name);
  if (!inside(folder, wanted)) return outside;
  let real: string;
  try {
    real = await realpath(wanted);
  } catch {
    return { reason: `There is no "${name}" in my media folder.` };
  }
  // A symlink inside the folder may point anywhere.
  if (!inside(folder, real)) return outside;
  if (!(await stat(real)).isFile()) {
    return { reason: `"${name}" is not a file.` };
  }
  return { title: relative(folder, real), source: fromFile(real) };
}

/**
 * Turns `/play`'s argument into something to play, or a refusal to send
 * back. Never throws for bad input.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { resolveMedia } from "./media_input.ts";
 *
 * const media = mkdtempSync(join(tmpdir(), "media-"));
 * console.log(await resolveMedia("../../etc/passwd", media));
 * // { reason: "I only play files from my media folder …" }
 * console.log("title" in await resolveMedia("https://radio.example/live.mp3", media)); // true
 * ```
 *
 * @param input What the member typed after `/play`.
 * @param mediaDir The folder files may come from.
 */
export function resolveMedia(
  input: string,
  mediaDir: string,
): Promise<MediaItem | Refusal> {
  const text = input.trim();
  if (text === "") {
    return Promise.resolve({
      reason: "Usage: /play <file in my media folder | http(s) URL>",
    });
  }
  // deno-lint-ignore no-control-regex
  if (text.length > MAX_INPUT || /[\0-\x1f\x7f]/.test(text)) {
    return Promise.resolve({
      reason: "That is not a file name or URL I accept.",
    });
  }
  if (SCHEME.test(text) && !isAbsolute(text)) {
    return Promise.resolve(urlItem(text));
  }
  return fileItem(text, mediaDir);
}

/** Whether `resolveMedia` refused. */
export function isRefusal(item: MediaItem | Refusal): item is Refusal {
  return "reason" in item;
}
