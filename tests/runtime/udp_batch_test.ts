import assert from "node:assert/strict";
import {
  bindUdp,
  defaultUdpBackend,
  type SendErrorCounter,
  type UdpBackend,
  type UdpSocket,
} from "../../src/runtime/udp.ts";
import { test } from "../_support/harness.ts";

// `batchSends` changes when datagrams leave on Bun (at the end of the task,
// in one sendMany) and nothing elsewhere: every backend must pass these.
const backends: UdpBackend[] = [
  ...new Set([defaultUdpBackend(), "node" as const]),
];

/** A receiver on 127.0.0.1 that keeps copies of what arrives. */
async function sink(backend: UdpBackend) {
  const got: Uint8Array[] = [];
  const socket = await bindUdp({
    address: "127.0.0.1",
    backend,
    onMessage: (data) => got.push(data.slice()),
  });
  return { socket, got };
}

/** A sender with `batchSends` on 127.0.0.1. */
function batchingSender(backend: UdpBackend): Promise<UdpSocket> {
  return bindUdp({
    address: "127.0.0.1",
    backend,
    batchSends: true,
    onMessage() {},
  });
}

async function until(done: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function closeAll(...sockets: UdpSocket[]): Promise<void> {
  await Promise.all(sockets.map((s) => s.close()));
}

for (const backend of backends) {
  test(`udp/${backend}: a batching socket delivers a burst intact and in order although the caller reuses its buffer`, async () => {
    const rx = await sink(backend);
    const tx = await batchingSender(backend);
    try {
      // 100 datagrams: more than one batch, lengths changing from one to
      // the next, and one too large for a batch slot in the middle (small
      // enough in all that the receiver's buffer holds them until it reads).
      const lengths = Array.from(
        { length: 100 },
        (_, i) => i === 70 ? 3000 : 20 + (i * 97) % 480,
      );
      const buffer = new Uint8Array(4000);
      for (let i = 0; i < lengths.length; i++) {
        buffer.fill(i & 0xff);
        buffer[0] = i;
        assert.equal(
          tx.send(buffer, rx.socket.port, "127.0.0.1", lengths[i]),
          true,
        );
      }
      buffer.fill(0xee); // must not reach any datagram
      if (backend === "bun") {
        // Held until the task ends: the first 64 left when the batch was
        // full, 6 more with the large datagram, the rest after this task.
        assert.ok(tx.stats.sent < lengths.length, `sent ${tx.stats.sent}`);
      }
      await until(() => rx.got.length === lengths.length);
      assert.equal(tx.stats.sent, lengths.length);
      // Bun sends in order; Deno's and Node's sends complete in any order.
      const got = backend === "bun"
        ? rx.got
        : [...rx.got].sort((a, b) => a[0] - b[0]);
      assert.deepEqual(got.map((d) => d.length), lengths);
      for (let i = 0; i < lengths.length; i++) {
        assert.equal(got[i][0], i);
        assert.ok(
          got[i].subarray(1).every((x) => x === (i & 0xff)),
          `datagram ${i} was overwritten`,
        );
      }
    } finally {
      await closeAll(tx, rx.socket);
    }
  });

  test(`udp/${backend}: a datagram refused inside a batch counts on its own sender and the others arrive`, async () => {
    const rx = await sink(backend);
    const tx = await batchingSender(backend);
    const good: SendErrorCounter = { sendErrors: 0 };
    const bad: SendErrorCounter = { sendErrors: 0 };
    try {
      const packet = new Uint8Array(100);
      tx.send(packet, rx.socket.port, "127.0.0.1", 100, good);
      // The limited broadcast address without SO_BROADCAST: EACCES from
      // sendmmsg(2) at the second datagram. Deno's sockets set
      // SO_BROADCAST; Linux refuses port 0 there (EINVAL).
      if (backend === "deno") tx.send(packet, 0, "127.0.0.1", 100, bad);
      else tx.send(packet, 9, "255.255.255.255", 100, bad);
      tx.send(packet, rx.socket.port, "127.0.0.1", 100, good);
      await until(() => rx.got.length === 2 && tx.stats.sendErrors === 1);
      assert.equal(bad.sendErrors, 1);
      assert.equal(good.sendErrors, 0);
      // Deno and Node count a send as handed over before it fails.
      if (backend === "bun") assert.equal(tx.stats.sent, 2);
    } finally {
      await closeAll(tx, rx.socket);
    }
  });

  test(`udp/${backend}: closing a batching socket sends what waits and nothing after`, async () => {
    const rx = await sink(backend);
    const tx = await batchingSender(backend);
    try {
      const packet = new Uint8Array([1, 2, 3]);
      tx.send(packet, rx.socket.port, "127.0.0.1");
      tx.send(packet, rx.socket.port, "127.0.0.1");
      await tx.close();
      assert.equal(tx.send(packet, rx.socket.port, "127.0.0.1"), false);
      await until(() => rx.got.length === 2);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(rx.got.length, 2);
    } finally {
      await closeAll(tx, rx.socket);
    }
  });
}
