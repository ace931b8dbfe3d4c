/**
 * LocalGroupCallServer with real Clients and ffmpeg sources: two
 * participants in one call both arrive and are measured (packets, bitrate,
 * RFC 6464 level and V bit); a blackout stops the packets
 * and lifting it restores them; a restart closes every transport and
 * checkGroupCall forgets the source; an SFU drop is announced as self
 * `left`; video Sender Reports are counted; PLI and NACK reach the sender
 * on demand; the recording decodes.
 * Nothing (socket, timer, libdatachannel peer) is left after close.
 */
import assert from "node:assert/strict";
import { Client, fromShells } from "../../mod.ts";
import type { GroupCallUpdate } from "../../src/session/mtproto_adapter.ts";
import {
  type FakeTelegram,
  LibdatachannelPeer,
  LocalGroupCallServer,
} from "../../testing.ts";
import { test } from "../_support/harness.ts";
import {
  countDecodedFrames,
  decodePcm,
  tempDir,
  windowLevels,
  zeroCrossingHz,
} from "../_support/media.ts";

const clientOptions = {
  networkTypes: ["udp4" as const],
  bindAddress: { udp4: "127.0.0.1" },
};
const tone = (hz = 440) =>
  `ffmpeg -re -f lavfi -i "sine=frequency=${hz}:duration=30"`;
const pattern =
  'ffmpeg -re -f lavfi -i "testsrc2=size=160x120:rate=15:duration=30"';

/** Joins `chatId` through the fake Telegram and connects the client. */
async function join(
  telegram: FakeTelegram,
  client: Client,
  chatId: bigint,
  video = false,
) {
  const call = (await telegram.getGroupCall(chatId))!;
  const params = await client.createCall(chatId, { video });
  const answer = await telegram.joinGroupCall({
    call,
    params,
    muted: false,
    videoStopped: !video,
  });
  await client.connect(chatId, answer);
  return { call, answer, source: JSON.parse(params).ssrc >>> 0 };
}

test(
  "local server: two participants at once both arrive; bitrate, level and V bit are read",
  async () => {
    const server = await LocalGroupCallServer.start();
    const alice = await Client.create(clientOptions);
    const bob = await Client.create(clientOptions);
    const chat = -1001000000001n;
    const updates: GroupCallUpdate[] = [];
    try {
      server.createGroupCall(chat);
      server.telegram.onUpdate((u) => void updates.push(u));
      const other = server.newAccount();
      const a = await join(server.telegram, alice, chat);
      const b = await join(other, bob, chat);
      await alice.setStreamSources(chat, fromShells(tone(440), ""));
      await bob.setStreamSources(chat, fromShells(tone(660), ""));
      await server.waitFor(
        () => server.participants().every((p) => p.audio.packets >= 60),
        6000,
        "both participants streaming",
      );
      assert.equal(server.participants().length, 2);
      for (const source of [a.source, b.source]) {
        const p = server.participant(source)!;
        assert.equal(p.state, "connected");
        assert.ok(p.audio.kbps > 10, `${p.audio.kbps} kbit/s`);
        assert.equal(p.audio.lost, 0);
        assert.ok(p.audio.level > -40, `level ${p.audio.level} dBov`);
        assert.equal(p.audio.speaking, true);
      }
      // Telegram's answer: one relay candidate, every field a string.
      const candidates = JSON.parse(a.answer).transport.candidates;
      assert.equal(candidates.length, 1);
      assert.ok(
        Object.values(candidates[0]).every((v) => typeof v === "string"),
      );
      assert.equal(
        candidates[0].port,
        String(server.participant(a.source)!.port),
      );
      // Each account sees its own participant as self, the other's not.
      const about = (source: number) =>
        updates.find((u) => u.type === "participant" && u.source === source);
      assert.deepEqual(about(a.source), {
        type: "participant",
        callId: a.call.id,
        self: true,
        source: a.source,
        left: false,
        canSelfUnmute: true,
        muted: false,
      });
      assert.equal((about(b.source) as { self: boolean }).self, false);
      // Muting sends silence: the level drops and the V bit clears.
      await alice.mute(chat);
      await server.waitFor(
        () => !server.participant(a.source)!.audio.speaking,
        3000,
        "V bit cleared after mute",
      );
      assert.ok(server.participant(a.source)!.audio.level < -60);
    } finally {
      await alice.close();
      await bob.close();
      await server.close();
    }
    assert.equal(LibdatachannelPeer.openPeers, 0, "every peer closed");
    assert.equal(server.participants().length, 0);
  },
);

test(
  "local server: a blackout stops the packets and lifting it restores them",
  async () => {
    await using server = await LocalGroupCallServer.start();
    const client = await Client.create(clientOptions);
    const chat = -1001000000002n;
    try {
      server.createGroupCall(chat);
      const { source } = await join(server.telegram, client, chat);
      await client.setStreamSources(chat, fromShells(tone(), ""));
      const packets = () => server.participant(source)!.audio.packets;
      await server.waitFor(() => packets() >= 20, 5000, "audio flowing");
      server.blackout(true);
      await new Promise((r) => setTimeout(r, 100)); // in-flight datagrams land
      const dark = packets();
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(packets(), dark, "nothing arrives during the blackout");
      server.blackout(false);
      await server.waitFor(() => packets() >= dark + 20, 4000, "audio back");
      assert.equal(client.stats(chat).state, "connected");
    } finally {
      await client.close();
    }
  },
);

test(
  "local server: a restart closes every transport, forgets the source, and a rejoin gets a new port",
  async () => {
    await using server = await LocalGroupCallServer.start();
    const client = await Client.create(clientOptions);
    const chat = -1001000000003n;
    try {
      server.createGroupCall(chat);
      const first = await join(server.telegram, client, chat);
      await server.waitFor(
        () => server.participant(first.source)?.state === "connected",
        5000,
      );
      const oldPort = server.participant(first.source)!.port;
      assert.deepEqual(
        await server.telegram.checkGroupCall(first.call, [first.source]),
        [first.source],
      );
      await server.restart();
      assert.equal(server.participants().length, 0);
      assert.equal(server.participant(first.source)?.state, "closed");
      assert.deepEqual(
        await server.telegram.checkGroupCall(first.call, [first.source]),
        [],
      );
      await client.stop(chat);
      const second = await join(server.telegram, client, chat);
      await server.waitFor(
        () => server.participant(second.source)?.state === "connected",
        5000,
      );
      assert.notEqual(server.participant(second.source)!.port, oldPort);
    } finally {
      await client.close();
    }
  },
);

test(
  "local server: dropParticipant closes the transport and Telegram announces self left",
  async () => {
    await using server = await LocalGroupCallServer.start();
    const client = await Client.create(clientOptions);
    const chat = -1001000000004n;
    const updates: GroupCallUpdate[] = [];
    try {
      server.createGroupCall(chat);
      const { source, call } = await join(server.telegram, client, chat);
      server.telegram.onUpdate((u) => void updates.push(u));
      await server.waitFor(
        () => server.participant(source)?.state === "connected",
      );
      assert.equal(await server.dropParticipant(source), true);
      assert.equal(await server.dropParticipant(source), false);
      // The join's own announcement may still be in flight: look for left.
      await server.waitFor(() => updates.some((u) => "left" in u && u.left));
      assert.deepEqual(updates.filter((u) => "left" in u && u.left), [{
        type: "participant",
        callId: call.id,
        self: true,
        source,
        left: true,
        canSelfUnmute: true,
        muted: false,
      }]);
      assert.equal(server.participant(source)?.state, "closed");
      assert.deepEqual(
        await server.telegram.checkGroupCall(call, [source]),
        [],
      );
    } finally {
      await client.close();
    }
  },
);

test(
  "local server: video SRs counted; PLI and NACK on demand reach the sender; the recording decodes",
  async () => {
    const tmp = tempDir();
    await using server = await LocalGroupCallServer.start();
    const client = await Client.create(clientOptions);
    const chat = -1001000000005n;
    try {
      server.createGroupCall(chat);
      const { source } = await join(server.telegram, client, chat, true);
      await client.setStreamSources(chat, fromShells(tone(440), pattern));
      const view = () => server.participant(source)!;
      await server.waitFor(
        () => view().video.keyframes >= 1 && view().video.senderReports >= 1,
        6000,
        "video flowing with a Sender Report (video SRs come every second)",
      );
      assert.equal(server.requestKeyframe(source), true);
      const last = view().video.lastSequence;
      assert.equal(server.requestNack(source, [last - 2, last - 1]), true);
      await server.waitFor(
        () => view().video.retransmissions >= 2,
        3000,
        "two retransmissions",
      );
      const media = client.stats(chat).media!;
      assert.ok(media.plisReceived >= 1, `${media.plisReceived} PLIs`);
      assert.ok(media.nacksReceived >= 1, `${media.nacksReceived} NACKs`);
      assert.equal(
        server.requestKeyframe(0x7fff_fff0),
        false,
        "unknown source",
      );
      await new Promise((r) => setTimeout(r, 800)); // more tone to record
      await client.stop(chat);
      const written = await server.record(source, {
        ogg: tmp.path("audio.ogg"),
        ivf: tmp.path("video.ivf"),
      });
      assert.deepEqual(written, { ogg: true, ivf: true });
      // The tone, between the silence before ffmpeg started and after stop.
      const pcm = await decodePcm(tmp.path("audio.ogg"));
      const loud = windowLevels(pcm).map((l, i) => l > -40 ? i : -1)
        .filter((i) => i >= 0);
      assert.ok(loud.length >= 25, `${loud.length} loud 20 ms windows`);
      const hz = zeroCrossingHz(
        pcm.subarray(loud[0] * 960, (loud.at(-1)! + 1) * 960),
      );
      assert.ok(Math.abs(hz - 440) < 15, `${hz} Hz`);
      assert.ok(await countDecodedFrames(tmp.path("video.ivf")) >= 10);
    } finally {
      await client.close();
      tmp.cleanup();
    }
  },
);
