import assert from "node:assert/strict";
import { SocketError } from "../../src/errors.ts";
import { runtimeName } from "../../src/runtime/detect.ts";
import {
  bindUdp,
  defaultUdpBackend,
  type IpFamily,
  type UdpBackend,
  type UdpSocket,
} from "../../src/runtime/udp.ts";
import { test } from "../_support/harness.ts";

/** Every backend this runtime can run: its default plus the node:dgram fallback. */
const backends: UdpBackend[] = [
  ...new Set([defaultUdpBackend(), "node" as const]),
];

const loopbacks: [IpFamily, string][] = [["IPv4", "127.0.0.1"], [
  "IPv6",
  "::1",
]];

interface Received {
  data: Uint8Array;
  address: string;
  port: number;
}

/** A socket that records what it receives and lets a test await a count. */
async function recorder(
  family: IpFamily,
  address: string,
  backend: UdpBackend,
  extra: { maxInFlight?: number } = {},
) {
  const got: Received[] = [];
  let want = 0;
  let wake: (() => void) | undefined;
  const socket = await bindUdp({
    family,
    address,
    backend,
    ...extra,
    onMessage(data, from, port) {
      got.push({ data: data.slice(), address: from, port });
      if (got.length >= want) wake?.();
    },
  });
  return {
    socket,
    got,
    waitFor(count: number, ms = 2000): Promise<void> {
      if (got.length >= count) return Promise.resolve();
      want = count;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`received ${got.length} of ${count}`)),
          ms,
        );
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
  };
}

for (const backend of backends) {
  for (const [family, address] of loopbacks) {
    test(`udp/${backend}: datagrams round-trip over ${address} with the sender's address`, async () => {
      const a = await recorder(family, address, backend);
      const b = await recorder(family, address, backend);
      try {
        assert.equal(a.socket.backend, backend);
        assert.equal(a.socket.family, family);
        assert.ok(a.socket.port > 0);
        const payload = new Uint8Array([0x80, 1, 2, 3, 255]);
        assert.equal(a.socket.send(payload, b.socket.port, address), true);
        // The caller owns its buffer again as soon as send returns.
        payload.fill(0);
        await b.waitFor(1);
        assert.deepEqual([...b.got[0].data], [0x80, 1, 2, 3, 255]);
        assert.equal(b.got[0].port, a.socket.port);
        assert.equal(b.got[0].address, address);
        // And back, to the address the datagram came from.
        b.socket.send(new Uint8Array([9]), b.got[0].port, b.got[0].address);
        await a.waitFor(1);
        assert.deepEqual([...a.got[0].data], [9]);
        assert.equal(a.socket.stats.sent, 1);
        assert.equal(b.socket.stats.received, 1);
      } finally {
        await a.socket.close();
        await b.socket.close();
      }
    });

    test(`udp/${backend}: sendMany delivers a burst over ${address}`, async () => {
      const a = await recorder(family, address, backend);
      const b = await recorder(family, address, backend);
      try {
        const packets = Array.from({ length: 16 }, (_, i) => {
          const p = new Uint8Array(1200);
          p.fill(i);
          return p;
        });
        // Only the first `count` entries are sent.
        assert.equal(
          a.socket.sendMany(packets, 10, b.socket.port, address),
          10,
        );
        await b.waitFor(10);
        const seen = b.got.map((r) => r.data[0]).sort((x, y) => x - y);
        assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert.ok(b.got.every((r) => r.data.length === 1200));
      } finally {
        await a.socket.close();
        await b.socket.close();
      }
    });
  }

  test(`udp/${backend}: a throwing handler is reported and the socket keeps receiving`, async () => {
    const errors: SocketError[] = [];
    let calls = 0;
    const socket = await bindUdp({
      address: "127.0.0.1",
      backend,
      onMessage() {
        calls++;
        if (calls === 1) throw new Error("boom");
      },
      onError: (error) => errors.push(error),
    });
    const sender = await recorder("IPv4", "127.0.0.1", backend);
    try {
      sender.socket.send(new Uint8Array([1]), socket.port, "127.0.0.1");
      sender.socket.send(new Uint8Array([2]), socket.port, "127.0.0.1");
      const deadline = Date.now() + 2000;
      while (calls < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.equal(calls, 2);
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof SocketError);
      assert.match(errors[0].message, /boom/);
    } finally {
      await socket.close();
      await sender.socket.close();
    }
  });

  test(`udp/${backend}: close is idempotent and send after close is refused`, async () => {
    const socket = await bindUdp({
      address: "127.0.0.1",
      backend,
      onMessage() {},
    });
    await Promise.all([socket.close(), socket.close()]);
    await socket.close();
    assert.equal(socket.send(new Uint8Array([1]), 9, "127.0.0.1"), false);
  });

  test(`udp/${backend}: binding an address this host does not own is a SocketError`, async () => {
    await assert.rejects(
      // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never a local address.
      bindUdp({ address: "192.0.2.1", backend, onMessage() {} }),
      (error: unknown) =>
        error instanceof SocketError && /192\.0\.2\.1/.test(error.message),
    );
  });
}

// The asynchronous backends bound their in-flight sends; Bun's are synchronous.
for (const backend of backends.filter((b) => b !== "bun")) {
  test(`udp/${backend}: in-flight sends are bounded and the excess is counted as dropped`, async () => {
    const sink = await recorder("IPv4", "127.0.0.1", backend);
    const socket = await bindUdp({
      address: "127.0.0.1",
      backend,
      maxInFlight: 4,
      onMessage() {},
    });
    try {
      const packet = new Uint8Array(100);
      let accepted = 0;
      for (let i = 0; i < 100; i++) {
        if (socket.send(packet, sink.socket.port, "127.0.0.1")) accepted++;
      }
      assert.equal(accepted, 4);
      assert.equal(socket.stats.dropped, 96);
      await sink.waitFor(4);
      // Once the sends complete their slabs are free again.
      assert.equal(socket.send(packet, sink.socket.port, "127.0.0.1"), true);
    } finally {
      await socket.close();
      await sink.socket.close();
    }
  });
}

if (backends.includes("deno")) {
  test("udp/deno: datagrams up to 4 KiB arrive whole, longer ones are dropped and counted", async () => {
    const a = await recorder("IPv4", "127.0.0.1", "deno");
    const b = await recorder("IPv4", "127.0.0.1", "deno");
    try {
      for (const n of [4097, 65000, 4096]) {
        a.socket.send(
          new Uint8Array(n).fill(n & 0xff),
          b.socket.port,
          "127.0.0.1",
        );
      }
      // Sends complete asynchronously, in any order: wait for all three.
      const deadline = Date.now() + 2000;
      while (b.socket.stats.received < 3 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(b.socket.stats.received, 3);
      assert.equal(b.socket.stats.dropped, 2);
      assert.deepEqual(b.got.map((r) => r.data.length), [4096]);
      assert.ok(b.got[0].data.every((x) => x === 0));
    } finally {
      await a.socket.close();
      await b.socket.close();
    }
  });
}

test("udp: the default backend matches the runtime", () => {
  const expected: Record<string, UdpBackend[]> = {
    bun: ["bun"],
    node: ["node"],
    // Deno uses Deno.listenDatagram under --unstable-net, node:dgram otherwise.
    deno: ["deno", "node"],
  };
  assert.ok(expected[runtimeName].includes(defaultUdpBackend()));
});

test("udp: a socket bound to the IPv6 wildcard reports its family", async () => {
  let socket: UdpSocket | undefined;
  try {
    socket = await bindUdp({ family: "IPv6", onMessage() {} });
    assert.equal(socket.family, "IPv6");
  } finally {
    await socket?.close();
  }
});
