/**
 * The end-to-end demo: joins a local group-call peer (libdatachannel on
 * loopback, answering in Telegram's JSON) through tgcall's public API,
 * streams a generated tone — or a file/URL — for `--duration` seconds with
 * a live progress line, then judges what the peer received: ffmpeg must
 * decode it, its length must match, and a generated tone must come out at
 * its frequency. Ends with `VERDICT: PASS …` (exit 0) or
 * `VERDICT: FAIL <reason>` (exit 1).
 *
 * Run: `deno task demo`, `bun run demo`, `npm run demo` — add
 * `-- --duration 10 --input song.mp3 --video` as needed.
 *
 * @module
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import {
  Client,
  type ConnectionState,
  fromFile,
  fromShell,
  fromShells,
  fromUrl,
  type Source,
  Track,
} from "../mod.ts";
import { runtimeVersion } from "../src/runtime/detect.ts";
import {
  countDecodedFrames,
  decodePcm,
  windowLevels,
  zeroCrossingHz,
} from "../src/testing/ffmpeg_tools.ts";
import { LibdatachannelPeer } from "../src/testing/libdatachannel_peer.ts";
import {
  depacketizeVp8,
  opusRtpToOgg,
  writeIvf,
} from "../src/testing/rtp_files.ts";

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

function sourceFor(o: DemoOptions): Source {
  const tracks = o.video ? Track.Video : Track.Audio;
  if (o.input) {
    return /^https?:\/\//i.test(o.input)
      ? fromUrl(o.input, { tracks, videoWidth: 640, videoHeight: 360 })
      : fromFile(o.input, { tracks, videoWidth: 640, videoHeight: 360 });
  }
  const tone =
    `ffmpeg -f lavfi -i "sine=frequency=${o.frequency}:duration=${o.duration}:sample_rate=48000"`;
  if (!o.video) return fromShell(tone, Track.Audio);
  return fromShells(
    tone,
    `ffmpeg -f lavfi -i "testsrc2=size=640x360:rate=30:duration=${o.duration}" -b:v 800k`,
  ).withParallelSpawn();
}

async function demo(o: DemoOptions): Promise<number> {
  console.log(
    `tgcall demo on ${runtimeVersion()}: ${
      o.input ?? `${o.frequency} Hz tone`
    }${
      o.video ? " + video" : ""
    }, ${o.duration} s, to a local group-call peer (libdatachannel)`,
  );
  const dir = mkdtempSync(join(tmpdir(), "tgcall-demo-"));
  const chat = -1000000000001;
  let client: Client | undefined;
  let peer: LibdatachannelPeer | undefined;
  let progress: ReturnType<typeof setInterval> | undefined;
  const fail = (reason: string) => {
    console.log(`VERDICT: FAIL ${reason}`);
    return 1;
  };
  try {
    client = await Client.create({
      networkTypes: ["udp4"],
      bindAddress: { udp4: "127.0.0.1" },
    });
    let state: ConnectionState | "new" = "new";
    let ended = false;
    let endError: Error | undefined;
    client.onConnectionChange((_, info) => {
      state = info.state;
      if (!o.quiet) console.log(`\nconnection: ${info.state}`);
    });
    client.onStreamEnd((_, type, _device, error) => {
      if (type === "audio") ended = true;
      if (error) endError = error;
    });

    const joinJson = await client.createCall(chat, { video: o.video });
    peer = await LibdatachannelPeer.answer(joinJson, { receiverReports: true });
    const t0 = performance.now();
    await client.connect(chat, peer.answerJson);
    await client.setStreamSources(chat, sourceFor(o));
    const connectMs = performance.now() - t0;
    const started = performance.now();
    const tty = (process.stdout as { isTTY?: boolean }).isTTY === true;
    const show = () => {
      const s = client!.stats(chat);
      const a = s.media?.audio;
      const kbps = ((a?.bitrate ?? 0) + (s.media?.video?.bitrate ?? 0)) / 1000;
      const line =
        `[${state}] ${
          ((performance.now() - started) / 1000).toFixed(1)
        }/${o.duration} s  ` +
        `${kbps.toFixed(0)} kbps  packets ${s.transport?.rtpSent ?? 0}  ` +
        `RTT ${Number.isNaN(s.rttMs) ? "-" : s.rttMs.toFixed(1) + " ms"}  t=${
          (client!.time(chat) / 1000).toFixed(1)
        } s`;
      if (tty) process.stdout.write(`\r${line}   `);
      else console.log(line);
    };
    if (!o.quiet) progress = setInterval(show, tty ? 250 : 1000);
    const deadline = started + o.duration * 1000 + 3000;
    while (!ended && performance.now() - started < o.duration * 1000) {
      if (performance.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const elapsed = (performance.now() - started) / 1000;
    if (progress) {
      clearInterval(progress);
      progress = undefined;
      show();
      if (tty) console.log();
    }
    const stats = client.stats(chat);
    await client.stop(chat);
    await client.close();
    await new Promise((r) => setTimeout(r, 200)); // last packets in flight

    // Judge from what the peer received.
    if (endError) return fail(`source failed: ${endError.message}`);
    const audio = peer.received.filter((r) => r.kind === "audio")
      .map((r) => r.packet);
    const expectedPackets = Math.floor(Math.min(elapsed, o.duration) * 50);
    if (audio.length < expectedPackets * 0.9) {
      return fail(
        `peer received ${audio.length} audio packets, expected ~${expectedPackets}`,
      );
    }
    const oggPath = join(dir, "received.ogg");
    writeFileSync(oggPath, opusRtpToOgg(audio));
    const pcm = await decodePcm(oggPath);
    const decodedS = pcm.length / 48000;
    // Audible: a 20 ms window above -40 dBFS; the tone is measured there.
    let loud = 0, hzSum = 0;
    windowLevels(pcm).forEach((level, w) => {
      if (level <= -40) return;
      loud++;
      hzSum += zeroCrossingHz(pcm.subarray(w * 960, (w + 1) * 960));
    });
    const loudS = loud * 0.02;
    let verdict = `${audio.length} audio packets, ${
      decodedS.toFixed(2)
    } s decoded by ffmpeg (${loudS.toFixed(2)} s audible)`;
    if (Math.abs(decodedS - elapsed) > Math.max(0.5, elapsed * 0.1)) {
      return fail(
        `decoded ${decodedS.toFixed(2)} s of audio, streamed ${
          elapsed.toFixed(2)
        } s`,
      );
    }
    if (!o.input) {
      const hz = loud ? hzSum / loud : 0;
      if (loudS < elapsed * 0.8) {
        return fail(
          `only ${loudS.toFixed(2)} s of ${elapsed.toFixed(2)} s audible`,
        );
      }
      if (Math.abs(hz - o.frequency) > 5) {
        return fail(
          `tone decoded at ${hz.toFixed(1)} Hz, sent ${o.frequency} Hz`,
        );
      }
      verdict += `, tone ${hz.toFixed(1)} Hz (sent ${o.frequency})`;
    } else if (loud === 0) {
      return fail("the received audio is silent");
    }
    if (o.video) {
      const { frames } = depacketizeVp8(
        peer.received.filter((r) => r.kind === "video").map((r) => r.packet),
      );
      const ivfPath = join(dir, "received.ivf");
      writeFileSync(ivfPath, writeIvf(frames, 640, 360));
      const decoded = frames.length === 0
        ? 0
        : await countDecodedFrames(ivfPath);
      if (decoded < elapsed * 30 * 0.8) {
        return fail(`only ${decoded} video frames decoded`);
      }
      verdict += `, ${decoded} VP8 frames decoded`;
    }
    verdict += `; connected in ${connectMs.toFixed(0)} ms, SRTP ${
      stats.srtpProfile ?? "?"
    }, RTT ${Number.isNaN(stats.rttMs) ? "-" : stats.rttMs.toFixed(1) + " ms"}`;
    console.log(`VERDICT: PASS ${verdict}`);
    return 0;
  } catch (error) {
    return fail((error as Error).message ?? String(error));
  } finally {
    if (progress) clearInterval(progress);
    await client?.close();
    await peer?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
// node-datachannel's native threads can keep the event loop alive.
setTimeout(() => process.exit(process.exitCode), 100);
