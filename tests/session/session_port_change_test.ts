/**
 * The SFU vanishes and comes back on another port (issue #13): the
 * LocalGroupCallServer restarts, closing every connection and forgetting
 * its participants, and answers later joins from new relay ports. The
 * session notices — consent lapses and `checkGroupCall` no longer lists our
 * source, or the peer's DTLS close_notify fails the transport at once — and
 * rejoins with a fresh SSRC, ufrag and certificate; audio then arrives
 * through the new port, the only candidate of the new answer.
 *
 * Timers are shortened through the session's own options (checkGroupCall
 * every second, a 200 ms first backoff); the transport's consent timers are
 * the defaults (disconnected after 5 s).
 */
import { strict as assert } from "node:assert";
import { test } from "../_support/harness.ts";
import { localSession } from "./local_session.ts";

test(
  "session e2e: the SFU returns on a new port → full rejoin, audio arrives there",
  async () => {
    const local = await localSession(-1003000000010n);
    const { server } = local;
    try {
      const session = await local.join({
        checkIntervalMs: 1000,
        backoff: { baseMs: 200 },
      });
      const seen: { transition: string; at: number }[] = [];
      session.onStateChange((state, info) =>
        void seen.push({
          transition: `${info.previous}→${state}:${info.reason}`,
          at: performance.now(),
        })
      );
      await session.play(local.ramp());
      await server.waitFor(() => local.packets(session.source) >= 50, 8000);
      const old = server.participant(session.source!)!;

      const restartAt = performance.now();
      await server.restart();
      assert.equal(server.participant(old.source)!.state, "closed");
      let audioAt = NaN;
      await server.waitFor(
        () => {
          const fresh = session.source !== old.source &&
            local.packets(session.source) >= 25;
          if (fresh && Number.isNaN(audioAt)) audioAt = performance.now();
          return fresh;
        },
        17_000,
        "audio from the rejoined session",
      );
      const now = server.participant(session.source!)!;
      assert.equal(session.state, "connected");
      assert.notEqual(now.port, old.port, "the SFU answers on a new port");
      assert.notEqual(now.source, old.source, "fresh SSRC");
      assert.notEqual(now.ufrag, old.ufrag, "fresh ICE ufrag");
      assert.notEqual(now.fingerprint, old.fingerprint, "fresh certificate");
      assert.equal(server.participants().length, 1, "one connection again");

      // One report per transition, each a legal step and none repeated.
      const path = seen.map((s) => s.transition);
      assert.ok(
        [
          [
            "connected→reconnecting:transport_disconnected",
            "reconnecting→rejoining:source_missing",
            "rejoining→connected:joined",
          ],
          [
            "connected→rejoining:transport_failed",
            "rejoining→connected:joined",
          ],
        ].some((expected) => expected.join() === path.join()),
        path.join(", "),
      );
      const rejoining = seen.find((s) => s.transition.includes("→rejoining"))!;
      const joined = seen.at(-1)!;
      console.log(
        `port ${old.port} → ${now.port}; ${path.join(", ")}; restart → ` +
          `rejoining ${(rejoining.at - restartAt).toFixed(0)} ms → ` +
          `connected ${(joined.at - restartAt).toFixed(0)} ms → audio ` +
          `${(audioAt - restartAt).toFixed(0)} ms`,
      );
      await session.leave();
    } finally {
      await local.close();
    }
  },
  { timeout: 30_000 },
);
