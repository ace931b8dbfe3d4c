/**
 * `Client.create` checks ffmpeg once (#13): a binary that is not
 * executable, or that runs but fails `-version`, is an FFmpegSpawnError at
 * create time (the missing binary is in client_rules_test.ts).
 */
import assert from "node:assert/strict";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, FFmpegSpawnError } from "../../mod.ts";
import { test } from "../_support/harness.ts";

test("client: create fails with FFmpegSpawnError when ffmpeg is not executable or broken", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tgcall-ffmpeg-"));
  try {
    const notExecutable = join(dir, "ffmpeg-noexec");
    await writeFile(notExecutable, "#!/bin/sh\nexit 0\n");
    await chmod(notExecutable, 0o644);
    const broken = join(dir, "ffmpeg-broken");
    await writeFile(broken, "#!/bin/sh\necho nope >&2\nexit 3\n");
    await chmod(broken, 0o755);
    for (const ffmpegPath of [notExecutable, broken]) {
      await assert.rejects(
        Client.create({ ffmpegPath }),
        (e: unknown) =>
          e instanceof FFmpegSpawnError && e.command === ffmpegPath,
        ffmpegPath,
      );
    }
  } finally {
    await rm(dir, { recursive: true });
  }
});
