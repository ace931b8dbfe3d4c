/**
 * Issue #13: a send the OS refuses is counted — in the socket's
 * `stats.sendErrors` and in the counter the sender passed (a call's
 * `stats(chatId).transport.sendErrors`) — and never thrown, whether the
 * runtime reports it at once (Bun, a synchronous throw) or later (a
 * `node:dgram` callback, a rejected `Deno.DatagramConn.send` promise).
 *
 * The refusals: a datagram to the IPv4 broadcast address from a socket
 * without SO_BROADCAST, which Linux answers with EACCES (`node:dgram`,
 * Bun; Deno's own sockets set SO_BROADCAST), and one to port 0, which
 * Linux answers with EINVAL (Deno) and Node and Bun refuse before the
 * system call.
 */
import assert from "node:assert/strict";
import { defaultUdpBackend } from "../../src/runtime/udp.ts";
import { bindUdp, type UdpBackend } from "../../src/runtime/udp.ts";
import { bindDatagramPort } from "../../src/transport/datagram_port.ts";
import { UdpMux } from "../../src/transport/udp_mux.ts";
import { test } from "../_support/harness.ts";

const BROADCAST = "255.255.255.255";
/** A destination this backend's OS or runtime refuses: [address, port]. */
const refused = (backend: UdpBackend): [string, number] =>
  backend === "deno" ? ["127.0.0.1", 0] : [BROADCAST, 9];
const backends: UdpBackend[] = [
  ...new Set([defaultUdpBackend(), "node" as const]),
];

/** Lets asynchronous send completions run. */
async function settle(until: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !until(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

for (const backend of backends) {
  test(`udp/${backend}: a refused send is counted in sendErrors and the sender's counter, never thrown`, async () => {
    const errors: unknown[] = [];
    const socket = await bindUdp({
      backend,
      address: "0.0.0.0",
      onMessage: () => {},
      onError: (error) => errors.push(error),
    });
    try {
      const counter = { sendErrors: 0 };
      const data = new Uint8Array(64).fill(0x80);
      const [address, port] = refused(backend);
      for (let i = 0; i < 3; i++) {
        socket.send(data, port, address, 40, counter);
      }
      await settle(() => socket.stats.sendErrors >= 3);
      assert.equal(socket.stats.sendErrors, 3);
      assert.equal(counter.sendErrors, 3);
      assert.equal(socket.stats.dropped, 0, "an error is not back-pressure");
      // The socket still works afterwards.
      const echo = await bindUdp({
        backend,
        address: "127.0.0.1",
        onMessage: () => {},
      });
      try {
        assert.equal(socket.send(data, echo.port, "127.0.0.1"), true);
        await settle(() => echo.stats.received === 1);
        assert.equal(echo.stats.received, 1);
      } finally {
        await echo.close();
      }
      assert.deepEqual(errors, []);
    } finally {
      await socket.close();
    }
  });
}

test("udp: a call's port, own or shared, counts its refused sends in its own stats", async () => {
  const own = await bindDatagramPort({
    networkTypes: ["udp4"],
    onMessage: () => {},
  });
  const mux = await UdpMux.open({ networkTypes: ["udp4"] });
  const shared = mux.attach({
    ufrag: "errors",
    remotes: [{ address: "127.0.0.1", port: 9 }],
    onMessage: () => {},
  })!;
  try {
    const a = { sendErrors: 0 }, b = { sendErrors: 0 };
    const data = new Uint8Array(100).fill(0x80);
    own.send(data, "127.0.0.1", 0, 60, a);
    shared.send(data, "127.0.0.1", 0, 60, b);
    shared.send(data, "127.0.0.1", 0, 60, b);
    await settle(() => a.sendErrors === 1 && b.sendErrors === 2);
    assert.deepEqual([a.sendErrors, b.sendErrors], [1, 2]);
  } finally {
    await own.close();
    await shared.close();
    await mux.close();
  }
});
