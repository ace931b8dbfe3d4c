/**
 * Two libdatachannel peers connecting to each other on loopback, the
 * baseline for connect latency: ms from creating the offerer until both
 * report "connected" (ICE + DTLS done). Its first data-channel message
 * would add SCTP's association, which loses its first INIT to the same
 * race and waits out a 1 s retransmission in most runs here, so the
 * figure stops at DTLS: comparable to tgcall's own `to-connected-ms`.
 *
 * @module
 */

import nodeDataChannel from "node-datachannel";

const { PeerConnection } = nodeDataChannel;

/** One connect; resolves with its duration in ms (rejects after 10 s). */
export function libdatachannelPairMs(): Promise<number> {
  const config = { iceServers: [], bindAddress: "127.0.0.1" };
  const started = performance.now();
  const offerer = new PeerConnection("bench-offerer", config);
  const answerer = new PeerConnection("bench-answerer", config);
  // Whole descriptions once gathered, candidates inside (no trickle): as a
  // tgcall join does, and a candidate can never beat its description.
  offerer.onGatheringStateChange((state) => {
    if (state !== "complete") return;
    answerer.setRemoteDescription(offerer.localDescription()!.sdp, "offer");
  });
  answerer.onGatheringStateChange((state) => {
    if (state !== "complete") return;
    offerer.setRemoteDescription(answerer.localDescription()!.sdp, "answer");
  });
  // A data channel only to give the offer an m-line.
  const channel = offerer.createDataChannel("bench");
  return new Promise<number>((resolve, reject) => {
    let connected = 0;
    const finish = () => {
      clearTimeout(timer);
      channel.close();
      offerer.close();
      answerer.close();
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error("libdatachannel pair did not connect in 10 s"));
    }, 10_000);
    const onState = (state: string) => {
      if (state !== "connected" || ++connected < 2) return;
      const ms = performance.now() - started;
      finish();
      resolve(ms);
    };
    offerer.onStateChange(onState);
    answerer.onStateChange(onState);
  });
}
