/**
 * Issue #13's hostile DTLS servers: our client against a scripted server
 * (tests/_support/hostile_dtls_server.ts) over real UDP on 127.0.0.1 that
 * misbehaves in one way per test. Each is refused with a typed
 * `DtlsError` (and, where one applies, the right fatal alert sent back)
 * before any keying material exists or any application data leaves,
 * within the connect timeout, with no timer left armed; the harness
 * fails a test that leaves a socket, timer or child behind.
 */
import assert from "node:assert/strict";
import { DtlsClient } from "../../src/dtls/client.ts";
import { generateCertificate } from "../../src/dtls/certificate.ts";
import { Alert, DtlsError } from "../../src/dtls/errors.ts";
import { ContentType, parseRecords } from "../../src/dtls/record.ts";
import { Scheduler } from "../../src/runtime/scheduler.ts";
import { bindUdp } from "../../src/runtime/udp.ts";
import {
  type HostileBehaviour,
  type HostileDtlsServer,
  startHostileDtlsServer,
} from "../_support/hostile_dtls_server.ts";
import { test } from "../_support/harness.ts";

/** The connect timeout the client runs with in these tests. */
const CONNECT_TIMEOUT_MS = 1500;

/** What the honest first half of every handshake looks like on the wire. */
const HELLOS = ["ClientHello", "ClientHello"];
const FLIGHT_5 = [
  ...HELLOS,
  "ClientKeyExchange",
  "ChangeCipherSpec",
  "Finished",
];

interface Run {
  server: HostileDtlsServer;
  client: DtlsClient;
  scheduler: Scheduler;
  error: unknown;
  elapsedMs: number;
  /** Content types of every record the client sent. */
  clientSent: number[];
}

/**
 * Runs one handshake against a server behaving as `behaviour`, hands the
 * outcome to `check`, then closes everything.
 */
async function against(
  behaviour: HostileBehaviour,
  check: (run: Run) => Promise<void> | void,
): Promise<void> {
  const server = await startHostileDtlsServer(behaviour);
  const scheduler = new Scheduler();
  const clientSent: number[] = [];
  let client: DtlsClient | undefined;
  const socket = await bindUdp({
    address: "127.0.0.1",
    onMessage: (data) => client?.handleDatagram(data),
  });
  try {
    client = new DtlsClient({
      certificate: generateCertificate(),
      remoteFingerprints: [{
        hash: "sha-256",
        fingerprint: server.certificate.fingerprint,
      }],
      handshakeTimeoutMs: CONNECT_TIMEOUT_MS,
      initialTimeoutMs: 250,
      maxTimeoutMs: 500,
      scheduler,
      send(datagram) {
        for (const r of parseRecords(datagram)) clientSent.push(r.type);
        socket.send(datagram, server.port, "127.0.0.1");
      },
    });
    const started = performance.now();
    client.start();
    const error = await client.connected.then(() => undefined, (e) => e);
    const elapsedMs = performance.now() - started;
    await check({ server, client, scheduler, error, elapsedMs, clientSent });
  } finally {
    client?.close();
    await socket.close();
    await server.close();
  }
}

/** Waits until the server has logged `count` events (or 1 s passes). */
async function eventsOf(
  server: HostileDtlsServer,
  count: number,
): Promise<string[]> {
  const deadline = performance.now() + 1000;
  while (server.events.length < count && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  return server.events;
}

/**
 * The refusal every hostile case must end in: a `DtlsError` with `alert`
 * (undefined for a timeout), nothing exportable, no application data, no
 * armed timer, the client's wire sequence as `events`.
 */
async function assertRefused(
  run: Run,
  expected: {
    alert: number | undefined;
    message: RegExp;
    events: string[];
    state?: string;
    timeout?: boolean;
  },
): Promise<void> {
  const { error, client } = run;
  assert.ok(error instanceof DtlsError, `not a DtlsError: ${error}`);
  assert.equal(error.alert, expected.alert, error.message);
  assert.match(error.message, expected.message);
  assert.equal(client.state, expected.state ?? "failed");
  if (expected.timeout) {
    assert.ok(run.elapsedMs >= CONNECT_TIMEOUT_MS - 50, `${run.elapsedMs} ms`);
  }
  assert.ok(
    run.elapsedMs < CONNECT_TIMEOUT_MS + 1000,
    `refused after ${run.elapsedMs} ms, connect timeout ${CONNECT_TIMEOUT_MS} ms`,
  );
  assert.equal(run.scheduler.pending, 0, "a timer is still armed");
  assert.throws(
    () => client.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60),
    DtlsError,
  );
  assert.deepEqual(
    await eventsOf(run.server, expected.events.length),
    expected.events,
  );
  assert.ok(!run.clientSent.includes(ContentType.ApplicationData));
}

test("dtls/hostile: the honest script completes the handshake (the baseline every case departs from)", async () => {
  await against("honest", async ({ error, client, server }) => {
    assert.equal(error, undefined);
    assert.equal(client.state, "connected");
    assert.equal(
      client.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60).length,
      60,
    );
    assert.deepEqual(await eventsOf(server, 5), FLIGHT_5);
  });
});

test("dtls/hostile: overlapping fragments that agree reassemble (RFC 6347 §4.2.3)", async () => {
  await against("agreeingOverlap", ({ error, client }) => {
    assert.equal(error, undefined);
    assert.equal(client.state, "connected");
  });
});

const refusals: [
  HostileBehaviour,
  string,
  {
    alert: number | undefined;
    message: RegExp;
    events: string[];
    state?: string;
    timeout?: boolean;
  },
][] = [
  ["badSignature", "a ServerKeyExchange signature that does not verify", {
    alert: Alert.DecryptError,
    message: /signature does not verify/,
    events: [...HELLOS, "Alert(2,51)"],
  }],
  [
    "impostorKey",
    "a ServerKeyExchange signed by a key other than the certificate's",
    {
      alert: Alert.DecryptError,
      message: /signature does not verify/,
      events: [...HELLOS, "Alert(2,51)"],
    },
  ],
  ["foreignCertificate", "a certificate that does not match the fingerprint", {
    alert: Alert.BadCertificate,
    message: /fingerprint/,
    events: [...HELLOS, "Alert(2,42)"],
  }],
  ["unsupportedSuite", "a cipher suite we never offered", {
    alert: Alert.IllegalParameter,
    message: /cipher suite 0xc02c/,
    events: [...HELLOS, "Alert(2,47)"],
  }],
  ["unsupportedCurve", "an ECDHE curve we never offered", {
    alert: Alert.IllegalParameter,
    message: /named group 24/,
    events: [...HELLOS, "Alert(2,47)"],
  }],
  [
    "renegotiationInfo",
    "a ServerHello claiming a renegotiation (RFC 5746 §3.4)",
    {
      alert: Alert.HandshakeFailure,
      message: /renegotiat/,
      events: [...HELLOS, "Alert(2,40)"],
    },
  ],
  [
    "helloRequest",
    "a HelloRequest instead of Finished (renegotiation mid-handshake)",
    {
      alert: Alert.UnexpectedMessage,
      message: /HelloRequest/,
      events: [...FLIGHT_5, "Alert(2,10)"],
    },
  ],
  ["conflictingOverlap", "overlapping fragments that disagree", {
    alert: Alert.IllegalParameter,
    message: /fragments disagree/,
    events: [...HELLOS, "Alert(2,47)"],
  }],
  ["endlessHelloVerify", "endless HelloVerifyRequests", {
    alert: Alert.HandshakeFailure,
    message: /HelloVerifyRequest/,
    events: [...Array(5).fill("ClientHello"), "Alert(2,40)"],
  }],
  ["fatalAlert", "a fatal alert mid-handshake", {
    alert: Alert.HandshakeFailure,
    message: /fatal alert 40/,
    events: FLIGHT_5,
  }],
  ["closeNotify", "close_notify mid-handshake", {
    alert: Alert.CloseNotify,
    message: /closed during the handshake/,
    events: HELLOS,
    state: "closed",
  }],
  // Silently discarded (RFC 6347 §4.1.2.7), so the deadline refuses them.
  ["fragmentPastLength", "a fragment past its message's length", {
    alert: undefined,
    message: /timed out/,
    events: HELLOS,
    timeout: true,
  }],
  ["oversizeMessage", "a message longer than the 64 KiB bound", {
    alert: undefined,
    message: /timed out/,
    events: HELLOS,
    timeout: true,
  }],
  ["vanish", "a server that closes in the middle", {
    alert: undefined,
    message: /timed out/,
    events: HELLOS,
    timeout: true,
  }],
];

for (const [behaviour, what, expected] of refusals) {
  test(`dtls/hostile: ${what} is refused with a typed error`, async () => {
    await against(behaviour, (run) => assertRefused(run, expected));
  });
}

test("dtls/hostile: a flood of retransmitted flights cannot hold the handshake past its deadline", async () => {
  await against("flood", async (run) => {
    await assertRefused(run, {
      alert: undefined,
      message: /timed out/,
      events: FLIGHT_5,
      timeout: true,
    });
    assert.ok(
      run.server.sent > 50,
      `the server flooded only ${run.server.sent} datagrams`,
    );
    // Early resends are rate-limited (one per 100 ms), so the flood is not amplified.
    assert.ok(
      run.server.retransmissions <= CONNECT_TIMEOUT_MS / 100 + 2,
      `${run.server.retransmissions} client retransmissions`,
    );
  });
});

test("dtls/hostile: a HelloRequest after the handshake is declined with no_renegotiation and changes nothing", async () => {
  await against(
    "renegotiateAfterHandshake",
    async ({ error, client, server }) => {
      assert.equal(error, undefined);
      const keys = client.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60);
      assert.deepEqual(await eventsOf(server, 6), [
        ...FLIGHT_5,
        "Alert(1,100)",
      ]);
      assert.equal(client.state, "connected");
      assert.deepEqual(
        client.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60),
        keys,
      );
    },
  );
});
