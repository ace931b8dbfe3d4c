/**
 * The end-to-end demo: a bot's whole flow, offline. A local group-call
 * server (`@x/tgcall/testing`: a fake Telegram in front of a libdatachannel
 * SFU on loopback) starts a voice chat; tgcall joins it through the session
 * API (`joinGroupCall` with the fake Telegram as the MTProto adapter), plays
 * a generated tone file — or `--input` — for `--duration` seconds with a
 * live progress line measured by the server, leaves, and judges what the
 * server received: ffmpeg must decode its recording, the tone must come out
 * at its frequency for as long as it was played, and Telegram must have
 * been told we left. Ends with `VERDICT: PASS …` (exit 0) or
 * `VERDICT: FAIL <reason>` (exit 1).
 *
 * Run: `deno task demo`, `bun run demo`, `npm run demo` — add
 * `-- --duration 10 --input song.mp3 --video` as needed.
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import {
  Client,
  fromFile,
  fromUrl,
  type Source,
  type TgCallError,
  Track,
} from "../mod.ts";
import { runtimeVersion } from "../src/runtime/detect.ts";
import {
  type GroupCallSession,
  joinGroupCall,
} from "../src/session/group_call_session.ts";
import { LocalGroupCallServer, run } from "../testing.ts";
import { judgeRecording, type Peaks } from "./demo_verdict.ts";

const USAGE =
  `usage: demo [--duration SECONDS] [--input FILE|URL] [--video] [--frequency HZ] [--quiet]
  --duration   seconds to stream (default 5)
  --input      a media file or http(s) URL instead of the generated tone
  --video      also stream video (a test pattern, or the input's picture)
  --frequency  tone frequency in Hz (default 440)
  --quiet      no progress line`;

function main(): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args: process.argv.slice(2).filter((a) => a !== "--"),
      options: {
        duration: { type: "string", default: "5" },
        input: { type: "string" },
        video: { type: "boolean", default: false },
        frequency: { type: "string", default: "440" },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return Promise.resolve(2);
  }
  if (flags.help) {
    console.log(USAGE);
    return Promise.resolve(0);
  }
  const duration = Number(flags.duration);
  const frequency = Number(flags.frequency);
  if (
    !(duration > 0 && duration <= 3600) ||
    !(frequency >= 50 && frequency <= 8000)
  ) {
    console.error(`invalid --duration or --frequency\n${USAGE}`);
    return Promise.resolve(2);
  }
  return demo({
    duration,
    frequency,
    input: flags.input,
    video: flags.video,
    quiet: flags.quiet,
  });
}

interface DemoOptions {
  duration: number;
  frequency: number;
  input?: string;
  video: boolean;
  quiet: boolean;
}

/** The tone (and test pattern) as a file, so the bot plays it like a song. */
async function toneFile(o: DemoOptions, dir: string): Promise<string> {
  const path = join(dir, o.video ? "tone.mkv" : "tone.wav");
  const lavfi = (graph: string) => ["-f", "lavfi", "-i", graph];
  await run("ffmpeg", [
    "-nostdin",
    "-v",
    "error",
    ...lavfi(
      `sine=frequency=${o.frequency}:duration=${o.duration}:sample_rate=48000`,
    ),
    ...(o.video
      ? [
        ...lavfi(`testsrc2=size=640x360:rate=30:duration=${o.duration}`),
        "-c:v",
        "mjpeg",
        "-q:v",
        "5",
      ]
      : []),
    "-c:a",
    "pcm_s16le",
    path,
  ]);
  return path;
}

function sourceFor(input: string, video: boolean): Source {
  const tracks = video ? Track.Video : Track.Audio;
  const size = { videoWidth: 640, videoHeight: 360 };
  // The operator typed this URL on the command line, not a chat member, so
  // a stream on the operator's own network is allowed.
  return /^https?:\/\//i.test(input)
    ? fromUrl(input, { tracks, ...size, allowInternalHosts: true })
    : fromFile(input, { tracks, ...size });
}

async function demo(o: DemoOptions): Promise<number> {
  console.log(
    `tgcall demo on ${runtimeVersion()}: ${
      o.input ?? `${o.frequency} Hz tone file`
    }${
      o.video ? " + video" : ""
    }, ${o.duration} s, joined through joinGroupCall to a local group-call server`,
  );
  const dir = mkdtempSync(join(tmpdir(), "tgcall-demo-"));
  const chat = -1001000000001;
  let server: LocalGroupCallServer | undefined;
  let client: Client | undefined;
  let session: GroupCallSession | undefined;
  let progress: ReturnType<typeof setInterval> | undefined;
  const fail = (reason: string) => {
    console.log(`VERDICT: FAIL ${reason}`);
    return 1;
  };
  try {
    server = await LocalGroupCallServer.start();
    server.createGroupCall(chat);
    client = await Client.create({
      networkTypes: ["udp4"],
      bindAddress: { udp4: "127.0.0.1" },
    });
    let ended = false;
    let endError: TgCallError | undefined;
    client.onStreamEnd((_, type, _device, error) => {
      if (type === "audio") ended = true;
      if (error) endError = error;
    });
    const input = o.input ?? await toneFile(o, dir);

    const t0 = performance.now();
    session = await joinGroupCall(client, server.telegram, chat, {
      video: o.video,
    });
    const connectMs = performance.now() - t0;
    const live = session;
    const source = live.source!;
    const tty = (process.stdout as { isTTY?: boolean }).isTTY === true;
    live.onStateChange((state, info) => {
      if (o.quiet) return;
      console.log(`${tty ? "\n" : ""}session: ${state} (${info.reason})`);
    });
    await live.play(sourceFor(input, o.video));
    const started = performance.now();

    // What the server measures, sampled whether or not it is shown.
    const peaks: Peaks = { level: -127, speaking: false };
    const sample = (show: boolean) => {
      const p = server!.participant(source);
      const a = p?.audio;
      if (a && a.packets > 0) {
        peaks.level = Math.max(peaks.level, a.level);
        peaks.speaking ||= a.speaking;
      }
      if (!show || o.quiet) return;
      const video = o.video ? `  video ${p?.video.packets ?? 0} packets` : "";
      const line =
        `[${live.state}] ${
          ((performance.now() - started) / 1000).toFixed(1)
        }/${o.duration} s  audio ${(a?.kbps ?? 0).toFixed(0)} kbps  ` +
        `packets ${a?.packets ?? 0}  level ${a?.level ?? -127} dBov${
          a?.speaking ? " speaking" : ""
        }${video}  t=${(live.time() / 1000).toFixed(1)} s`;
      if (tty) process.stdout.write(`\r${line}   `);
      else console.log(line);
    };
    let ticks = 0;
    const every = tty ? 1 : 4;
    progress = setInterval(() => sample(++ticks % every === 0), 250);
    // The tone file plays to its end; an input is cut at --duration.
    const limit = (o.input ? o.duration : o.duration + 3) * 1000;
    while (!ended && performance.now() - started < limit) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const elapsed = (performance.now() - started) / 1000;
    clearInterval(progress);
    progress = undefined;
    sample(true);
    if (tty && !o.quiet) console.log();
    const stats = client.stats(chat);
    await live.leave();
    await new Promise((r) => setTimeout(r, 200)); // last packets in flight

    // Judge from what the server received and was told.
    if (endError) return fail(`source failed: ${endError.message}`);
    const left = server.telegram.requests.some((r) =>
      r.method === "leaveGroupCall" &&
      (r.args as { source: number }).source === source
    );
    if (!left) return fail(`no leaveGroupCall with our source ${source}`);
    const view = server.participant(source);
    if (view?.state !== "closed") {
      return fail(`the server still has source ${source} (${view?.state})`);
    }
    const judged = await judgeRecording({
      audio: view.audio,
      recording: server.recording(source) ?? {},
      peaks,
      dir,
      elapsed,
      tone: o.input ? undefined : { hz: o.frequency, seconds: o.duration },
      video: o.video,
    });
    if (!judged.pass) return fail(judged.text);
    console.log(
      `VERDICT: PASS ${judged.text}; joined in ${
        connectMs.toFixed(0)
      } ms through joinGroupCall, SRTP ${stats.srtpProfile ?? "?"}, RTT ${
        Number.isNaN(stats.rttMs) ? "-" : stats.rttMs.toFixed(1) + " ms"
      }, leaveGroupCall sent with source ${source}`,
    );
    return 0;
  } catch (error) {
    return fail((error as Error).message ?? String(error));
  } finally {
    if (progress) clearInterval(progress);
    await session?.leave().catch(() => {});
    await client?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
// node-datachannel's native threads can keep the event loop alive.
setTimeout(() => process.exit(process.exitCode), 100);
