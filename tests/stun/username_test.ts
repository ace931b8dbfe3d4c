/** The USERNAME peek a shared socket routes unknown STUN requests by. */
import assert from "node:assert/strict";
import { encodeStunMessage } from "../../src/stun/message.ts";
import { StunClass, StunMethod } from "../../src/stun/header.ts";
import { stunUsernameHead } from "../../src/stun/username.ts";
import { test } from "../_support/harness.ts";

test("stun username: the head before the colon, after other attributes", () => {
  const request = encodeStunMessage({
    method: StunMethod.Binding,
    class: StunClass.Request,
    transactionId: new Uint8Array(12),
    priority: 1,
    iceControlling: 2n,
    username: "local:remote",
  }, { integrityKey: new Uint8Array(16), fingerprint: true });
  assert.equal(stunUsernameHead(request), "local");
});

test("stun username: absent, or without a colon, is undefined", () => {
  const bare = encodeStunMessage({
    method: StunMethod.Binding,
    class: StunClass.Request,
    transactionId: new Uint8Array(12),
    priority: 1,
  });
  assert.equal(stunUsernameHead(bare), undefined);
  const noColon = encodeStunMessage({
    method: StunMethod.Binding,
    class: StunClass.Request,
    transactionId: new Uint8Array(12),
    username: "nocolon",
  });
  assert.equal(stunUsernameHead(noColon), undefined);
});

/** Where `needle` starts in `data` at or after `from`, or -1. */
function indexOfBytes(
  data: Uint8Array,
  needle: number[],
  from: number,
): number {
  for (let i = from; i + needle.length <= data.length; i++) {
    if (needle.every((b, j) => data[i + j] === b)) return i;
  }
  return -1;
}

test("stun username: never throws on garbage; a head it returns is in the datagram's attributes, before a colon", () => {
  for (let n = 0; n < 2000; n++) {
    const data = crypto.getRandomValues(new Uint8Array(20 + (n % 60)));
    data[0] = 0;
    const head = stunUsernameHead(data);
    if (head === undefined) continue;
    const needle = [...head].map((c) => c.charCodeAt(0)).concat(0x3a);
    // Past the header and a 4-byte attribute header at the least.
    assert.ok(indexOfBytes(data, needle, 24) >= 24, JSON.stringify(head));
  }
});

test("stun username: a USERNAME first in otherwise random attributes is found whatever follows", () => {
  for (let n = 0; n < 500; n++) {
    const head = `u${n}`;
    const value = new TextEncoder().encode(`${head}:peer`);
    const data = crypto.getRandomValues(new Uint8Array(40 + (n % 60)));
    data.set([0x00, 0x01, 0, data.length - 20], 0);
    data.set([0x00, 0x06, 0, value.length, ...value], 20);
    assert.equal(stunUsernameHead(data), head);
    // A length field that cuts the value short hides it.
    data[3] = 4 + value.length - 1;
    assert.equal(stunUsernameHead(data), undefined);
  }
});
