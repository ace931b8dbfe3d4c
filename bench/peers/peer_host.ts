/**
 * A child process hosting many libdatachannel receivers for the scale
 * benchmark. One JSON request per stdin line, one JSON reply per stdout
 * line, matched by `id`:
 *
 * - `{id, join}`: answer a tgcall join payload (a {@linkcode LibdatachannelPeer});
 *   reply `{id, answer}` (the join response JSON).
 * - `{id, offer}`: answer a libdatachannel SDP offer with a receive-only
 *   peer; reply `{id, answer}` (the SDP).
 * - `{id, count: true}`: reply `{id, packets}`, RTP packets received so far.
 *
 * Run with the parent's runtime; exits when stdin closes.
 *
 * @module
 */

import process from "node:process";
import { createInterface } from "node:readline";
import nodeDataChannel from "node-datachannel";
import { LibdatachannelPeer } from "../../src/testing/libdatachannel_peer.ts";

const { PeerConnection } = nodeDataChannel;

let packets = 0;
const closers: (() => unknown)[] = [];

function reply(message: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(message) + "\n");
}

/** A receive-only peer for a libdatachannel sender; resolves its answer SDP. */
function answerOffer(offer: string): Promise<string> {
  const pc = new PeerConnection("bench-sink", {
    iceServers: [],
    bindAddress: "127.0.0.1",
  });
  closers.push(() => pc.close());
  pc.onTrack((track) => {
    // Held: node-datachannel stops a collected track's callbacks.
    closers.push(() => track.close());
    track.onMessage((msg) => {
      // RTP only: the sender's RTCP Sender Reports arrive here too (RFC 5761 §4).
      if (msg.length > 1 && (msg[1] < 192 || msg[1] > 223)) packets++;
    });
  });
  return new Promise((resolve, reject) => {
    pc.onGatheringStateChange((state) => {
      if (state !== "complete") return;
      const local = pc.localDescription();
      if (local) resolve(local.sdp);
      else reject(new Error("no answer"));
    });
    pc.setRemoteDescription(offer, "offer");
  });
}

async function handle(line: string): Promise<void> {
  const request = JSON.parse(line);
  try {
    if (request.join) {
      const peer = await LibdatachannelPeer.answer(request.join, {
        keepReceived: false,
        onRtp: () => void packets++,
      });
      closers.push(() => peer.close());
      reply({ id: request.id, answer: peer.answerJson });
    } else if (request.offer) {
      reply({ id: request.id, answer: await answerOffer(request.offer) });
    } else if (request.count) {
      reply({ id: request.id, packets });
    }
  } catch (error) {
    reply({ id: request.id, error: String(error) });
  }
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => void handle(line));
lines.on("close", () => {
  for (const close of closers.reverse()) void close();
  // libdatachannel's native threads keep the process alive otherwise.
  setTimeout(() => process.exit(0), 500);
});
