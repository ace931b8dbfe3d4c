/**
 * GroupCallSession through outages on the LocalGroupCallServer: an SFU
 * restart, a blackout long enough for the transport to fail, and a call
 * replaced under us. Each ends in a rejoin with a new ufrag and certificate,
 * and playback continues at the played position — by `time()` and by what
 * the SFU hears (the ramp's level dates the first audio after the rejoin).
 */
import { strict as assert } from "node:assert";
import { test } from "../_support/harness.ts";
import type { GroupCallSession } from "../../src/session/group_call_session.ts";
import { type LocalSession, localSession } from "./local_session.ts";

interface Outage {
  /** State changes as `state:reason`. */
  seen: string[];
  /** `time()` as the session left `connected`. */
  before: number;
  /** `time()` as the rejoin connected. */
  after: number;
}

/** Records the first departure from and return to `connected`. */
function watch(session: GroupCallSession): Outage {
  const outage: Outage = { seen: [], before: NaN, after: NaN };
  session.onStateChange((state, info) => {
    outage.seen.push(`${state}:${info.reason}`);
    if (info.previous === "connected" && Number.isNaN(outage.before)) {
      outage.before = session.time();
    }
    if (
      state === "connected" && info.reason === "joined" &&
      Number.isNaN(outage.after)
    ) outage.after = session.time();
  });
  return outage;
}

/** Plays the ramp until the SFU has 3 s of it. */
async function playing(local: LocalSession, session: GroupCallSession) {
  await session.play(local.ramp());
  await local.server.waitFor(() => local.packets(session.source) >= 150, 8000);
}

/** The rejoin used fresh credentials and resumed where playback was. */
async function assertResumed(
  local: LocalSession,
  session: GroupCallSession,
  old: { source: number; ufrag: string; fingerprint: string },
  outage: Outage,
): Promise<void> {
  const { server } = local;
  assert.notEqual(session.source, old.source);
  const now = server.participant(session.source!)!;
  assert.notEqual(now.ufrag, old.ufrag, "new ICE ufrag");
  assert.notEqual(now.fingerprint, old.fingerprint, "new certificate");
  // time() is continuous across the rejoin.
  assert.ok(outage.before >= 2500, `played ${outage.before} ms before`);
  assert.ok(
    outage.after >= outage.before && outage.after - outage.before < 1000,
    `time() ${outage.before} → ${outage.after} ms`,
  );
  // The SFU hears the track resume at that position.
  await server.waitFor(() => local.packets(session.source) >= 150, 8000);
  const heard = await local.firstHeardAt(session.source!);
  assert.ok(
    Math.abs(heard - outage.before) < 600,
    `new participant's audio starts at ${
      heard.toFixed(0)
    } ms, played ${outage.before} ms`,
  );
}

function credentials(local: LocalSession, source: number) {
  const view = local.server.participant(source)!;
  return { source, ufrag: view.ufrag, fingerprint: view.fingerprint };
}

test(
  "session e2e: SFU restart → rejoin with new credentials, playback resumes in place",
  async () => {
    const local = await localSession(-1003000000001n);
    try {
      const session = await local.join();
      const outage = watch(session);
      await playing(local, session);
      const old = credentials(local, session.source!);
      await local.server.restart();
      await local.server.waitFor(
        () => session.state === "connected" && session.source !== old.source,
        20_000,
        "rejoined",
      );
      // A silent close is found by consent and checkGroupCall; a DTLS
      // close_notify fails the transport at once. Both end in a rejoin.
      assert.ok(
        ["rejoining:source_missing", "rejoining:transport_failed"].includes(
          outage.seen.find((s) => s.startsWith("rejoining"))!,
        ),
        outage.seen.join(", "),
      );
      await assertResumed(local, session, old, outage);
      await session.leave();
    } finally {
      await local.close();
    }
  },
  { timeout: 90_000 },
);

test(
  "session e2e: a blackout until the transport fails → rejoin, playback resumes in place",
  async () => {
    const local = await localSession(-1003000000002n);
    try {
      const session = await local.join();
      const outage = watch(session);
      await playing(local, session);
      const old = credentials(local, session.source!);
      // Only this connection goes dark: the rejoin's new one is reachable.
      local.server.blackout(true, old.source);
      await local.server.waitFor(
        () => session.state === "connected" && session.source !== old.source,
        60_000,
        "rejoined",
      );
      assert.deepEqual(outage.seen, [
        "reconnecting:transport_disconnected",
        "rejoining:transport_failed",
        "connected:joined",
      ]);
      const checks = local.server.telegram.requests.filter((r) =>
        r.method === "checkGroupCall"
      );
      assert.ok(checks.length >= 4, `${checks.length} checkGroupCall`);
      await assertResumed(local, session, old, outage);
      await session.leave();
    } finally {
      await local.close();
    }
  },
  { timeout: 120_000 },
);

test(
  "session e2e: the call replaced under us → re-resolved on rejoin",
  async () => {
    const local = await localSession(-1003000000003n);
    try {
      const session = await local.join();
      const outage = watch(session);
      await playing(local, session);
      const old = credentials(local, session.source!);
      const oldCall = session.call!;
      const replacement = await local.server.telegram.replaceCall(local.chatId);
      await local.server.waitFor(
        () => session.state === "connected" && session.source !== old.source,
        30_000,
        "rejoined",
      );
      assert.equal(session.call?.id, replacement.id);
      assert.notEqual(replacement.id, oldCall.id);
      assert.equal(outage.seen.at(-1), "connected:joined");
      await assertResumed(local, session, old, outage);
      await session.leave();
    } finally {
      await local.close();
    }
  },
  { timeout: 90_000 },
);
