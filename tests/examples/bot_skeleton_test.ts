/** The example bot's flow, with the local libdatachannel peer standing in for Telegram. */
import assert from "node:assert/strict";
import {
  type GroupCallSignalling,
  playQueue,
} from "../../examples/bot_skeleton.ts";
import { Client } from "../../mod.ts";
import { LibdatachannelPeer } from "../../src/testing/libdatachannel_peer.ts";
import { test } from "../_support/harness.ts";
import { makeToneWav, tempDir } from "../_support/media.ts";

test(
  "example bot: joins (retrying a duplicate SSRC), plays a two-item queue in order, leaves",
  async () => {
    const tmp = tempDir();
    const peers: LibdatachannelPeer[] = [];
    const log: string[] = [];
    const client = await Client.create({
      networkTypes: ["udp4"],
      bindAddress: { udp4: "127.0.0.1" },
    });
    try {
      for (const [name, hz] of [["a.wav", 440], ["b.wav", 880]] as const) {
        await makeToneWav(tmp.path(name), 0.6, hz);
      }
      let joins = 0;
      const tg: GroupCallSignalling = {
        async joinGroupCall(_chat, params) {
          if (++joins === 1) {
            throw new Error("RPC_ERROR 400: GROUPCALL_SSRC_DUPLICATE_MUCH");
          }
          const peer = await LibdatachannelPeer.answer(params);
          peers.push(peer);
          log.push(`join ssrc ${JSON.parse(params).ssrc}`);
          return peer.answerJson;
        },
        leaveGroupCall(_chat, source) {
          log.push(`leave ${source}`);
          return Promise.resolve();
        },
      };
      client.onStreamEnd((_, type) => void log.push(`end ${type}`));
      await playQueue(client, tg, -100777, [{ input: tmp.path("a.wav") }, {
        input: tmp.path("b.wav"),
      }]);
      await client.idle();
      assert.equal(joins, 2);
      const ssrc = log[0].split(" ")[2];
      assert.deepEqual(log, [
        `join ssrc ${ssrc}`,
        "end audio",
        "end audio",
        `leave ${ssrc}`,
      ]);
      const audio = peers[0].received.filter((r) => r.kind === "audio").length;
      assert.ok(audio >= 55, `${audio} audio packets for 1.2 s of queue`);
    } finally {
      await client.close();
      for (const p of peers) await p.close();
      tmp.cleanup();
    }
  },
  { timeout: 60_000 },
);
