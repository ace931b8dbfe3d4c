/**
 * Start latency: `setStreamSources(fromFile(mp3))` on a connected call →
 * the first RTP packet carrying the file's audio at the libdatachannel
 * peer, ffmpeg's spawn and probe included. Baseline in the same run: the
 * same file with ffmpeg's default probing (the fast-start flags
 * `-analyzeduration 0 -probesize 64k` removed from the leg).
 *
 * Median of `TGCALL_BENCH_RUNS` (default 10) starts, one call per start.
 *
 * @module
 */

import process from "node:process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, fromFile } from "../mod.ts";
import { FileSource } from "../src/source/file_source.ts";
import { FAST_PROBE } from "../src/source/ffmpeg_flags.ts";
import type { LegSpec, Source } from "../src/source/sources.ts";
import { LibdatachannelPeer } from "../src/testing/libdatachannel_peer.ts";
import { run as runTool } from "../src/testing/ffmpeg_tools.ts";
import type { BenchCase, Measurement } from "./harness.ts";

const RUNS = Number(process.env.TGCALL_BENCH_RUNS ?? 10);
/** Idle silence is a 3-byte Opus frame; a 440 Hz tone is far larger. */
const MIN_SOURCE_PACKET = 60;

let tone: Promise<string> | undefined;

/** A 10 s 440 Hz mp3 in the temp directory, made once per process. */
function toneMp3(): Promise<string> {
  const path = join(tmpdir(), `tgcall-bench-tone-${process.pid}.mp3`);
  return tone ??= runTool("ffmpeg", [
    "-y",
    "-loglevel",
    "error",
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:duration=10",
    "-c:a",
    "libmp3lame",
    path,
  ]).then(() => path);
}

/** `fromFile` with ffmpeg's default probing (no fast-start flags). */
class DefaultProbeFile extends FileSource {
  override legs(offsetMs: number, verbose = false): LegSpec[] {
    return super.legs(offsetMs, verbose).map((leg) => {
      const args = [...leg.args];
      for (let i = 0; i < args.length - 1; i++) {
        if (args[i] === FAST_PROBE[0] || args[i] === FAST_PROBE[2]) {
          args.splice(i--, 2);
        }
      }
      return { ...leg, args };
    });
  }
}

async function starts(source: (path: string) => Source): Promise<Measurement> {
  const path = await toneMp3();
  const client = await Client.create({
    networkTypes: ["udp4"],
    bindAddress: { udp4: "127.0.0.1" },
  });
  const times: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const chat = run + 1;
      let firstAt = 0;
      const peer = await LibdatachannelPeer.answer(
        await client.createCall(chat, { video: false }),
        {
          keepReceived: false,
          onRtp: (rtp) => {
            if (rtp.packet.length >= MIN_SOURCE_PACKET) firstAt ||= rtp.at;
          },
        },
      );
      try {
        await client.connect(chat, peer.answerJson);
        await peer.waitForState("connected");
        const started = performance.now();
        await client.setStreamSources(chat, source(path));
        const deadline = started + 10_000;
        while (!firstAt && performance.now() < deadline) {
          await new Promise((r) => setTimeout(r, 1));
        }
        times.push(firstAt ? firstAt - started : NaN);
        await client.stop(chat);
      } finally {
        await peer.close();
      }
    }
  } finally {
    await client.close();
  }
  times.sort((a, b) => a - b);
  return {
    value: times[times.length >> 1],
    notes: { "min-ms": times[0], "max-ms": times[times.length - 1] },
  };
}

/** Start-latency cases. */
export const cases: BenchCase[] = [{
  name: "start-first-packet",
  unit: "ms",
  // A median over its own runs already: one repeat.
  repeats: 1,
  run: () => starts((path) => fromFile(path)),
  baseline: {
    name: "ffmpeg default probing",
    run: () => starts((path) => new DefaultProbeFile(path)),
  },
}];
