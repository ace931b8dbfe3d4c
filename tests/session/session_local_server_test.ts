/**
 * GroupCallSession end to end on the LocalGroupCallServer (real Client,
 * fake Telegram, libdatachannel SFU): join retries, stream mode, kicks,
 * another device, the end of the call, and leave.
 */
import { strict as assert } from "node:assert";
import { test } from "../_support/harness.ts";
import {
  CallDiscardedError,
  JoinedElsewhereError,
} from "../../src/session/errors.ts";
import type { JoinGroupCallRequest } from "../../src/session/mtproto_adapter.ts";
import type { GroupCallSession } from "../../src/session/group_call_session.ts";
import { localSession } from "./local_session.ts";

function states(session: GroupCallSession): string[] {
  const seen: string[] = [];
  session.onStateChange((state, info) => seen.push(`${state}:${info.reason}`));
  return seen;
}

test(
  "session e2e: duplicate SSRC is retried with a new payload and audio arrives",
  async () => {
    const local = await localSession(-1002000000001n);
    try {
      const { server } = local;
      server.telegram.failNextJoins("GROUPCALL_SSRC_DUPLICATE_MUCH", 2);
      const session = await local.join();
      assert.equal(session.state, "connected");
      const joins = server.telegram.requests
        .filter((r) => r.method === "joinGroupCall")
        .map((r) => JSON.parse((r.args as JoinGroupCallRequest).params));
      assert.equal(joins.length, 3);
      assert.equal(new Set(joins.map((j) => j.ssrc)).size, 3);
      assert.equal(new Set(joins.map((j) => j.ufrag)).size, 3);
      assert.equal(session.source, joins[2].ssrc >>> 0);
      await session.play(local.ramp());
      await server.waitFor(() => local.packets(session.source) >= 50, 6000);
      await session.leave();
    } finally {
      await local.close();
    }
  },
  { timeout: 60_000 },
);

test(
  "session e2e: GROUPCALL_FORBIDDEN re-resolves the call and joins",
  async () => {
    const local = await localSession(-1002000000002n);
    try {
      const { server } = local;
      server.telegram.failNextJoins("GROUPCALL_FORBIDDEN", 1, 403);
      const session = await local.join();
      assert.equal(session.state, "connected");
      const methods = server.telegram.requests.map((r) => r.method);
      assert.deepEqual(methods.slice(0, 4), [
        "getGroupCall",
        "joinGroupCall",
        "getGroupCall",
        "joinGroupCall",
      ]);
      await session.leave();
    } finally {
      await local.close();
    }
  },
  { timeout: 60_000 },
);

test(
  "session e2e: stream mode listens, allowSpeaking rejoins and audio arrives",
  async () => {
    const local = await localSession(-1002000000003n);
    try {
      const { server, chatId } = local;
      server.telegram.setStreamMode(chatId, true);
      const session = await local.join();
      const seen = states(session);
      assert.equal(session.state, "listening");
      assert.equal(local.client.calls().size, 0);
      const listener = session.source;
      await session.play(local.ramp()); // remembered until we may speak
      server.telegram.allowSpeaking(chatId);
      await server.waitFor(() => session.state === "connected", 10_000);
      assert.notEqual(session.source, listener);
      assert.deepEqual(seen, ["rejoining:can_speak", "connected:joined"]);
      await server.waitFor(() => local.packets(session.source) >= 50, 6000);
      await session.leave();
    } finally {
      await local.close();
    }
  },
  { timeout: 60_000 },
);

test("session e2e: kicked by the SFU → rejoined, audio resumes", async () => {
  const local = await localSession(-1002000000004n);
  try {
    const { server, chatId } = local;
    const session = await local.join();
    const seen = states(session);
    await session.play(local.ramp());
    const first = session.source!;
    await server.waitFor(() => local.packets(first) >= 50, 6000);
    assert.equal(await server.telegram.kickSelf(chatId), true);
    await server.waitFor(
      () => session.state === "connected" && session.source !== first,
      10_000,
      "rejoined",
    );
    assert.deepEqual(seen, ["rejoining:kicked", "connected:joined"]);
    await server.waitFor(() => local.packets(session.source) >= 50, 6000);
    await session.leave();
  } finally {
    await local.close();
  }
}, { timeout: 60_000 });

test(
  "session e2e: joined from another device → stopped, nothing sent on leave",
  async () => {
    const local = await localSession(-1002000000005n);
    try {
      const { server, chatId } = local;
      const session = await local.join();
      const seen = states(session);
      await server.telegram.joinFromAnotherDevice(chatId);
      await server.waitFor(() => session.state === "stopped", 5000);
      assert.equal(session.stopReason?.kind, "joined_elsewhere");
      assert.ok(session.stopReason?.error instanceof JoinedElsewhereError);
      await session.leave();
      assert.equal(
        server.telegram.requests.filter((r) => r.method === "leaveGroupCall")
          .length,
        0,
      );
      assert.deepEqual(seen, ["stopped:joined_elsewhere"]);
      assert.equal(local.client.calls().size, 0);
    } finally {
      await local.close();
    }
  },
  { timeout: 60_000 },
);

test(
  "session e2e: the call is discarded → stopped with CallDiscardedError",
  async () => {
    const local = await localSession(-1002000000006n);
    try {
      const { server, chatId } = local;
      const session = await local.join();
      await session.play(local.ramp());
      await server.telegram.discard(chatId);
      await server.waitFor(() => session.state === "stopped", 5000);
      assert.equal(session.stopReason?.kind, "discarded");
      assert.ok(session.stopReason?.error instanceof CallDiscardedError);
      assert.equal(local.client.calls().size, 0);
      await session.leave();
    } finally {
      await local.close();
    }
  },
  { timeout: 60_000 },
);

test(
  "session e2e: leave sends our source and the participant goes away",
  async () => {
    const local = await localSession(-1002000000007n);
    try {
      const { server } = local;
      const session = await local.join();
      await session.play(local.ramp());
      await server.waitFor(() => local.packets(session.source) >= 25, 6000);
      const call = session.call;
      const source = session.source;
      await session.leave();
      await session.leave();
      const leaves = server.telegram.requests.filter((r) =>
        r.method === "leaveGroupCall"
      );
      assert.deepEqual(leaves.map((r) => r.args), [{ call, source }]);
      assert.equal(server.participants().length, 0);
      assert.equal(local.client.calls().size, 0);
      assert.deepEqual(session.stopReason, { kind: "left" });
    } finally {
      await local.close();
    }
  },
  { timeout: 60_000 },
);
