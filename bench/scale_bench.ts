/**
 * Scale: N connected audio calls in one process, each a real ICE + DTLS +
 * SRTP transport to a libdatachannel receiver hosted in child processes
 * ({@linkcode ./peers/peer_hosts.ts}), each sending one in-memory 20 ms Opus
 * frame every 20 ms from its own scheduler task (as a playing call does),
 * through `MediaSender` (RTP, header extensions, transport-wide CC, Sender
 * Reports) and `PeerTransport` (SRTP, UDP). Measured over a
 * {@linkcode WINDOW_MS} window: CPU % of one core, heap per call, RSS, p50/p99
 * send lateness (how late each frame's task ran after its deadline; the
 * histogram tops out at 100 ms, so 100 reads "100 or more").
 *
 * Baseline in the same run: the same N on libdatachannel's C++ send path
 * (tracks with its RTP packetizer and SR reporter) to the same kind of
 * receivers, driven by the same scheduler with the same frames.
 *
 * `TGCALL_SCALE_N` (comma list, default "100") picks N. From N = 500 on,
 * each phase and the setup's progress (every 5 s) go to stderr: a large N
 * takes minutes, and a stall must say where it is.
 *
 * @module
 */

import process from "node:process";
import nodeDataChannel from "node-datachannel";
import { MediaSender } from "../src/media/media_sender.ts";
import { senderOptionsFromAnswer } from "../src/call/sender_options.ts";
import { sharedScheduler } from "../src/runtime/scheduler.ts";
import { randomSsrc } from "../src/signaling/join_payload.ts";
import type { PeerTransport } from "../src/transport/peer_transport.ts";
import { UdpMux } from "../src/transport/udp_mux.ts";
import { heapUsedAfterGc, memoryHeldAfterGc } from "../tests/_support/gc.ts";
import { openLoopbackCall } from "../tests/_support/libdatachannel_call.ts";
import type { BenchCase, Measurement } from "./harness.ts";
import { PeerHosts } from "./peers/peer_hosts.ts";
import {
  cpuSeconds,
  cpuTimes,
  LatenessHistogram,
  machineIdleSeconds,
  rssBytes,
} from "./peers/process_meter.ts";

const { PeerConnection, Audio, RtpPacketizationConfig, RtpPacketizer } =
  nodeDataChannel;
const RtcpSrReporter = nodeDataChannel.RtcpSrReporter;

const WINDOW_MS = Number(process.env.TGCALL_SCALE_WINDOW_MS ?? 5000);
const SETTLE_MS = 1000;
const FRAME_MS = 20;
const CONNECT_BATCH = 25;
/** From this N on, phases and setup progress are logged to stderr. */
const PROGRESS_N = 500;
/** Receivers per child process. */
const PEERS_PER_HOST = 250;
/** A 20 ms Opus frame at ~64 kbit/s (TOC 0xfc: fullband CELT, 20 ms). */
const FRAME = Uint8Array.from(
  { length: 160 },
  (_, i) => i ? (i * 37) & 0xff : 0xfc,
);

interface Sending {
  /** Sends one frame with this deadline. */
  send(deadline: number): void;
}

interface Fleet {
  calls: Sending[];
  /** Peers that had to be opened again. */
  retries?: number;
  /** Frames the send path refused. */
  unsent?: number;
  /** How the calls stand, for the log: states and socket counters. */
  health?(): string;
  close(): Promise<void>;
}

/**
 * Opens calls `0 .. n)` with `openOnce`, `CONNECT_BATCH` at a time, and
 * resolves to how many had to be opened again. While setup saturates the
 * machine a call now and then fails: a tgcall handshake misses its 30 s
 * DTLS deadline, or libdatachannel refuses a fresh peer's answer ("remote
 * candidate without ICE transport"). Such a call is replaced, up to `n / 10`
 * times in all.
 */
async function openInBatches(
  n: number,
  openOnce: (i: number) => Promise<void>,
  log: (message: string) => void,
): Promise<number> {
  let retries = 0;
  const start = performance.now();
  let logged = start;
  const open = async (i: number): Promise<void> => {
    try {
      await openOnce(i);
    } catch (error) {
      if (++retries > n / 10) throw error;
      await open(i);
    }
  };
  for (let i = 0; i < n; i += CONNECT_BATCH) {
    await Promise.all(
      Array.from(
        { length: Math.min(CONNECT_BATCH, n - i) },
        (_, k) => open(i + k),
      ),
    );
    const now = performance.now();
    if (now - logged >= 5000) {
      logged = now;
      const opened = Math.min(n, i + CONNECT_BATCH);
      log(`${opened}/${n} open, ${retries} reopened, ${secs(now - start)}`);
    }
  }
  return retries;
}

/** Opens `n` tgcall transports + senders, `CONNECT_BATCH` at a time. */
async function tgcallFleet(
  n: number,
  hosts: PeerHosts,
  log: (message: string) => void,
  mux?: UdpMux,
): Promise<Fleet> {
  const transports: PeerTransport[] = [];
  const senders: MediaSender[] = [];
  const calls: Sending[] = [];
  const openOnce = async (i: number) => {
    const { transport, audioSsrc, answer } = await openLoopbackCall(
      hosts,
      i,
      mux,
    );
    transports.push(transport);
    const sender = new MediaSender({
      sink: transport,
      audioSsrc,
      ...senderOptionsFromAnswer(answer),
    });
    senders.push(sender);
    let ts = 0;
    calls.push({
      send(deadline) {
        sender.sendAudio(FRAME, ts += 960, 960, deadline, -30, true);
      },
    });
  };
  const retries = await openInBatches(n, openOnce, log);
  return {
    calls,
    retries,
    health() {
      const states = new Map<string, number>();
      let rtpSent = 0, sendErrors = 0;
      for (const t of transports) {
        states.set(t.state, (states.get(t.state) ?? 0) + 1);
        rtpSent += t.stats.rtpSent;
        sendErrors += t.stats.sendErrors;
      }
      return `${[...states].map(([k, v]) => `${v} ${k}`).join(", ")}; ` +
        `${rtpSent} RTP sent, ${sendErrors} send errors`;
    },
    async close() {
      for (const s of senders) s.close();
      await Promise.all(transports.map((t) => t.close()));
    },
  };
}

/** Opens `n` libdatachannel senders (RTP packetizer + SR reporter). */
async function libdatachannelFleet(
  n: number,
  hosts: PeerHosts,
  log: (message: string) => void,
): Promise<Fleet> {
  const pcs: InstanceType<typeof PeerConnection>[] = [];
  const calls: Sending[] = [];
  let unsent = 0;
  const openOnce = async (i: number) => {
    const pc = new PeerConnection(`bench-src-${i}`, {
      iceServers: [],
      bindAddress: "127.0.0.1",
    });
    pcs.push(pc);
    const ssrc = randomSsrc();
    const media = new Audio("0", "SendOnly");
    media.addOpusCodec(111);
    media.addSSRC(ssrc, "bench");
    const track = pc.addTrack(media);
    const config = new RtpPacketizationConfig(ssrc, "bench", 111, 48000);
    const packetizer = new RtpPacketizer(config);
    packetizer.addToChain(new RtcpSrReporter(config));
    track.setMediaHandler(packetizer);
    const opened = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error("track never opened")),
        30_000,
      );
      track.onOpen(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    opened.catch(() => {}); // awaited below; a refused peer never opens
    const offer = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no offer")), 30_000);
      pc.onGatheringStateChange((state) => {
        if (state !== "complete") return;
        clearTimeout(timer);
        resolve(pc.localDescription()!.sdp);
      });
      pc.setLocalDescription();
    });
    pc.setRemoteDescription(await hosts.answerOffer(i, offer), "answer");
    await opened;
    const buffer = Buffer.from(FRAME);
    calls.push({
      send() {
        config.timestamp += 960;
        if (!track.sendMessageBinary(buffer)) unsent++;
      },
    });
  };
  const retries = await openInBatches(n, openOnce, log);
  return {
    calls,
    retries,
    get unsent() {
      return unsent;
    },
    async close() {
      for (const pc of pcs) pc.close();
      await new Promise((r) => setTimeout(r, 500));
    },
  };
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Runs every call's 20 ms task for the window and measures. */
async function measure(
  n: number,
  label: string,
  openFleet: (
    hosts: PeerHosts,
    log: (message: string) => void,
  ) => Promise<Fleet>,
): Promise<Measurement> {
  const log = (message: string) => {
    if (n >= PROGRESS_N) console.error(`scale ${label} N=${n}: ${message}`);
  };
  const hosts = PeerHosts.start(Math.ceil(n / PEERS_PER_HOST));
  const heapBefore = await heapUsedAfterGc();
  const heldBefore = await memoryHeldAfterGc();
  const setupStart = performance.now();
  log("opening");
  const fleet = await openFleet(hosts, log);
  const setupMs = performance.now() - setupStart;
  log(`open in ${secs(setupMs)}, ${fleet.retries ?? 0} reopened`);
  const heapAfter = await heapUsedAfterGc();
  const heldAfter = await memoryHeldAfterGc();
  const scheduler = sharedScheduler();
  const lateness = new LatenessHistogram();
  let recording = false, sent = 0, sentTotal = 0, secondMaxLate = 0;
  const tasks = fleet.calls.map((call) => {
    let deadline = scheduler.clock.now() + Math.random() * FRAME_MS;
    const task = scheduler.task((now) => {
      if (recording) {
        lateness.add(now - deadline);
        sent++;
        if (now - deadline > secondMaxLate) secondMaxLate = now - deadline;
      }
      call.send(deadline);
      sentTotal++;
      deadline += FRAME_MS;
      task.at(deadline);
    });
    task.at(deadline);
    return task;
  });
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  log(`sending; measuring ${secs(WINDOW_MS)}`);
  recording = true;
  // Large fleets: each second's sends and worst lateness, so a sender that
  // falls steadily behind shows apart from one that had a single bad pause.
  let sentBefore = 0;
  const progress = n >= PROGRESS_N
    ? setInterval(() => {
      log(
        `  ${sent - sentBefore} sends/s (of ${n * 1000 / FRAME_MS}), ` +
          `worst lateness ${secondMaxLate.toFixed(1)} ms`,
      );
      sentBefore = sent;
      secondMaxLate = 0;
    }, 1000)
    : undefined;
  const receiversCpu = () =>
    hosts.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const cpuStart = cpuSeconds(), wallStart = performance.now();
  const systemStart = cpuTimes().system, mainStart = cpuTimes("self", true);
  const receiversStart = receiversCpu(), idleStart = machineIdleSeconds();
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const cpu = cpuSeconds() - cpuStart, wall = performance.now() - wallStart;
  const receiversCpuS = receiversCpu() - receiversStart;
  const system = cpuTimes().system - systemStart;
  const mainEnd = cpuTimes("self", true);
  const main = mainEnd.user + mainEnd.system - mainStart.user -
    mainStart.system;
  const idle = machineIdleSeconds() - idleStart;
  recording = false;
  clearInterval(progress);
  const rss = rssBytes();
  for (const t of tasks) t.cancel();
  // Let the receivers drain before asking what arrived in all.
  await new Promise((r) => setTimeout(r, 500));
  const received = await hosts.packets();
  if (fleet.health) log(`calls: ${fleet.health()}`);
  log(
    `measured: ${(100 * cpu * 1000 / wall).toFixed(1)} % of a core, ` +
      `(main thread ${(100 * main * 1000 / wall).toFixed(1)} %, kernel ` +
      `${(100 * system * 1000 / wall).toFixed(1)} %), receivers ` +
      `${(100 * receiversCpuS * 1000 / wall).toFixed(1)} %, ` +
      `machine idle ${(100 * idle * 1000 / wall).toFixed(1)} % of a core, ` +
      `p99 lateness ${lateness.quantile(0.99)} ms; closing`,
  );
  await fleet.close();
  await hosts.close();
  log("closed");
  return {
    value: (100 * cpu * 1000) / wall,
    notes: {
      "p50-lateness-ms": lateness.quantile(0.5),
      "p99-lateness-ms": lateness.quantile(0.99),
      "js-heap-per-call-kb": (heapAfter - heapBefore) / n / 1024,
      // With ArrayBuffer backing stores, which Bun counts in its heap and
      // V8 does not: the figure that compares across runtimes.
      "heap-per-call-kb": (heldAfter - heldBefore) / n / 1024,
      "rss-mb": rss / 1048576,
      // The receivers share the machine: when they and the sender leave no
      // core idle, lateness measures the machine, not the sender.
      "receivers-cpu-%": (100 * receiversCpuS * 1000) / wall,
      // Where the sender's CPU went: its kernel time (on loopback a send
      // also runs the receiving side's network stack), and its main thread
      // (JavaScript and the sends it makes) apart from GC and native threads.
      "kernel-cpu-%": (100 * system * 1000) / wall,
      "main-thread-cpu-%": (100 * main * 1000) / wall,
      "machine-idle-%": (100 * idle * 1000) / wall,
      // Below 100 the sender fell behind its 20 ms clock: lateness then
      // grows for as long as the window lasts.
      "frames-sent-%": (100 * sent * FRAME_MS) / (n * wall),
      "setup-s": setupMs / 1000,
      "delivered-%": (100 * received) / sentTotal,
      "reopened-peers": fleet.retries ?? 0,
      "refused-frames": fleet.unsent ?? 0,
    },
  };
}

function tgcall(n: number, sharedMux: boolean): Promise<Measurement> {
  const label = sharedMux ? "tgcall shared-mux" : "tgcall";
  return measure(n, label, async (hosts, log) => {
    const mux = sharedMux
      ? await UdpMux.open({
        networkTypes: ["udp4"],
        bindAddress: { udp4: "127.0.0.1" },
      })
      : undefined;
    const fleet = await tgcallFleet(n, hosts, log, mux);
    return {
      calls: fleet.calls,
      retries: fleet.retries,
      health: () =>
        fleet.health!() +
        (mux ? `; mux sockets: ${JSON.stringify(mux.socketStats)}` : ""),
      async close() {
        await fleet.close();
        await mux?.close();
      },
    };
  });
}

const SIZES = (process.env.TGCALL_SCALE_N ?? "100").split(",").map(Number);
const BASELINE = "libdatachannel C++ send path";

/** Each fleet is measured once; its cases read the same run. */
const runs = new Map<string, Promise<Measurement>>();
function once(
  key: string,
  f: () => Promise<Measurement>,
): Promise<Measurement> {
  let run = runs.get(key);
  if (!run) runs.set(key, run = f());
  return run;
}
const ours = (n: number, mux: boolean) =>
  once(`${n}-${mux}`, () => tgcall(n, mux));
const theirs = (n: number) =>
  once(
    `${n}-ldc`,
    () =>
      measure(n, "libdatachannel", (h, log) => libdatachannelFleet(n, h, log)),
  );

/** One figure of a fleet's run as the case value, the run's notes kept. */
async function pick(
  run: Promise<Measurement>,
  note?: string,
): Promise<Measurement> {
  const m = await run;
  return { value: note ? Number(m.notes![note]) : m.value, notes: m.notes };
}

/**
 * Scale cases: `scale-<N>-cpu` (% of one core), `scale-<N>-p99-lateness`
 * (ms), each also with the shared UDP mux, and `heap-per-call` (KB, at the
 * largest N); every tgcall case beside libdatachannel's at the same N.
 */
export const cases: BenchCase[] = [
  ...SIZES.flatMap((n) =>
    [false, true].flatMap((mux) => {
      const suffix = mux ? "-shared-mux" : "";
      return [{
        name: `scale-${n}-cpu${suffix}`,
        unit: "% of one core",
        // Each fleet is measured once (`once`): repeats would re-read it.
        repeats: 1,
        run: () => pick(ours(n, mux)),
        baseline: { name: BASELINE, run: () => pick(theirs(n)) },
      }, {
        name: `scale-${n}-p99-lateness${suffix}`,
        unit: "ms",
        repeats: 1,
        run: () => pick(ours(n, mux), "p99-lateness-ms"),
        baseline: {
          name: BASELINE,
          run: () => pick(theirs(n), "p99-lateness-ms"),
        },
      }];
    })
  ),
  {
    name: "heap-per-call",
    unit: "KB",
    repeats: 1,
    run: () => pick(ours(Math.max(...SIZES), false), "heap-per-call-kb"),
    baseline: {
      name: BASELINE,
      run: () => pick(theirs(Math.max(...SIZES)), "heap-per-call-kb"),
    },
  },
];
