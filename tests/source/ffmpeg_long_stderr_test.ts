/**
 * Issue #13: an ffmpeg that prints a huge line on stderr (a hostile file's
 * metadata, a URL server's text) does not disturb the leg. The "ffmpeg"
 * here is a wrapper that prints 20 MB without a break, then runs the real
 * ffmpeg: the level tap, read from the stderr lines that follow, still
 * reports the ramp's levels, and the long line reaches `onStderrLine` once,
 * truncated.
 */
import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import type { OpusFrame } from "../../src/media/ogg_reader.ts";
import { STDERR_LINE_BYTES } from "../../src/runtime/stderr_lines.ts";
import { fromFile } from "../../src/source/file_source.ts";
import { isSeekable, sourceRecipe } from "../../src/source/sources.ts";
import { test } from "../_support/harness.ts";
import { makeRampWav, rampTimeFromLevel, tempDir } from "../_support/media.ts";

const JUNK_BYTES = 20_000_000;
const SECONDS = 3;

test("sources: after a 20 MB stderr line the level tap still reads ffmpeg's levels", async () => {
  const tmp = tempDir();
  try {
    await makeRampWav(tmp.path("ramp.wav"), SECONDS);
    const wrapper = tmp.path("ffmpeg");
    writeFileSync(
      wrapper,
      `#!/bin/sh
head -c ${JUNK_BYTES} /dev/zero | tr '\\0' x >&2
printf '\\n' >&2
exec ffmpeg "$@"
`,
    );
    chmodSync(wrapper, 0o755);
    const recipe = sourceRecipe(fromFile(tmp.path("ramp.wav")));
    assert.ok(isSeekable(recipe));
    const audio: OpusFrame[] = [];
    const lines: string[] = [];
    const target = 1_000;
    const opened = await recipe.openAt(target, {
      ffmpegPath: wrapper,
      onAudio: (f) => (audio.push(...f), false),
      onStderrLine: (_kind, line) => lines.push(line),
    });
    const end = await opened.audio!.ended;
    assert.equal(end.error, undefined, String(end.error));
    const expectedFrames = Math.ceil((SECONDS * 1000 - target) / 20);
    assert.ok(Math.abs(audio.length - expectedFrames) <= 1, `${audio.length}`);
    for (const index of [0, 5, 50]) {
      const level = opened.audio!.levelAt(index);
      assert.ok(level !== undefined, `level of frame ${index} reported`);
      const t = rampTimeFromLevel(level, SECONDS) * 1000;
      const expected = target + index * 20 + 10;
      assert.ok(
        Math.abs(t - expected) <= 100,
        `frame ${index}: content from ${t.toFixed(0)} ms, not ${expected}`,
      );
    }
    const long = lines.filter((line) => line.startsWith("xxxx"));
    assert.deepEqual(long, [
      "x".repeat(STDERR_LINE_BYTES) +
      `…[truncated ${JUNK_BYTES - STDERR_LINE_BYTES} bytes]`,
    ]);
  } finally {
    tmp.cleanup();
  }
});
