/**
 * A connected {@linkcode PeerTransport} sending into a sink, for the
 * send-path benchmarks: the real ICE + DTLS handshake against libdatachannel
 * (through a UDP relay, as the stand-in SFU does), after which the relay is
 * closed and its port taken over by a socket nobody reads.
 *
 * Why a sink nobody reads: a receiver in this process would put its own
 * per-datagram work (and allocations) on the event loop being measured. A
 * bound, unread UDP socket costs the kernel a queue append until its buffer
 * fills and then a drop — about what a far-away SFU costs the sender. It is
 * a Python one-liner in a child process; without Python the sink is a
 * socket in this process (noted in the results as `sink: in-process`).
 *
 * Consent freshness is stretched so the silent sink does not fail ICE
 * during a long run. One fixture serves every send-path case; it is closed
 * by the harness's exit hooks.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { bindUdp, type UdpSocket } from "../src/runtime/udp.ts";
import { parseJoinResponse } from "../src/signaling/join_response.ts";
import { LibdatachannelPeer } from "../src/testing/libdatachannel_peer.ts";
import { startUdpRelay } from "../src/testing/udp_relay.ts";
import { PeerTransport } from "../src/transport/peer_transport.ts";
import { ourJoin } from "../tests/_support/libdatachannel_call.ts";
import { atBenchExit, BenchUnavailable } from "./harness.ts";

/** What the send-path cases share. */
export interface SendPathFixture {
  /** Connected, sending to the sink. */
  transport: PeerTransport;
  /** The SSRCs of the join payload. */
  audioSsrc: number;
  /** Video and RTX SSRCs. */
  video: { ssrc: number; rtxSsrc: number };
  /** For the bare-send baselines: a socket of the same backend. */
  bare: UdpSocket;
  /** Where everything goes. */
  sinkPort: number;
  /** `"child process"` or `"in-process"`. */
  sinkKind: string;
}

const HOST = "127.0.0.1";
const SINK_SCRIPT = [
  "import socket, sys",
  "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
  `s.bind(("${HOST}", int(sys.argv[1])))`,
  "print('ready', flush=True)",
  "sys.stdin.read()",
].join("\n");

let opened: Promise<SendPathFixture> | undefined;

/** The shared fixture, opened on first use. */
export function sendPathFixture(): Promise<SendPathFixture> {
  return opened ??= open();
}

function startChildSink(port: number): Promise<ChildProcess | undefined> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn("python3", ["-c", SINK_SCRIPT, String(port)], {
        stdio: ["pipe", "pipe", "ignore"],
      });
    } catch {
      resolve(undefined);
      return;
    }
    child.on("error", () => resolve(undefined));
    child.on("exit", () => resolve(undefined));
    child.stdout?.once("data", () => resolve(child));
  });
}

async function open(): Promise<SendPathFixture> {
  const { credentials, certificate, audioSsrc, video, join } = ourJoin(true);
  let peer: LibdatachannelPeer;
  try {
    peer = await LibdatachannelPeer.answer(join, { keepReceived: false });
  } catch (error) {
    throw new BenchUnavailable(`libdatachannel: ${error}`);
  }
  atBenchExit(async () => {
    await peer.close();
    LibdatachannelPeer.releaseIfIdle();
  });
  const answer = JSON.parse(peer.answerJson);
  const candidate = answer.transport.candidates.find((c: { ip: string }) =>
    !c.ip.includes(":")
  );
  const relay = await startUdpRelay({
    address: candidate.ip,
    port: Number(candidate.port),
  });
  answer.transport.candidates = [{
    ...candidate,
    ip: HOST,
    port: String(relay.port),
  }];
  const response = parseJoinResponse(JSON.stringify(answer));
  if (response.mode !== "rtc") throw new Error("libdatachannel: no rtc answer");
  const transport = await PeerTransport.open({
    local: { ...credentials, certificate },
    remote: response.transport,
    networkTypes: ["udp4"],
    bindAddress: { udp4: HOST },
    consent: { disconnectedMs: 3_600_000, failedMs: 3_600_000 },
  });
  atBenchExit(() => transport.close());
  await transport.connected;
  const sinkPort = relay.port;
  await relay.close();
  let sinkKind = "child process";
  const child = await startChildSink(sinkPort);
  if (child) {
    atBenchExit(() => {
      child.stdin?.end();
      child.kill();
    });
  } else {
    sinkKind = "in-process";
    const sink = await bindUdp({
      address: HOST,
      port: sinkPort,
      onMessage() {},
    });
    atBenchExit(() => sink.close());
  }
  const bare = await bindUdp({ address: HOST, onMessage() {} });
  atBenchExit(() => bare.close());
  return { transport, audioSsrc, video, bare, sinkPort, sinkKind };
}

/** Resolves after pending I/O callbacks (send completions) have run. */
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
