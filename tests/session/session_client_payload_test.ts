/**
 * With a real Client: every retry after GROUPCALL_SSRC_DUPLICATE_MUCH sends
 * a fresh payload (SSRC, ICE ufrag/pwd, DTLS certificate), and a failed
 * join leaves no client call behind.
 */
import { strict as assert } from "node:assert";
import { test } from "../_support/harness.ts";
import { Client } from "../../src/client/client.ts";
import { TelegramRpcError } from "../../src/session/errors.ts";
import { joinGroupCall } from "../../src/session/group_call_session.ts";
import type { JoinGroupCallRequest } from "../../src/session/mtproto_adapter.ts";
import { ScriptedAdapter } from "./scripted_peers.ts";

test("session + Client: fresh SSRC, ufrag, pwd and certificate per retry", async () => {
  const client = await Client.create({ dtlsCertPool: 0 });
  try {
    const adapter = new ScriptedAdapter();
    adapter.failures = [
      ScriptedAdapter.rpc("GROUPCALL_SSRC_DUPLICATE_MUCH"),
      ScriptedAdapter.rpc("GROUPCALL_SSRC_DUPLICATE_MUCH"),
      ScriptedAdapter.rpc("JOIN_AS_PEER_INVALID"),
    ];
    await assert.rejects(
      joinGroupCall(client, adapter, -100777, { video: true }),
      (error: unknown) =>
        error instanceof TelegramRpcError &&
        error.telegramText === "JOIN_AS_PEER_INVALID",
    );
    const payloads = adapter.requests
      .filter((r) => r.method === "joinGroupCall")
      .map((r) => {
        const request = r.args as JoinGroupCallRequest;
        assert.equal(request.videoStopped, false);
        return JSON.parse(request.params);
      });
    assert.equal(payloads.length, 3);
    for (const key of ["ssrc", "ufrag", "pwd"]) {
      assert.equal(new Set(payloads.map((p) => p[key])).size, 3, key);
    }
    const fingerprints = payloads.map((p) => p.fingerprints[0].fingerprint);
    assert.equal(new Set(fingerprints).size, 3, "certificate");
    assert.ok(payloads.every((p) => Array.isArray(p["ssrc-groups"])));
    assert.equal(client.calls().size, 0);
  } finally {
    await client.close();
  }
});
