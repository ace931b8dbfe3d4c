/**
 * Screen sharing through a GroupCallSession on the LocalGroupCallServer
 * (real Client, fake Telegram, libdatachannel SFU): the presentation is a
 * second, video-only connection of our participant whose VP8 decodes while
 * the call's audio goes on; stopping it leaves the call streaming; leave
 * ends it first; Telegram dropping it and a session rejoin both bring it
 * back with a fresh payload. Ends are reported exactly once.
 */
import { strict as assert } from "node:assert";
import { fromShell, Track } from "../../mod.ts";
import type { GroupCallSession } from "../../src/session/group_call_session.ts";
import type { PresentationEnd } from "../../src/session/presentation_join.ts";
import { test } from "../_support/harness.ts";
import { countDecodedFrames, tempDir } from "../_support/media.ts";
import { type LocalSession, localSession } from "./local_session.ts";

/** A 15 fps test pattern, video only, as a screen grab would be. */
const screen = () =>
  fromShell(
    'ffmpeg -re -f lavfi -i "testsrc2=size=320x240:rate=15:duration=30"',
    Track.Video,
  );

function ends(session: GroupCallSession): string[] {
  const seen: string[] = [];
  session.onPresentationEnd((end: PresentationEnd) => seen.push(end.kind));
  return seen;
}

const videoPackets = (local: LocalSession, source: number | undefined) =>
  source === undefined
    ? 0
    : local.server.participant(source)?.video.packets ?? 0;

const methods = (local: LocalSession, prefix: string) =>
  local.server.telegram.requests.map((r) => r.method).filter((m) =>
    m.startsWith(prefix)
  );

test(
  "session presentation e2e: present → a second, video-only connection decodes while audio goes on; stopPresenting leaves the call streaming; leave ends it first",
  async () => {
    const local = await localSession(-1002100000001n);
    const tmp = tempDir();
    try {
      const { server, client } = local;
      const session = await local.join();
      const seen = ends(session);
      const streamEnds: string[] = [];
      client.onStreamEnd((_, type, device) =>
        void streamEnds.push(`${type}:${device}`)
      );
      await session.play(local.ramp());
      await server.waitFor(() => local.packets(session.source) >= 25, 6000);

      await session.present(screen());
      assert.equal(session.presenting, true);
      const shared = session.presentationSource!;
      const join = server.telegram.requests.find((r) =>
        r.method === "joinGroupCallPresentation"
      )!.args as { call: unknown; params: string };
      assert.deepEqual(join.call, session.call);
      assert.equal(JSON.parse(join.params).ssrc >>> 0, shared);
      assert.equal(server.participant(shared)?.presentation, true);
      assert.equal(server.participants().length, 2, "two connections");
      const audioAt = local.packets(session.source);
      await server.waitFor(
        () => videoPackets(local, shared) >= 60,
        8000,
        "screen video",
      );
      assert.equal(server.participant(shared)!.audio.packets, 0);
      assert.ok(
        local.packets(session.source) >= audioAt + 50,
        "audio keeps flowing while sharing",
      );
      const ivf = tmp.path("screen.ivf");
      assert.deepEqual(await server.record(shared, { ivf }), {
        ogg: false,
        ivf: true,
      });
      const decoded = await countDecodedFrames(ivf);
      assert.ok(decoded >= 15, `${decoded} screen frames decode`);

      await session.stopPresenting();
      await session.stopPresenting(); // idempotent
      assert.equal(session.presenting, false);
      assert.equal(session.presentationSource, undefined);
      assert.deepEqual(methods(local, "leave"), ["leaveGroupCallPresentation"]);
      await server.waitFor(() => server.participants().length === 1);
      const after = local.packets(session.source);
      await server.waitFor(
        () => local.packets(session.source) >= after + 25,
        3000,
        "audio after the share",
      );
      assert.equal(session.state, "connected");

      await session.present(screen());
      await session.leave();
      assert.deepEqual(methods(local, "leave"), [
        "leaveGroupCallPresentation",
        "leaveGroupCallPresentation",
        "leaveGroupCall",
      ]);
      assert.deepEqual(seen, ["stopped", "session_stopped"]);
      assert.deepEqual(streamEnds, [], "stops are not stream ends");
      assert.equal(server.participants().length, 0);
      assert.equal(client.calls().size, 0);
    } finally {
      tmp.cleanup();
      await local.close();
    }
  },
  { timeout: 60_000 },
);

test(
  "session presentation e2e: Telegram drops the presentation → re-joined; a session rejoin re-presents; nothing ends meanwhile",
  async () => {
    const local = await localSession(-1002100000002n);
    try {
      const { server, chatId } = local;
      const session = await local.join({
        backoff: { baseMs: 100 },
        checkIntervalMs: 500,
      });
      const seen = ends(session);
      await session.play(local.ramp());
      await session.present(screen());
      const first = session.presentationSource!;
      await server.waitFor(() => videoPackets(local, first) >= 10, 6000);

      // The SFU closes the presentation alone, silently: consent finds it
      // disconnected (5 s), then checkGroupCall no longer lists it.
      assert.equal(await server.dropParticipant(first), true);
      await server.waitFor(
        () => {
          const now = session.presentationSource;
          return now !== undefined && now !== first &&
            videoPackets(local, now) >= 10;
        },
        15_000,
        "re-joined presentation",
      );
      assert.equal(session.state, "connected");
      const checked = server.telegram.requests
        .filter((r) => r.method === "checkGroupCall")
        .flatMap((r) => (r.args as { sources: number[] }).sources);
      assert.ok(checked.includes(first), "checkGroupCall asked for it");

      // Kicked: the session rejoins, then shares the same source again.
      const second = session.presentationSource!;
      const audio = session.source;
      assert.equal(await server.telegram.kickSelf(chatId), true);
      await server.waitFor(
        () => {
          const now = session.presentationSource;
          return session.state === "connected" && session.source !== audio &&
            now !== undefined && now !== second &&
            videoPackets(local, now) >= 10;
        },
        15_000,
        "re-presented after the rejoin",
      );
      await server.waitFor(() => local.packets(session.source) >= 25, 6000);
      assert.equal(methods(local, "joinGroupCallPresentation").length, 3);
      assert.deepEqual(seen, []);
      assert.equal(session.presenting, true);

      await session.leave();
      assert.deepEqual(seen, ["session_stopped"]);
      assert.deepEqual(methods(local, "leave"), [
        "leaveGroupCallPresentation",
        "leaveGroupCall",
      ]);
    } finally {
      await local.close();
    }
  },
  { timeout: 60_000 },
);
