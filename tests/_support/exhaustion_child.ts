/**
 * The client side of the fd-exhaustion test, run by
 * tests/client/exhaustion_test.ts in a child process under
 * `ulimit -n 256`: one client with a socket per call (no shared mux) makes
 * `TGCALL_CALLS` calls (default 300). Each join payload goes out on stdout
 * as a JSON line and the answer (from a libdatachannel peer in the parent,
 * whose descriptors do not count against this limit) comes back on stdin.
 * Prints a JSON report line prefixed `REPORT ` before exiting.
 *
 * @module
 */

import process from "node:process";
import { createInterface } from "node:readline";
import { Client } from "../../mod.ts";
import { TgCallError } from "../../src/errors.ts";
import { openResources } from "../../src/runtime/resources.ts";
import { openFds } from "../../soak/probes.ts";

const calls = Number(process.env.TGCALL_CALLS ?? 300);
const answers = new Map<number, (answer: string) => void>();
createInterface({ input: process.stdin }).on("line", (line) => {
  const { chat, answer } = JSON.parse(line);
  answers.get(chat)?.(answer);
});
/** Sends `offer` to the parent; resolves with its peer's answer. */
const ask = (chat: number, offer: string): Promise<string> => {
  const answered = new Promise<string>((r) => answers.set(chat, r));
  process.stdout.write(JSON.stringify({ chat, offer }) + "\n");
  return answered;
};

const states = () => [...client.calls().values()].map((c) => c.state);
/** Waits until no call is still connecting (dead ones drop out). */
async function waitSettled(): Promise<void> {
  while (states().some((s) => s !== "connected")) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The last debug lines logged about each chat: when a call that got its
 * socket never connects, the report says what its transport went through.
 */
const logged = new Map<number, string[]>();
const keep = (message: unknown, ...rest: unknown[]) => {
  const chat = /^call (\d+):/.exec(String(message))?.[1];
  if (chat === undefined) return;
  const lines = logged.get(Number(chat)) ?? [];
  const detail = rest.map((r) =>
    JSON.stringify(
      r,
      (_, v) => v instanceof Error ? `${v.name}: ${v.message}` : v,
    )
  );
  lines.push([message, ...detail].join(" ").slice(0, 300));
  logged.set(Number(chat), lines.slice(-4));
};
const client = await Client.create({
  networkTypes: ["udp4"],
  bindAddress: { udp4: "127.0.0.1" },
  connectTimeoutMs: 60_000,
  debugLogs: true,
  verboseConnectionLogs: true,
  logger: { debug: keep, info: keep, warn: keep, error: keep },
});
// One call first: the runtime opens a few descriptors for good on first
// use of UDP and crypto, which are not the calls' to give back.
await client.connect(0, await ask(0, await client.createCall(0)));
await waitSettled();
await client.stop(0);
const baselineFds = openFds();
const transitions: Record<string, number> = {};
client.onConnectionChange((_, { state }) => {
  transitions[state] = (transitions[state] ?? 0) + 1;
});
const errors: Record<string, number> = {};
let untyped = 0;
const bound: number[] = [];
// In waves, as a bot restarting with many chats would pace its joins: a
// few hundred DTLS handshakes at once starve a small host.
const WAVE = 25;
for (let first = 1; first <= calls; first += WAVE) {
  const wave = Math.min(WAVE, calls - first + 1);
  await Promise.all(Array.from({ length: wave }, async (_, i) => {
    const chat = first + i;
    try {
      const answer = await ask(chat, await client.createCall(chat));
      await client.connect(chat, answer);
      bound.push(chat);
    } catch (error) {
      if (error instanceof TgCallError) {
        const key = `${error.name}/${error.code}`;
        errors[key] = (errors[key] ?? 0) + 1;
      } else {
        untyped++;
        console.error("untyped", error);
      }
    }
  }));
  await waitSettled();
}

// A failed connect must leave nothing bound and no call registered.
const socketsAfterCalls = openResources().udpSockets;
const registered = client.calls().size;
await waitSettled();
const connected = states().filter((s) => s === "connected").length;
const live = client.calls();
/** Calls that got a socket but are not connected: what they logged. */
const unconnected: Record<number, string[]> = {};
for (const chat of bound) {
  if (live.get(chat)?.state !== "connected") {
    unconnected[chat] = logged.get(chat) ?? [];
  }
}
const notConnected: Record<string, number> = {};
for (const chat of bound) {
  await client.stop(chat).catch((error) => {
    const key = error instanceof TgCallError ? error.code : String(error);
    notConnected[key] = (notConnected[key] ?? 0) + 1;
  });
}
const fdsAfterStop = openFds();
await client.close();
const report = {
  calls,
  baselineFds,
  bound: bound.length,
  connected,
  notConnected,
  unconnected,
  transitions,
  errors,
  untyped,
  socketsAfterCalls,
  registered,
  fdsAfterStop,
  fdsAfterClose: openFds(),
  socketsAfterClose: openResources().udpSockets,
};
process.stdout.write(`REPORT ${JSON.stringify(report)}\n`);
process.exit(0);
