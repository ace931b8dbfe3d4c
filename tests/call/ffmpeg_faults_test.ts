/**
 * ffmpeg failing under a connected GroupCall (issue #13): killed outright,
 * stopped (SIGSTOP), and reading a URL whose server stops sending without
 * closing. Each ends the stream exactly once with its typed error — soon,
 * not after the seconds ffmpeg had read ahead — the ffmpeg child is reaped,
 * and the call stays connected, sending Opus silence.
 */
import assert from "node:assert/strict";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import process from "node:process";
import { FFmpegCrashedError, FFmpegStalledError } from "../../src/errors.ts";
import { fromShell } from "../../src/source/shell_source.ts";
import { sourceRecipe } from "../../src/source/sources.ts";
import { fromUrl } from "../../src/source/url_source.ts";
import { test } from "../_support/harness.ts";
import {
  audioPackets,
  ffmpegChildren,
  type RelayedCall,
  relayedCall,
  sleep,
  until,
} from "../_support/relayed_call.ts";

const STALL_MS = 1000;

/** After the end: no second one, still connected, silence still flowing. */
async function assertCarriesOn(rc: RelayedCall): Promise<void> {
  const sent = audioPackets(rc.peer);
  await sleep(500);
  assert.equal(rc.ends.length, 1, "one end event");
  assert.deepEqual(rc.states.map((s) => s.state), ["connecting", "connected"]);
  const audio = rc.peer.received.filter((r) => r.kind === "audio");
  assert.ok(audio.length >= sent + 15, `${audio.length - sent} packets after`);
  const last = audio.at(-1)!.packet;
  assert.deepEqual([...last.subarray(-3)], [0xf8, 0xff, 0xfe], "silence");
  assert.deepEqual(ffmpegChildren(), [], "ffmpeg reaped");
}

/** Audio packets carrying more than silence (a tone's Opus frames). */
function sourcePackets(rc: RelayedCall): number {
  return rc.peer.received.filter((r) =>
    r.kind === "audio" && r.packet.length > 40
  ).length;
}

/** The one ffmpeg this process runs, once the SFU hears 1 s of its audio. */
async function playingFfmpeg(rc: RelayedCall): Promise<number> {
  await until(() => sourcePackets(rc) >= 50, 8000, "the source playing");
  const pids = ffmpegChildren();
  assert.equal(pids.length, 1, `ffmpeg children: ${pids}`);
  return pids[0];
}

test(
  "call faults: ffmpeg SIGKILLed → FFmpegCrashedError once, within 2.5 s, call carries on",
  async () => {
    const rc = await relayedCall();
    try {
      // No -re: ffmpeg runs ahead of playback as far as it is let.
      await rc.call.setSource(sourceRecipe(fromShell(
        'ffmpeg -f lavfi -i "sine=frequency=440:duration=120"',
      )));
      const pid = await playingFfmpeg(rc);
      await sleep(1000); // let the read-ahead fill up
      const killedAt = performance.now();
      process.kill(pid, "SIGKILL");
      await until(() => rc.ends.length > 0, 2500, "stream end after SIGKILL");
      const end = rc.ends[0];
      console.log(`kill → onStreamEnd: ${(end.at - killedAt).toFixed(0)} ms`);
      assert.equal(end.type, "audio");
      assert.ok(end.error instanceof FFmpegCrashedError, String(end.error));
      assert.equal(end.error.signal, "SIGKILL");
      await assertCarriesOn(rc);
    } finally {
      await rc.close();
    }
  },
  { timeout: 20_000 },
);

/** A mono 48 kHz s16 WAV header announcing `seconds` of data. */
function wavHeader(seconds: number): Uint8Array {
  const bytes = new Uint8Array(44), v = new DataView(bytes.buffer);
  const data = seconds * 48000 * 2;
  const ascii = (at: number, s: string) =>
    [...s].forEach((c, i) => (bytes[at + i] = c.charCodeAt(0)));
  ascii(0, "RIFF");
  v.setUint32(4, 36 + data, true);
  ascii(8, "WAVEfmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, 1, true);
  v.setUint32(24, 48000, true);
  v.setUint32(28, 96000, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  ascii(36, "data");
  v.setUint32(40, data, true);
  return bytes;
}

/** `seconds` of a 440 Hz tone, s16 mono 48 kHz. */
function tone(seconds: number): Uint8Array {
  const samples = new Int16Array(seconds * 48000);
  for (let i = 0; i < samples.length; i++) {
    samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 48000));
  }
  return new Uint8Array(samples.buffer);
}

/**
 * Serves a WAV announcing 60 s: `/full.wav` sends all of it, `/hang.wav`
 * sends `hangAfter` seconds and then nothing, keeping the connection open.
 */
async function wavServer(hangAfter: number) {
  const sockets = new Set<Socket>();
  let lastWrite = NaN;
  const server: Server = createServer((req, res: ServerResponse) => {
    res.writeHead(200, { "content-type": "audio/wav" });
    res.write(wavHeader(60));
    if (req.url === "/hang.wav") {
      res.write(tone(hangAfter));
      lastWrite = performance.now();
    } else res.end(tone(60));
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    lastWrite: () => lastWrite,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

test(
  "call faults: ffmpeg stopped (SIGSTOP) → FFmpegStalledError once, ffmpeg reaped, call carries on",
  async () => {
    const server = await wavServer(0);
    const rc = await relayedCall();
    try {
      // 510 kbps: what the pipe holds after the stop plays out in ~1-2 s.
      await rc.call.setSource(sourceRecipe(fromUrl(`${server.base}/full.wav`, {
        stallTimeoutMs: STALL_MS,
        audioBitrateKbps: 510,
        allowInternalHosts: true,
      })));
      const pid = await playingFfmpeg(rc);
      const stoppedAt = performance.now();
      process.kill(pid, "SIGSTOP");
      await until(() => rc.ends.length > 0, 15_000, "stream end after SIGSTOP");
      const end = rc.ends[0];
      console.log(
        `SIGSTOP → onStreamEnd: ${(end.at - stoppedAt).toFixed(0)} ms`,
      );
      assert.equal(end.type, "audio");
      assert.ok(end.error instanceof FFmpegStalledError, String(end.error));
      assert.equal(end.error.timeoutMs, STALL_MS);
      assert.ok(end.at - stoppedAt >= STALL_MS);
      await assertCarriesOn(rc);
    } finally {
      await rc.close();
      await server.close();
    }
  },
  { timeout: 25_000 },
);

test(
  "call faults: a URL that stops sending → FFmpegStalledError once, ffmpeg reaped, call carries on",
  async () => {
    const server = await wavServer(2);
    const rc = await relayedCall();
    try {
      await rc.call.setSource(sourceRecipe(fromUrl(`${server.base}/hang.wav`, {
        stallTimeoutMs: STALL_MS,
        allowInternalHosts: true,
      })));
      await until(
        () => rc.ends.length > 0,
        10_000,
        "stream end after the hang",
      );
      const end = rc.ends[0];
      console.log(
        `last byte served → onStreamEnd: ${
          (end.at - server.lastWrite()).toFixed(0)
        } ms (2 s of audio served)`,
      );
      assert.equal(end.type, "audio");
      assert.ok(end.error instanceof FFmpegStalledError, String(end.error));
      const tones = sourcePackets(rc);
      assert.ok(tones >= 50, `${tones} packets of the tone played`);
      await assertCarriesOn(rc);
    } finally {
      await rc.close();
      await server.close();
    }
  },
  { timeout: 25_000 },
);
