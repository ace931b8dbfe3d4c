/** The two-family datagram port: binding, routing sends by family, and IPv4-mapped addresses. */
import assert from "node:assert/strict";
import {
  bindDatagramPort,
  DEFAULT_NETWORK_TYPES,
  sameAddress,
  unmappedAddress,
} from "../../src/transport/datagram_port.ts";
import { test } from "../_support/harness.ts";

test("datagram port: IPv4-mapped addresses compare equal to their IPv4 form", () => {
  assert.equal(unmappedAddress("::ffff:10.0.0.1"), "10.0.0.1");
  assert.equal(unmappedAddress("10.0.0.1"), "10.0.0.1");
  assert.equal(unmappedAddress("2001:db8::1"), "2001:db8::1");
  assert.ok(sameAddress("10.0.0.1", "::ffff:10.0.0.1"));
  assert.ok(sameAddress("::ffff:10.0.0.1", "10.0.0.1"));
  assert.ok(sameAddress("::1", "::1"));
  assert.ok(!sameAddress("10.0.0.1", "10.0.0.2"));
  assert.deepEqual(DEFAULT_NETWORK_TYPES, ["udp4", "udp6"]);
});

test("datagram port: an IPv4 port sends to itself; IPv6 destinations are dropped without a socket", async () => {
  const got: { data: number; address: string }[] = [];
  let arrived!: () => void;
  const done = new Promise<void>((r) => arrived = r);
  const port = await bindDatagramPort({
    networkTypes: ["udp4"],
    bindAddress: { udp4: "127.0.0.1" },
    onMessage: (data, address) => {
      got.push({ data: data[0], address });
      arrived();
    },
  });
  try {
    assert.equal(port.localPorts.udp6, undefined);
    const p4 = port.localPorts.udp4!;
    assert.ok(p4 > 0);
    assert.equal(port.send(Uint8Array.of(9), "::1", p4), false);
    assert.equal(port.send(Uint8Array.of(7), "127.0.0.1", p4), true);
    await done;
    assert.deepEqual(got, [{ data: 7, address: "127.0.0.1" }]);
  } finally {
    await port.close();
  }
});

test("datagram port: no network type means no socket, and every send is dropped", async () => {
  const port = await bindDatagramPort({
    networkTypes: [],
    onMessage: () => {},
  });
  assert.deepEqual(port.localPorts, { udp4: undefined, udp6: undefined });
  assert.equal(port.send(Uint8Array.of(1), "127.0.0.1", 9), false);
  await port.close();
});
