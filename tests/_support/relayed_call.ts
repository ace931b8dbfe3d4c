/**
 * A GroupCall connected to a libdatachannel SFU stand-in through a UDP
 * relay (`src/testing/udp_relay.ts`), recording what the call reports:
 * connection states, stream ends with their errors, and when each came.
 * The relay's `blackout` makes the network vanish; the ffmpeg children of
 * this process can be found (and signalled) by pid.
 */
import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";
import { GroupCall } from "../../src/call/group_call.ts";
import type { NetworkInfo } from "../../src/call/types.ts";
import { generateCertificate } from "../../src/dtls/certificate.ts";
import type { TgCallError } from "../../src/errors.ts";
import {
  parseJoinResponse,
  type RtcJoinResponse,
} from "../../src/signaling/join_response.ts";
import { fromShell } from "../../src/source/shell_source.ts";
import { sourceRecipe } from "../../src/source/sources.ts";
import { LibdatachannelPeer } from "../../src/testing/libdatachannel_peer.ts";
import { startUdpRelay, type UdpRelay } from "../../src/testing/udp_relay.ts";

/** A stream end as the call reported it. */
export interface ReportedEnd {
  /** `audio` or `video`. */
  type: string;
  /** The error, if the leg failed. */
  error?: TgCallError;
  /** `performance.now()` when it was reported. */
  at: number;
}

/** A connected call and what it reported. */
export interface RelayedCall {
  call: GroupCall;
  peer: LibdatachannelPeer;
  relay: UdpRelay;
  /** Connection states in order, with `performance.now()` of each. */
  states: { state: NetworkInfo["state"]; at: number }[];
  ends: ReportedEnd[];
  /** Stops the call, the relay and the peer. */
  close(): Promise<void>;
}

/** Consent timers for {@linkcode relayedCall}; the ICE agent's defaults otherwise. */
export interface ConsentTimers {
  keepaliveMs?: number;
  disconnectedMs?: number;
  failedMs?: number;
}

/** Joins a GroupCall to a fresh libdatachannel peer through a relay. */
export async function relayedCall(
  consent?: ConsentTimers,
): Promise<RelayedCall> {
  const states: RelayedCall["states"] = [];
  const ends: ReportedEnd[] = [];
  const call = new GroupCall({
    chatId: 1,
    certificate: generateCertificate(),
    video: false,
    ffmpegPath: "ffmpeg",
    ffmpegStderrLog: false,
    connectTimeoutMs: 5000,
    networkTypes: ["udp4"],
    bindAddress: { udp4: "127.0.0.1" },
    verboseConnectionLogs: false,
    logger: { debug: () => {}, warn: () => {} },
    consent,
    onConnection: (info) =>
      void states.push({ state: info.state, at: performance.now() }),
    onStreamEnd: (type, _device, error) =>
      void ends.push({ type, error, at: performance.now() }),
    onUpgrade: () => {},
  });
  const peer = await LibdatachannelPeer.answer(call.joinPayload());
  const answer = parseJoinResponse(peer.answerJson) as RtcJoinResponse;
  const target = answer.transport.candidates.find((c) =>
    !c.address.includes(":")
  )!;
  const relay = await startUdpRelay(target);
  answer.transport.candidates = [{
    ...target,
    address: "127.0.0.1",
    port: relay.port,
  }];
  const close = async () => {
    await call.stop();
    await relay.close();
    await peer.close();
  };
  try {
    await call.connect(answer);
  } catch (error) {
    await close();
    throw error;
  }
  return { call, peer, relay, states, ends, close };
}

/** Two minutes of a 440 Hz tone at real time: outlasts every outage here. */
export function toneSource(): ReturnType<typeof sourceRecipe> {
  return sourceRecipe(
    fromShell('ffmpeg -re -f lavfi -i "sine=frequency=440:duration=120"'),
  );
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((r) => setTimeout(r, ms));

/** Audio packets the peer has received so far. */
export function audioPackets(peer: LibdatachannelPeer): number {
  return peer.received.filter((r) => r.kind === "audio").length;
}

/** The pids of this process's ffmpeg children (Linux `/proc`). */
export function ffmpegChildren(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      if (comm === "ffmpeg" && ppid === process.pid) pids.push(Number(name));
    } catch { /* exited while we looked */ }
  }
  return pids;
}

/** Polls `cond` every 20 ms; throws `what` after `ms`. */
export async function until(
  cond: () => boolean,
  ms: number,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
