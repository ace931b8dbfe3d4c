/**
 * The controlling agent's behaviour (RFC 8445, RFC 7675) on a fake clock:
 * what its checks carry, how it answers checks, what it drops, and how
 * consent moves it to disconnected and failed.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { IceFailedError, TgCallError } from "../../src/errors.ts";
import { IceAgent, type IceState } from "../../src/ice/agent.ts";
import {
  decodeStunMessage,
  encodeStunMessage,
} from "../../src/stun/message.ts";
import {
  newTransactionId,
  StunClass,
  StunMethod,
} from "../../src/stun/header.ts";
import {
  verifyFingerprint,
  verifyMessageIntegrity,
} from "../../src/stun/integrity.ts";
import { fakeScheduler } from "../_support/fake_time.ts";
import { test } from "../_support/harness.ts";

const enc = new TextEncoder();
const LOCAL = { ufrag: "loca", pwd: "local-password-24-chars!" };
const REMOTE = { ufrag: "remo", pwd: "remote-password-24-char!" };

function setUp(
  candidates = [{
    address: "10.0.0.1",
    port: 1000,
    priority: 100,
    type: "host" as const,
    foundation: "1",
  }],
) {
  const time = fakeScheduler();
  const sent: { data: Uint8Array; address: string; port: number }[] = [];
  const states: IceState[] = [];
  const agent = new IceAgent({
    localUfrag: LOCAL.ufrag,
    localPwd: LOCAL.pwd,
    remoteUfrag: REMOTE.ufrag,
    remotePwd: REMOTE.pwd,
    remoteCandidates: candidates,
    scheduler: time.scheduler,
    send: (data, address, port) => {
      sent.push({ data, address, port });
      return true;
    },
    onStateChange: (s) => states.push(s),
  });
  /** The peer answers a check of ours. */
  const answer = (
    request: Uint8Array,
    from = { address: "10.0.0.1", port: 1000 },
  ) => {
    const m = decodeStunMessage(request);
    agent.handleStun(
      encodeStunMessage({
        method: StunMethod.Binding,
        class: StunClass.SuccessResponse,
        transactionId: m.transactionId,
        xorMappedAddress: { address: "192.0.2.7", port: 5555 },
      }, { integrityKey: enc.encode(REMOTE.pwd), fingerprint: true }),
      from.address,
      from.port,
    );
  };
  return { time, sent, states, agent, answer };
}

test("ice: checks carry USERNAME remote:local, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE, integrity and fingerprint", () => {
  const { time, sent, agent } = setUp();
  agent.start();
  time.advance(0);
  assert.equal(sent.length, 1);
  const m = decodeStunMessage(sent[0].data);
  assert.equal(m.method, StunMethod.Binding);
  assert.equal(m.class, StunClass.Request);
  assert.equal(m.username, "remo:loca");
  assert.ok(m.priority! > 0);
  // ICE-CONTROLLING carries the agent's tie-breaker: one 64-bit value for
  // every check it sends (RFC 8445 §7.1.1), which role conflicts compare.
  time.advance(50);
  const next = decodeStunMessage(sent[1].data);
  assert.notEqual(m.iceControlling, undefined);
  assert.ok(m.iceControlling! >= 0n && m.iceControlling! < 1n << 64n);
  assert.equal(next.iceControlling, m.iceControlling);
  assert.notDeepEqual(next.transactionId, m.transactionId);
  assert.equal(m.useCandidate, true);
  assert.equal(verifyMessageIntegrity(m, enc.encode(REMOTE.pwd)), true);
  assert.equal(verifyFingerprint(m), true);
  assert.deepEqual([sent[0].address, sent[0].port], ["10.0.0.1", 1000]);
  agent.close();
});

test("ice: checks are paced every Ta round-robin over candidates, highest priority first", () => {
  const { time, sent, agent } = setUp([
    {
      address: "10.0.0.1",
      port: 1,
      priority: 10,
      type: "host",
      foundation: "a",
    },
    {
      address: "10.0.0.2",
      port: 2,
      priority: 20,
      type: "host",
      foundation: "b",
    },
  ]);
  agent.start();
  time.advance(0);
  time.advance(50);
  time.advance(50);
  assert.deepEqual(sent.map((s) => s.port), [2, 1, 2]);
  agent.close();
});

test("ice: the first authenticated answer selects the pair; RTT is measured", () => {
  const { time, sent, states, agent, answer } = setUp();
  agent.start();
  time.advance(0);
  time.advance(7);
  answer(sent[0].data);
  assert.equal(agent.state, "connected");
  assert.deepEqual(states, ["checking", "connected"]);
  assert.equal(agent.selectedPair?.address, "10.0.0.1");
  assert.equal(agent.selectedPair?.rttMs, 7);
  agent.close();
  assert.equal(agent.state, "closed");
});

test("ice: answers keyed with the wrong password, from the wrong address or unsolicited are dropped", () => {
  const { time, sent, agent, answer } = setUp();
  agent.start();
  time.advance(0);
  const m = decodeStunMessage(sent[0].data);
  // Wrong key.
  agent.handleStun(
    encodeStunMessage(
      {
        method: StunMethod.Binding,
        class: StunClass.SuccessResponse,
        transactionId: m.transactionId,
      },
      { integrityKey: enc.encode("not-the-password"), fingerprint: true },
    ),
    "10.0.0.1",
    1000,
  );
  // Right key, wrong source.
  answer(sent[0].data, { address: "10.0.0.9", port: 1000 });
  // Unknown transaction.
  answer(
    encodeStunMessage({
      method: StunMethod.Binding,
      class: StunClass.Request,
      transactionId: newTransactionId(),
    }),
  );
  assert.equal(agent.state, "checking");
  assert.equal(agent.stats.dropped, 3);
  agent.close();
});

test("ice: a controlling peer whose tie-breaker is not larger than ours gets 487 Role Conflict; a larger one is answered", () => {
  const { time, sent, agent } = setUp();
  agent.start();
  time.advance(0);
  const ours = decodeStunMessage(sent[0].data).iceControlling!;
  const check = (iceControlling: bigint) => {
    sent.length = 0;
    agent.handleStun(
      encodeStunMessage({
        method: StunMethod.Binding,
        class: StunClass.Request,
        transactionId: newTransactionId(),
        username: "loca:remo",
        priority: 1,
        iceControlling,
      }, { integrityKey: enc.encode(LOCAL.pwd), fingerprint: true }),
      "10.0.0.1",
      1000,
    );
    return decodeStunMessage(sent[0].data);
  };
  for (const tieBreaker of [ours, ours > 0n ? ours - 1n : 0n]) {
    const conflict = check(tieBreaker);
    assert.equal(conflict.class, StunClass.ErrorResponse);
    assert.equal(conflict.errorCode?.code, 487);
  }
  assert.equal(agent.stats.requestsAnswered, 0);
  if (ours < (1n << 64n) - 1n) {
    assert.equal(check(ours + 1n).class, StunClass.SuccessResponse);
    assert.equal(agent.stats.requestsAnswered, 1);
  }
  agent.close();
});

test("ice: a peer's check is answered with XOR-MAPPED-ADDRESS, keyed with our password, and triggers a check back", () => {
  const { time, sent, agent } = setUp();
  agent.start();
  time.advance(0);
  sent.length = 0;
  const transactionId = newTransactionId();
  agent.handleStun(
    encodeStunMessage({
      method: StunMethod.Binding,
      class: StunClass.Request,
      transactionId,
      username: "loca:remo",
      priority: 1,
      iceControlled: 5n,
    }, { integrityKey: enc.encode(LOCAL.pwd), fingerprint: true }),
    "10.0.0.5",
    4242,
  );
  const response = decodeStunMessage(sent[0].data);
  assert.equal(response.class, StunClass.SuccessResponse);
  assert.deepEqual(response.transactionId, transactionId);
  assert.deepEqual(response.xorMappedAddress, {
    address: "10.0.0.5",
    port: 4242,
  });
  assert.equal(verifyMessageIntegrity(response, enc.encode(LOCAL.pwd)), true);
  // Peer-reflexive candidate: a triggered check goes straight back to it.
  const triggered = decodeStunMessage(sent[1].data);
  assert.equal(triggered.class, StunClass.Request);
  assert.deepEqual([sent[1].address, sent[1].port], ["10.0.0.5", 4242]);
  assert.equal(agent.stats.requestsAnswered, 1);
  agent.close();
});

test("ice: consent — silence for 5 s means disconnected, an answer restores connected, 30 s means failed", () => {
  const { time, sent, states, agent, answer } = setUp();
  agent.start();
  time.advance(0);
  answer(sent[0].data);
  agent.markEstablished();
  sent.length = 0;
  time.advance(4000);
  assert.equal(agent.state, "connected");
  assert.ok(sent.length >= 1, "keepalive checks are sent on the selected pair");
  time.advance(1600); // > 5 s since the last answer
  assert.equal(agent.state, "disconnected");
  answer(sent[sent.length - 1].data);
  assert.equal(agent.state, "connected");
  assert.equal(agent.failure, undefined);
  time.advance(31_000);
  assert.equal(agent.state, "failed");
  const failure: unknown = agent.failure; // read again after the advance
  assert.ok(failure instanceof IceFailedError);
  assert.ok(failure instanceof TgCallError);
  assert.equal(failure.code, "ICE_FAILED");
  assert.equal(failure.reason, "consent-lost");
  assert.deepEqual(states, [
    "checking",
    "connected",
    "disconnected",
    "connected",
    "disconnected",
    "failed",
  ]);
  // Failed stops every timer.
  const count = sent.length;
  time.advance(60_000);
  assert.equal(sent.length, count);
  agent.close();
});

test("ice: once DTLS is up the pair is checked every 2–3 s while answered, and an unanswered check is repeated every 500 ms", () => {
  const { time, sent, states, agent, answer } = setUp();
  agent.start();
  time.advance(0);
  answer(sent[0].data);
  // Before DTLS is up: every 2·Ta (100 ms), so a full ICE peer answers fast.
  sent.length = 0;
  time.advance(1000);
  assert.ok(sent.length >= 9, `${sent.length} checks before DTLS`);
  for (const s of sent) answer(s.data);
  agent.markEstablished();
  /** Steps 10 ms at a time; returns when each new check went out. */
  const run = (ms: number, answered: (at: number) => boolean) => {
    const times: number[] = [];
    for (let t = 0; t < ms; t += 10) {
      const before = sent.length;
      time.advance(10);
      for (let i = before; i < sent.length; i++) {
        times.push(time.now());
        if (answered(time.now())) answer(sent[i].data);
      }
    }
    return times;
  };
  const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]);
  // Answered: keepalives 2–3 s apart (after the one 2·Ta check in flight).
  const kept = run(12_000, () => true);
  assert.ok(kept.length >= 4 && kept.length <= 7, `${kept.length} checks`);
  for (const gap of gaps(kept.slice(1))) {
    assert.ok(gap >= 2000 && gap <= 3010, `keepalive gap ${gap} ms`);
  }
  // Three checks lost: each is repeated 500 ms later, then keepalives again.
  let lost = 0;
  const start = time.now();
  const retried = run(10_000, () => time.now() - start < 2000 || ++lost > 3);
  assert.equal(agent.state, "connected");
  const g = gaps(retried);
  const firstLost = retried.findIndex((t) => t - start >= 2000);
  assert.deepEqual(g.slice(firstLost, firstLost + 3), [500, 500, 500]);
  assert.ok(g[firstLost + 3] >= 2000, `back to keepalives: ${g}`);
  assert.deepEqual(states, ["checking", "connected"]);
  agent.close();
});

test("ice: no answer from any candidate for 30 s means failed", () => {
  const { time, states, agent } = setUp();
  agent.start();
  time.advance(29_000);
  assert.equal(agent.state, "checking");
  assert.equal(agent.failure, undefined);
  time.advance(2000);
  assert.equal(agent.state, "failed");
  const failure: unknown = agent.failure; // read again after the advance
  assert.ok(failure instanceof IceFailedError);
  assert.equal(failure.code, "ICE_FAILED");
  assert.equal(failure.reason, "no-response");
  assert.deepEqual(states, ["checking", "failed"]);
  agent.close();
});

test("ice: garbage datagrams never throw and are counted as dropped", () => {
  const { time, agent } = setUp();
  agent.start();
  time.advance(0);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      agent.handleStun(bytes, "10.0.0.1", 1000);
    }),
    { numRuns: 1000 },
  );
  assert.equal(agent.state, "checking");
  assert.ok(agent.stats.dropped > 0);
  agent.close();
});
