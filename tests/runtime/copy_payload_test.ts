import assert from "node:assert/strict";
import { copyPayload } from "../../src/runtime/copy_payload.ts";
import {
  bindUdp,
  defaultUdpBackend,
  type UdpBackend,
} from "../../src/runtime/udp.ts";
import { test } from "../_support/harness.ts";

function pattern(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
}

test("copy_payload: a source that fits the room lands whole, nothing outside the room is touched", () => {
  const src = pattern(1564, 1);
  const dst = new Uint8Array(3 * 2048).fill(0xee);
  copyPayload(dst, 2048, 2048, src, 1194);
  assert.deepEqual(dst.subarray(2048, 2048 + 1194), src.subarray(0, 1194));
  assert.ok(dst.subarray(0, 2048).every((b) => b === 0xee));
  assert.ok(dst.subarray(4096).every((b) => b === 0xee));
});

test("copy_payload: a source larger than the room copies exactly length bytes", () => {
  const src = pattern(4000, 2);
  const dst = new Uint8Array(3 * 2048).fill(0xee);
  copyPayload(dst, 2048, 2048, src, 300);
  assert.deepEqual(dst.subarray(2048, 2348), src.subarray(0, 300));
  assert.ok(dst.subarray(2348).every((b) => b === 0xee));
  assert.ok(dst.subarray(0, 2048).every((b) => b === 0xee));
});

test("copy_payload: zero length and an exact-length source", () => {
  const dst = new Uint8Array(64).fill(0xee);
  copyPayload(dst, 0, 64, new Uint8Array(0), 0);
  assert.ok(dst.every((b) => b === 0xee));
  copyPayload(dst, 10, 54, pattern(54, 3), 54);
  assert.deepEqual(dst.subarray(10), pattern(54, 3));
});

const backends: UdpBackend[] = [
  ...new Set([defaultUdpBackend(), "node" as const]),
];

for (const backend of backends) {
  for (const batchSends of [false, true]) {
    test(`copy_payload/${backend}${batchSends ? " batched" : ""}: prefixes of one reused packet buffer arrive at their own lengths and contents`, async () => {
      const got: Uint8Array[] = [];
      const rx = await bindUdp({
        address: "127.0.0.1",
        backend,
        onMessage: (d) => got.push(d.slice()),
      });
      const tx = await bindUdp({
        address: "127.0.0.1",
        backend,
        batchSends,
        onMessage() {},
      });
      try {
        // A media packet buffer (slot-sized, as the video ring's): what
        // lies past each length must never be sent.
        const buffer = new Uint8Array(1564);
        const lengths = [1194, 1194, 60, 1500, 200, 1194, 1, 1564];
        const sent = lengths.map((n, i) => pattern(n, i));
        for (let i = 0; i < lengths.length; i++) {
          buffer.fill(0xaa);
          buffer.set(sent[i]);
          assert.equal(
            tx.send(buffer, rx.port, "127.0.0.1", lengths[i]),
            true,
          );
        }
        buffer.fill(0xee);
        const deadline = Date.now() + 3000;
        while (got.length < lengths.length && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 5));
        }
        assert.deepEqual(
          got.map((d) => d.length).sort((a, b) => a - b),
          [...lengths].sort((a, b) => a - b),
        );
        for (const d of got) {
          assert.ok(
            sent.some((p) =>
              p.length === d.length && p.every((b, j) => b === d[j])
            ),
            `a ${d.length}-byte datagram is not a prefix that was sent`,
          );
        }
      } finally {
        await tx.close();
        await rx.close();
      }
    });
  }
}
