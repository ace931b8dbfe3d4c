/**
 * The stall watchdog tells a stalled ffmpeg from a starved one (issue #13):
 * a child that writes nothing but uses CPU — slowly, as on a host loaded
 * past its cores — is left to work; one that is blocked or stopped is
 * killed at the timeout; one that burns CPU and never writes is killed
 * after {@linkcode STARVED_TIMEOUTS} timeouts. The child here is bash
 * standing in for ffmpeg: it writes the first part of a real Ogg Opus file,
 * goes silent in the way under test, then writes the rest.
 */
import assert from "node:assert/strict";
import process from "node:process";
import { FFmpegStalledError } from "../../src/errors.ts";
import { OggOpusReader } from "../../src/media/ogg_reader.ts";
import { FfmpegLeg } from "../../src/source/ffmpeg_leg.ts";
import { STARVED_TIMEOUTS } from "../../src/source/stall_watchdog.ts";
import { test } from "../_support/harness.ts";
import { makeOpusOgg, tempDir } from "../_support/media.ts";

const STALL_MS = 1000;
const HEAD_BYTES = 6000;

/** Bash that spins on the CPU for `ms` (no forks: the time is its own). */
const busy = (ms: number) =>
  `end=$(( \${EPOCHREALTIME/./} + ${ms * 1000} )); ` +
  `while (( \${EPOCHREALTIME/./} < end )); do :; done`;

interface Run {
  leg: FfmpegLeg<"audio">;
  /** When the last frame arrived, ms (performance.now). */
  lastFrameAt: () => number;
  frames: () => number;
}

/** Starts bash: head of `ogg`, then `silence` (a bash command), then the rest. */
async function start(
  ogg: string,
  silence: string,
  stallTimeoutMs = STALL_MS,
): Promise<Run> {
  let last = NaN;
  let frames = 0;
  const script = `head -c ${HEAD_BYTES} "$1"; ${silence}; ` +
    `tail -c +${HEAD_BYTES + 1} "$1"`;
  const leg = await FfmpegLeg.start({
    ffmpegPath: "bash",
    args: ["-c", script, "bash", ogg],
    kind: "audio",
    stallTimeoutMs,
    onFrames: (batch) => {
      frames += batch.length;
      last = performance.now();
      return false;
    },
  });
  // The head has arrived once frames stop coming for a moment.
  while (Number.isNaN(last) || performance.now() - last < 100) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return { leg, lastFrameAt: () => last, frames: () => frames };
}

async function withOgg(fn: (ogg: string, total: number) => Promise<void>) {
  const dir = tempDir();
  try {
    const ogg = dir.path("tone.ogg");
    const bytes = await makeOpusOgg(ogg, 3);
    assert.ok(bytes.length > HEAD_BYTES * 2, `${bytes.length} B`);
    await fn(ogg, new OggOpusReader().push(bytes).length);
  } finally {
    dir.cleanup();
  }
}

test(
  "ffmpeg watchdog: silent but using CPU for 2.5 timeouts → not a stall, plays to the end",
  async () => {
    await withOgg(async (ogg, total) => {
      const run = await start(ogg, busy(2.5 * STALL_MS));
      const end = await run.leg.ended;
      assert.equal(end.error, undefined, String(end.error));
      assert.equal(end.frames, total);
    });
  },
  { timeout: 20_000 },
);

test(
  "ffmpeg watchdog: starved by SIGSTOP/SIGCONT bursts (running half the time) → not a stall",
  async () => {
    await withOgg(async (ogg, total) => {
      // A longer timeout than the others: where other work runs too, the
      // child's share of its running slots is small, and a check looks at
      // half a timeout of them.
      const run = await start(ogg, busy(5000), 2 * STALL_MS);
      const pid = run.leg.pid;
      let stopped = false;
      let tick = 0;
      // 100 ms stopped, 100 ms running: at most what a child gets on a
      // host with twice as many runnable processes as cores.
      const bursts = setInterval(() => {
        const stop = tick++ % 2 === 0;
        if (stop === stopped) return;
        stopped = stop;
        try {
          process.kill(pid, stop ? "SIGSTOP" : "SIGCONT");
        } catch { /* already exited */ }
      }, 100);
      try {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const end = await Promise.race([
          run.leg.ended,
          new Promise<undefined>((r) =>
            timer = setTimeout(() => r(undefined), 12_000)
          ),
        ]);
        clearTimeout(timer);
        clearInterval(bursts);
        if (end === undefined) assert.fail("did not end within 12 s");
        assert.equal(end.error, undefined, String(end.error));
        assert.equal(end.frames, total);
      } finally {
        clearInterval(bursts);
        try {
          process.kill(pid, "SIGCONT");
        } catch { /* exited */ }
        await run.leg.stop();
      }
    });
  },
  { timeout: 20_000 },
);

/**
 * Waits for `run` to end stalled and returns how long after its last frame
 * that was, ms, checked to lie in [`min`, `max`).
 */
async function stalledAfter(
  run: Run,
  label: string,
  min: number,
  max: number,
): Promise<void> {
  const end = await run.leg.ended;
  const after = performance.now() - run.lastFrameAt();
  console.log(`${label}: stalled ${after.toFixed(0)} ms after the last frame`);
  assert.ok(end.error instanceof FFmpegStalledError, String(end.error));
  assert.equal(end.error.timeoutMs, STALL_MS);
  assert.ok(after >= min && after < max, `${after}`);
}

// A blocked or stopped child is caught at the timeout; half a timeout more
// when it stopped just after the half-way mark, plus timer slack.
const STALL_BY = STALL_MS * 1.5 + 400;

test(
  "ffmpeg watchdog: silent and idle (blocked) → FFmpegStalledError at the timeout",
  async () => {
    await withOgg(async (ogg) => {
      const run = await start(ogg, "sleep 5");
      await stalledAfter(run, "blocked", STALL_MS, STALL_BY);
    });
  },
  { timeout: 20_000 },
);

test(
  "ffmpeg watchdog: stopped outright (SIGSTOP) while busy → FFmpegStalledError at the timeout",
  async () => {
    await withOgg(async (ogg) => {
      const run = await start(ogg, busy(20_000));
      process.kill(run.leg.pid, "SIGSTOP");
      await stalledAfter(run, "stopped", STALL_MS, STALL_BY);
    });
  },
  { timeout: 20_000 },
);

test(
  "ffmpeg watchdog: busy forever and silent → FFmpegStalledError after STARVED_TIMEOUTS timeouts",
  async () => {
    await withOgg(async (ogg) => {
      const run = await start(ogg, busy(30_000));
      const cap = STARVED_TIMEOUTS * STALL_MS;
      await stalledAfter(run, "spinning", cap, cap + STALL_MS);
    });
  },
  { timeout: 20_000 },
);
