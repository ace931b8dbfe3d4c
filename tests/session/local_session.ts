/**
 * A GroupCallSession on the LocalGroupCallServer: one server, one real
 * Client bound to loopback, a chat with an active call, and a ramp WAV
 * whose level tells where in the file any decoded audio came from.
 */
import { writeFile } from "node:fs/promises";
import { Client } from "../../src/client/client.ts";
import { fromFile } from "../../src/source/file_source.ts";
import {
  type GroupCallSession,
  joinGroupCall,
} from "../../src/session/group_call_session.ts";
import type { JoinGroupCallOptions } from "../../src/session/session_options.ts";
import { LocalGroupCallServer } from "../../src/testing/local_group_call_server.ts";
import { LibdatachannelPeer } from "../../src/testing/libdatachannel_peer.ts";
import {
  decodePcm,
  makeRampWav,
  rampTimeFromLevel,
  tempDir,
  windowLevels,
} from "../_support/media.ts";
import type { Source } from "../../src/source/sources.ts";

/** Seconds of the ramp: longer than any test plays it. */
export const RAMP_SECONDS = 120;

/** The running pieces of one test. */
export interface LocalSession {
  server: LocalGroupCallServer;
  client: Client;
  chatId: bigint;
  /** A fresh seekable ramp source. */
  ramp(): Source;
  /** Joins with the session's defaults for tests. */
  join(options?: JoinGroupCallOptions): Promise<GroupCallSession>;
  /** Where in the ramp (ms) the first audible audio `source` sent came from. */
  firstHeardAt(source: number): Promise<number>;
  /** Audio packets the server got from `source` so far. */
  packets(source: number | undefined): number;
  close(): Promise<void>;
}

/** Sets everything up for chat `chatId`. */
export async function localSession(chatId: bigint): Promise<LocalSession> {
  const tmp = tempDir();
  const rampPath = tmp.path("ramp.wav");
  await makeRampWav(rampPath, RAMP_SECONDS);
  const server = await LocalGroupCallServer.start();
  server.createGroupCall(chatId);
  const client = await Client.create({
    networkTypes: ["udp4"],
    bindAddress: { udp4: "127.0.0.1" },
  });
  return {
    server,
    client,
    chatId,
    ramp: () => fromFile(rampPath),
    join: (options = {}) =>
      joinGroupCall(client, server.telegram, chatId, options),
    async firstHeardAt(source) {
      const ogg = server.recording(source)?.ogg;
      if (!ogg) return NaN;
      const path = tmp.path(`heard-${source}.ogg`);
      await writeFile(path, ogg);
      const levels = windowLevels(await decodePcm(path), 960);
      // Skip the silence sent before the source started.
      const first = levels.findIndex((level) => level > -70);
      if (first < 0) return NaN;
      // A few windows in (the first ~160 ms fade in: encoder and decoder
      // settling), each minus its own distance from the start; the median.
      const estimates = [10, 11, 12, 13, 14].map((k) =>
        rampTimeFromLevel(levels[first + k], RAMP_SECONDS) * 1000 -
        (k * 20 + 10)
      ).sort((a, b) => a - b);
      return estimates[2];
    },
    packets: (source) =>
      source === undefined ? 0 : server.participant(source)?.audio.packets ?? 0,
    async close() {
      try {
        await client.close();
        await server.close();
      } finally {
        tmp.cleanup();
      }
      if (LibdatachannelPeer.openPeers !== 0) {
        throw new Error(`${LibdatachannelPeer.openPeers} peers left open`);
      }
    },
  };
}
