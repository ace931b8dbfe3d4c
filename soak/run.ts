/**
 * The soak itself, shared by `npm run soak` and the CI smoke test: many
 * create → connect → stream → end → stop cycles, then many calls streaming
 * audio at once for a while, against libdatachannel peers on loopback.
 * Resources are sampled at the start, between phases, at intervals and
 * after `close`; every event is counted per chat and per cause so "exactly
 * once" can be checked over the whole run; each streaming call's RTP
 * timestamps are compared with the receiver's clock.
 *
 * @module
 */

import { Client, fromShell } from "../mod.ts";
import { TgCallError } from "../src/errors.ts";
import type { ConnectionState } from "../src/call/types.ts";
import { LibdatachannelPeer } from "../src/testing/libdatachannel_peer.ts";
import { type DriftJump, DriftMeter, type DriftWindows } from "./drift.ts";
import { sample, type SoakSample } from "./probes.ts";

/** What to run. */
export interface SoakOptions {
  /** Create/stream/stop cycles (each streams a 0.3 s tone to its end). */
  cycles: number;
  /** Cycles run at once. */
  parallel: number;
  /** Calls streaming together in the second phase. */
  calls: number;
  /** How long they stream, seconds. */
  seconds: number;
  /** Seconds between samples while they stream. */
  sampleEveryS: number;
  /** Called with each sample as it is taken. */
  onSample?: (s: SoakSample) => void;
  /** Called when a long (endless) stream ends, which it never should. */
  onLongStreamEnd?: (end: LongStreamEnd) => void;
}

/** A long stream that ended on its own, and why. */
export interface LongStreamEnd {
  /** The call (1-based). */
  chat: number;
  /** Seconds since the soak started. */
  atS: number;
  /** The error's code (`FFMPEG_STALLED`, `FFMPEG_CRASHED`, …), or `EOF`. */
  code: string;
}

/** Events one chat received, by cause. */
export interface ChatEvents {
  /** Stream ends (EOF of the cycle's tone). */
  streamEnd: number;
  /** Connection changes by state. */
  states: Partial<Record<ConnectionState, number>>;
  /** Media-state upgrades (none expected: nothing is muted or paused). */
  upgrades: number;
}

/** What the soak found. */
export interface SoakReport {
  /** Samples in order: start, after cycles, during streaming, end. */
  samples: SoakSample[];
  /** Chats whose events were not exactly: one connected, one closed, and one stream end for a cycle. */
  eventFaults: string[];
  /**
   * Cycles that failed, by error code (their chats are left out of the
   * event check); more than 1 % is a fault.
   */
  cycleFailures: Record<string, number>;
  /** Events counted over the run, by cause. */
  eventTotals: {
    streamEnd: number;
    connected: number;
    closed: number;
    other: number;
    upgrades: number;
  };
  /**
   * Audio RTP time against the receiver's wall clock over the streaming
   * calls (soak/drift.ts): |clock drift| and |arrival drift| ms, max and
   * median; packets received.
   */
  drift: {
    /** Largest |clock drift| (lower envelopes of the end windows). */
    clockMaxMs: number;
    clockMedianMs: number;
    /** Largest |arrival drift| (medians of the end windows). */
    maxMs: number;
    medianMs: number;
    /** Each measured call's windows, signed (1-based call). */
    perCall: (DriftWindows & { call: number })[];
    packets: number;
    /** The shortest span a measured call streamed, seconds. */
    spanS: number;
    jumps: number;
    /** Of the jumps, those at a packet the sender flagged as a new RTP run (marker bit). */
    jumpsAtNewRun: number;
    /** Up to 10 jumps with their call (1-based) and causes. */
    jumpLog: (DriftJump & { call: number })[];
    /** Packets delivered after a later one by the receiver (left out). */
    reordered: number;
    /** Calls with a drift figure. */
    measured: number;
  };
  /** Long streams that ended by themselves (each is also an event fault). */
  longStreamEnds: LongStreamEnd[];
  /** Wall time of each phase, seconds. */
  cyclesS: number;
  /** Wall time of the streaming phase, seconds. */
  streamS: number;
}

const CYCLE_CHAT = 1_000_000;
/** Drift is measured from this long after the last call started streaming. */
const SETTLE_MS = 2_000;

/** Runs the soak; resolves once everything is closed and sampled. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const started = performance.now();
  const samples: SoakSample[] = [];
  const take = async (label: string) => {
    const s = await sample(label, started);
    samples.push(s);
    options.onSample?.(s);
  };
  await take("start");
  const client = await Client.create({
    networkTypes: ["udp4"],
    bindAddress: { udp4: "127.0.0.1" },
    connectTimeoutMs: 30_000,
    dispatchBuffer: 16_384,
  });
  const events = new Map<string, ChatEvents>();
  const of = (chat: number | bigint) => {
    const key = String(chat);
    let e = events.get(key);
    if (!e) events.set(key, e = { streamEnd: 0, states: {}, upgrades: 0 });
    return e;
  };
  const ended = new Map<number, () => void>();
  const longStreamEnds: LongStreamEnd[] = [];
  client.onStreamEnd((chat, _type, _device, error) => {
    of(chat).streamEnd++;
    ended.get(Number(chat))?.();
    if (Number(chat) < CYCLE_CHAT) {
      const end = {
        chat: Number(chat),
        atS: Math.round((performance.now() - started) / 1000),
        code: error instanceof TgCallError ? error.code : "EOF",
      };
      longStreamEnds.push(end);
      options.onLongStreamEnd?.(end);
    }
  });
  client.onConnectionChange((chat, { state }) => {
    const s = of(chat).states;
    s[state] = (s[state] ?? 0) + 1;
  });
  client.onUpgrade((chat) => void of(chat).upgrades++);

  const tone = fromShell(
    'ffmpeg -f lavfi -i "sine=frequency=440:duration=0.3"',
  );
  const cycleFailures: Record<string, number> = {};
  const failedChats = new Set<string>();
  const cycle = (chat: number) =>
    runCycle(chat).catch((error) => {
      // A loopback connect can time out on a starved host (the cycle test
      // saw one in 1,000); count it rather than end the soak.
      const key = error instanceof TgCallError ? error.code : String(error);
      cycleFailures[key] = (cycleFailures[key] ?? 0) + 1;
      failedChats.add(String(chat));
      ended.delete(chat);
      return client.stop(chat).catch(() => {});
    });
  const runCycle = async (chat: number) => {
    const peer = await LibdatachannelPeer.answer(
      await client.createCall(chat, { video: false }),
      { keepReceived: false },
    );
    try {
      const end = new Promise<void>((r) => ended.set(chat, r));
      await client.connect(chat, peer.answerJson);
      await client.setStreamSources(chat, tone);
      await end;
      ended.delete(chat);
      await client.stop(chat);
    } finally {
      await peer.close();
    }
  };
  const cyclesAt = performance.now();
  for (let done = 0; done < options.cycles; done += options.parallel) {
    const n = Math.min(options.parallel, options.cycles - done);
    await Promise.all(
      Array.from({ length: n }, (_, i) => cycle(CYCLE_CHAT + done + i)),
    );
  }
  const cyclesS = (performance.now() - cyclesAt) / 1000;
  await client.idle();
  await take("after cycles");

  const meters: DriftMeter[] = [];
  const peers: LibdatachannelPeer[] = [];
  const long = fromShell(
    // Endless: the calls are stopped, never run dry.
    'ffmpeg -f lavfi -i "sine=frequency=440"',
  );
  const streamAt = performance.now();
  try {
    for (let chat = 1; chat <= options.calls; chat++) {
      const meter = new DriftMeter();
      meters.push(meter);
      const peer = await LibdatachannelPeer.answer(
        await client.createCall(chat, { video: false }),
        {
          keepReceived: false,
          onRtp: (rtp) => rtp.kind === "audio" && meter.add(rtp.packet, rtp.at),
        },
      );
      peers.push(peer);
      await client.connect(chat, peer.answerJson);
      await client.setStreamSources(chat, long);
    }
    const settled = performance.now() + SETTLE_MS;
    for (const meter of meters) meter.from = settled;
    // The clock starts once every call streams: setup on a starved host
    // can take minutes.
    const until = performance.now() + options.seconds * 1000;
    // Not the last sample (a forced GC) nor the calls stopping one by one.
    for (const meter of meters) meter.until = until;
    while (performance.now() < until) {
      const wait = Math.min(
        options.sampleEveryS * 1000,
        until - performance.now(),
      );
      await new Promise((r) => setTimeout(r, wait));
      await take(`streaming ${options.calls}`);
    }
    for (let chat = 1; chat <= options.calls; chat++) await client.stop(chat);
  } finally {
    // One at a time: closing many libdatachannel peers at once has
    // crashed the process (Deno and Node, 20 and 50 peers).
    for (const peer of peers) await peer.close();
  }
  const streamS = (performance.now() - streamAt) / 1000;
  await client.close();
  await take("after close");

  const eventFaults: string[] = [];
  const totals = {
    streamEnd: 0,
    connected: 0,
    disconnected: 0,
    closed: 0,
    other: 0,
    upgrades: 0,
  };
  for (const [chat, e] of events) {
    const cycleChat = Number(chat) >= CYCLE_CHAT;
    if (failedChats.has(chat)) continue;
    const { connected = 0, closed = 0, disconnected = 0, ...rest } = e.states;
    totals.streamEnd += e.streamEnd;
    totals.connected += connected;
    totals.closed += closed;
    totals.disconnected += disconnected;
    totals.upgrades += e.upgrades;
    const others = Object.entries(rest).filter(([s]) => s !== "connecting");
    totals.other += others.reduce((n, [, v]) => n + (v ?? 0), 0);
    // Once per cause: one connect plus at most one reconnect per
    // disconnection (a starved host misses consent checks; a stop may come
    // before the reconnect), one close, one end per tone.
    if (
      connected < Math.max(1, disconnected) || connected > 1 + disconnected ||
      closed !== 1 || e.upgrades !== 0 ||
      others.length > 0 || e.streamEnd !== (cycleChat ? 1 : 0)
    ) {
      eventFaults.push(`${chat}: ${JSON.stringify(e)}`);
    }
  }
  const expectedChats = options.cycles + options.calls;
  const failures = Object.values(cycleFailures).reduce((a, b) => a + b, 0);
  if (failures > options.cycles / 100) {
    eventFaults.push(
      `${failures} cycles failed: ${JSON.stringify(cycleFailures)}`,
    );
  }
  if (events.size !== expectedChats) {
    eventFaults.push(
      `events for ${events.size} chats, expected ${expectedChats}`,
    );
  }
  // A call whose settled span is under two windows has no drift figure.
  const perCall = meters.flatMap((m, i) => {
    const w = m.windows();
    return w ? [{ call: i + 1, ...w }] : [];
  });
  const drifts = perCall.map((w) => Math.abs(w.driftMs)).sort((a, b) => a - b);
  const clock = perCall.map((w) => Math.abs(w.clockDriftMs))
    .sort((a, b) => a - b);
  return {
    samples,
    eventFaults,
    eventTotals: totals,
    cycleFailures,
    longStreamEnds,
    drift: {
      clockMaxMs: clock.at(-1) ?? NaN,
      clockMedianMs: clock[Math.floor(clock.length / 2)] ?? NaN,
      maxMs: drifts.at(-1) ?? NaN,
      medianMs: drifts[Math.floor(drifts.length / 2)] ?? NaN,
      perCall,
      packets: meters.reduce((n, m) => n + m.packets, 0),
      jumps: meters.reduce((n, m) => n + m.jumps, 0),
      jumpsAtNewRun: meters.reduce((n, m) => n + m.jumpsAtNewRun, 0),
      jumpLog: meters.flatMap((m, i) =>
        m.jumpLog.map((j) => ({ ...j, call: i + 1 }))
      ).slice(0, 10),
      reordered: meters.reduce((n, m) => n + m.reordered, 0),
      measured: drifts.length,
      spanS: perCall.length
        ? Math.min(...perCall.map((w) => w.tailAtS + w.windowS))
        : 0,
    },
    cyclesS,
    streamS,
  };
}

/** Largest |arrival drift| of audio RTP time against the wall clock (#14), ms. */
export const MAX_DRIFT_MS = 20;

/** Problems in `report`; empty when the soak passed. */
export function soakFaults(report: SoakReport): string[] {
  // The baseline is the sample after the cycles, not the first: loading
  // libdatachannel and ffmpeg's first spawn open a few descriptors for good.
  const start = report.samples[1];
  const end = report.samples.at(-1)!;
  const faults = [...report.eventFaults.slice(0, 10)];
  if (end.fds > start.fds) faults.push(`fds ${start.fds} → ${end.fds}`);
  if (end.children !== 0) faults.push(`${end.children} children left`);
  if (end.tasks !== 0) faults.push(`${end.tasks} scheduler tasks left`);
  if (end.sockets !== start.sockets) {
    faults.push(`sockets ${start.sockets} → ${end.sockets}`);
  }
  // The check stays on the medians, as before the envelope was measured:
  // each figure sees what the other misses (host lateness in one window;
  // a one-frame RTP step that only the earliest few packets show).
  if (!(report.drift.maxMs <= MAX_DRIFT_MS)) {
    faults.push(`RTP arrival drift ${report.drift.maxMs.toFixed(1)} ms`);
  }
  return faults;
}
