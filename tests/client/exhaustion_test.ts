/**
 * File-descriptor exhaustion (#13): under `ulimit -n 256`, 300 calls with a
 * socket each — the calls that fit connect, the rest get a typed
 * SocketLimitError, none is left half-open (no socket bound, nothing
 * registered for a failed call), and every descriptor comes back after
 * stop. The client runs in a child process (the limit is per process);
 * its libdatachannel peers run here.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { LibdatachannelPeer } from "../../src/testing/libdatachannel_peer.ts";
import { test } from "../_support/harness.ts";

const here = dirname(fileURLToPath(import.meta.url));
const compiled = import.meta.url.endsWith(".js");

function childCommand(): string[] {
  const script = join(
    here,
    `../_support/exhaustion_child.${compiled ? "js" : "ts"}`,
  );
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  if (deno) return [deno.execPath(), "run", "-A", "--unstable-net", script];
  return [process.execPath, script];
}

test(
  "client: 300 calls under ulimit -n 256 either connect or fail typed, none half-open",
  async () => {
    const child = spawn(
      "sh",
      ["-c", 'ulimit -n 256 && exec "$0" "$@"', ...childCommand()],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    const exited = new Promise<number | null>((r) => child.on("close", r));
    const peers: LibdatachannelPeer[] = [];
    let report: Record<string, unknown> | undefined;
    try {
      for await (const line of createInterface({ input: child.stdout! })) {
        if (line.startsWith("REPORT ")) {
          report = JSON.parse(line.slice(7));
          break;
        }
        const { chat, offer } = JSON.parse(line);
        // Answered concurrently: each peer gathers on its own.
        void LibdatachannelPeer.answer(offer, { keepReceived: false }).then(
          (peer) => {
            peers.push(peer);
            child.stdin!.write(
              JSON.stringify({ chat, answer: peer.answerJson }) + "\n",
            );
          },
        );
      }
    } finally {
      child.stdin!.end();
      assert.equal(await exited, 0, "child exit status");
      await Promise.all(peers.map((p) => p.close()));
      LibdatachannelPeer.releaseIfIdle();
    }
    console.log("exhaustion:", JSON.stringify(report));
    assert.ok(report);
    const r = report as {
      calls: number;
      bound: number;
      connected: number;
      unconnected: Record<string, string[]>;
      errors: Record<string, number>;
      untyped: number;
      baselineFds: number;
      socketsAfterCalls: number;
      registered: number;
      fdsAfterStop: number;
      fdsAfterClose: number;
      socketsAfterClose: number;
    };
    assert.equal(r.untyped, 0, "every failure is a TgCallError");
    const failed = Object.values(r.errors).reduce((a, b) => a + b, 0);
    assert.equal(r.bound + failed, r.calls);
    assert.ok(r.bound >= 100, `only ${r.bound} calls fit`);
    assert.ok(failed > 0, "the limit was reached");
    assert.deepEqual(Object.keys(r.errors), ["SocketLimitError/SOCKET_LIMIT"]);
    assert.equal(
      r.connected,
      r.bound,
      `every call that got a socket connects; the others logged: ${
        JSON.stringify(r.unconnected).slice(0, 1200)
      }`,
    );
    assert.equal(r.socketsAfterCalls, r.bound, "no socket for a failed call");
    assert.equal(r.registered, r.bound, "no failed call left registered");
    // Deno's runtime opens and closes a descriptor of its own now and then
    // (24 → 25 in one run, 26 → 25 in another); a per-call leak would be
    // counted in hundreds.
    assert.ok(
      r.fdsAfterStop <= r.baselineFds + 1,
      `fds ${r.baselineFds} → ${r.fdsAfterStop} after stop`,
    );
    assert.ok(r.fdsAfterClose <= r.baselineFds + 1);
    assert.equal(r.socketsAfterClose, 0);
  },
  { timeout: 120_000 },
);
