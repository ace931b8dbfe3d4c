/** The shared UDP mux: routing by remote address, by STUN USERNAME for unknown addresses, and the fallback on collisions. */
import assert from "node:assert/strict";
import { UdpMux } from "../../src/transport/udp_mux.ts";
import { bindUdp } from "../../src/runtime/udp.ts";
import { encodeStunMessage } from "../../src/stun/message.ts";
import { StunClass, StunMethod } from "../../src/stun/header.ts";
import { stunUsernameHead } from "../../src/stun/username.ts";
import { test } from "../_support/harness.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("udp mux: datagrams reach the call that owns the remote address; unknown STUN goes by ufrag", async () => {
  const mux = await UdpMux.open({
    networkTypes: ["udp4"],
    bindAddress: { udp4: "127.0.0.1" },
  });
  const got: Record<string, number[]> = { a: [], b: [] };
  const sfuA = await bindUdp({ address: "127.0.0.1", onMessage: () => {} });
  const sfuB = await bindUdp({ address: "127.0.0.1", onMessage: () => {} });
  const stranger = await bindUdp({ address: "127.0.0.1", onMessage: () => {} });
  try {
    const a = mux.attach({
      ufrag: "ufA1",
      remotes: [{ address: "127.0.0.1", port: sfuA.port }],
      onMessage: (d) => void got.a.push(d[0]),
    })!;
    const b = mux.attach({
      ufrag: "ufB1",
      remotes: [{ address: "127.0.0.1", port: sfuB.port }],
      onMessage: (d) => void got.b.push(d[0]),
    })!;
    assert.ok(a && b);
    const port = mux.localPorts.udp4!;
    sfuA.send(new Uint8Array([0x80, 1]), port, "127.0.0.1");
    sfuB.send(new Uint8Array([0x81, 1]), port, "127.0.0.1");
    // A Binding request from an address nobody registered, naming call B's ufrag.
    const request = encodeStunMessage({
      method: StunMethod.Binding,
      class: StunClass.Request,
      transactionId: new Uint8Array(12),
      username: "ufB1:remote",
    });
    assert.equal(stunUsernameHead(request), "ufB1");
    // Not STUN and from an unknown address: nobody's.
    stranger.send(new Uint8Array([0x80, 2]), port, "127.0.0.1");
    await sleep(100);
    assert.equal(mux.unrouted, 1);
    stranger.send(request, port, "127.0.0.1");
    await sleep(100);
    assert.deepEqual(got.a, [0x80]);
    assert.deepEqual(got.b.slice(0, 2), [0x81, request[0]]);
    // The stranger's address was learned for B by its STUN.
    stranger.send(new Uint8Array([0x82]), port, "127.0.0.1");
    await sleep(50);
    assert.deepEqual(got.b, [0x81, request[0], 0x82]);
    // A third call to SFU A's address cannot share the socket.
    assert.equal(
      mux.attach({
        ufrag: "ufC1",
        remotes: [{ address: "127.0.0.1", port: sfuA.port }],
        onMessage: () => {},
      }),
      undefined,
    );
    await a.close();
    assert.ok(
      mux.attach({
        ufrag: "ufC1",
        remotes: [{ address: "127.0.0.1", port: sfuA.port }],
        onMessage: () => {},
      }),
    );
    assert.equal(mux.size, 2);
  } finally {
    await Promise.all([
      mux.close(),
      sfuA.close(),
      sfuB.close(),
      stranger.close(),
    ]);
  }
});

test("udp mux: every call's packet of one scheduler pass leaves, 2,000 calls at once", async () => {
  // On Deno and Node no send completes before the task that made it ends,
  // so a shared socket holds a whole pass in flight: at a call socket's
  // bound of 256, 1,744 of these would be dropped.
  const mux = await UdpMux.open({
    networkTypes: ["udp4"],
    bindAddress: { udp4: "127.0.0.1" },
  });
  let received = 0;
  // Eight sinks of 250 each: one kernel receive buffer holds some 270
  // small datagrams while this task keeps the event loop from reading.
  const sinks = await Promise.all(
    Array.from(
      { length: 8 },
      () => bindUdp({ address: "127.0.0.1", onMessage: () => void received++ }),
    ),
  );
  try {
    // Only sends matter here: the calls register no remote to route from.
    const calls = Array.from(
      { length: 2000 },
      (_, i) =>
        mux.attach({ ufrag: `pass${i}`, remotes: [], onMessage: () => {} })!,
    );
    const packet = new Uint8Array(160).fill(0x80, 0, 1);
    let accepted = 0;
    calls.forEach((call, i) => {
      if (call.send(packet, "127.0.0.1", sinks[i % 8].port, 160)) accepted++;
    });
    assert.equal(accepted, 2000);
    assert.equal(mux.socketStats.dropped, 0);
    for (let waited = 0; received < 2000 && waited < 2000; waited += 50) {
      await sleep(50);
    }
    // Far more than 256 arrived: the accepted sends really left.
    assert.ok(received >= 1800, `received ${received} of 2000`);
    assert.equal(mux.socketStats.sent, 2000);
  } finally {
    await Promise.all([mux.close(), ...sinks.map((s) => s.close())]);
  }
});
