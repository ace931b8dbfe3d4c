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

test("stun username: never throws on garbage", () => {
  for (let n = 0; n < 2000; n++) {
    const data = crypto.getRandomValues(new Uint8Array(20 + (n % 60)));
    data[0] = 0;
    const r = stunUsernameHead(data);
    assert.ok(r === undefined || typeof r === "string");
  }
});
