/**
 * Interop with OpenSSL's DTLS 1.2 server (`openssl s_server -dtls1_2
 * -use_srtp ...`): the handshake completes with an ECDSA and with an RSA
 * server certificate, for both SRTP profiles, and our exported SRTP keying
 * material equals what OpenSSL prints, byte for byte.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DtlsClient } from "../../src/dtls/client.ts";
import {
  fingerprintOf,
  generateCertificate,
} from "../../src/dtls/certificate.ts";
import { DtlsError } from "../../src/dtls/errors.ts";
import { spawn, type Subprocess } from "../../src/runtime/subprocess.ts";
import { bindUdp } from "../../src/runtime/udp.ts";
import { dtlsSrtpKeys } from "../../src/srtp/dtls_srtp_keys.ts";
import {
  SRTP_PROFILES,
  srtpProfileById,
  type SrtpProfileName,
} from "../../src/srtp/profile.ts";
import { test } from "../_support/harness.ts";
import { toHex } from "../_support/hex.ts";

async function run(cmd: string, args: string[]): Promise<void> {
  const child = await spawn(cmd, { args, stdout: "null" });
  const status = await child.exited;
  if (status.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${child.stderrTail()}`);
  }
}

/** Writes a key and self-signed certificate with the openssl CLI. */
async function makeCert(
  dir: string,
  kind: "ecdsa" | "rsa",
): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${kind}-key.pem`),
    cert = join(dir, `${kind}-cert.pem`);
  if (kind === "ecdsa") {
    await run("openssl", [
      "ecparam",
      "-name",
      "prime256v1",
      "-genkey",
      "-noout",
      "-out",
      key,
    ]);
  } else await run("openssl", ["genrsa", "-out", key, "2048"]);
  await run("openssl", [
    "req",
    "-new",
    "-x509",
    "-key",
    key,
    "-out",
    cert,
    "-days",
    "1",
    "-subj",
    "/CN=openssl-test",
  ]);
  return { cert, key };
}

async function derOf(pem: string): Promise<Uint8Array> {
  const child = await spawn("openssl", {
    args: ["x509", "-in", pem, "-outform", "DER"],
  });
  const bytes = new Uint8Array(await new Response(child.stdout).arrayBuffer());
  await child.exited;
  return bytes;
}

async function freePort(): Promise<number> {
  const s = await bindUdp({ address: "127.0.0.1", onMessage() {} });
  const port = s.port;
  await s.close();
  return port;
}

interface Server {
  child: Subprocess;
  output: () => string;
  waitFor: (pattern: RegExp, ms?: number) => Promise<RegExpMatchArray>;
}

async function startServer(
  port: number,
  cert: { cert: string; key: string },
  profiles: string,
  extra = "",
): Promise<Server> {
  // s_server exits when stdin closes; the sleep keeps it open (test-only shell).
  const child = await spawn("sh", {
    args: [
      "-c",
      `sleep 20 | exec openssl s_server -dtls1_2 -accept 127.0.0.1:${port} -naccept 1 ` +
      `-cert ${cert.cert} -key ${cert.key} -use_srtp ${profiles} ` +
      `-keymatexport EXTRACTOR-dtls_srtp -keymatexportlen 60 -verify 1 ${extra}`,
    ],
  });
  let text = "";
  const reading = (async () => {
    for await (const chunk of child.stdout) {
      text += new TextDecoder().decode(chunk);
    }
  })();
  const server: Server = {
    child,
    output: () => text,
    async waitFor(pattern, ms = 5000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = text.match(pattern);
        if (m) return m;
        if (Date.now() > deadline) {
          throw new Error(
            `openssl never printed ${pattern}; got:\n${text}\n${child.stderrTail()}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
  await server.waitFor(/ACCEPT/);
  void reading;
  return server;
}

/**
 * Runs one handshake against `openssl s_server` and hands the connected
 * (or failing) client to `check`; cleans up the server, socket and files.
 */
async function withOpenssl(
  options: {
    kind: "ecdsa" | "rsa";
    serverProfiles: string;
    extra?: string;
    clientProfiles?: SrtpProfileName[];
    /** Fingerprint to expect instead of the server's real one. */
    wrongFingerprint?: string;
  },
  check: (client: DtlsClient, server: Server) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tgcall-dtls-"));
  const cert = await makeCert(dir, options.kind);
  const port = await freePort();
  const server = await startServer(
    port,
    cert,
    options.serverProfiles,
    options.extra,
  );
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
        fingerprint: options.wrongFingerprint ??
          fingerprintOf(await derOf(cert.cert), "sha-256"),
      }],
      srtpProfiles: options.clientProfiles?.map((n) => SRTP_PROFILES[n].id),
      send: (d) => socket.send(d, port, "127.0.0.1"),
    });
    client.start();
    await check(client, server);
  } finally {
    client?.close();
    await socket.close();
    await server.child.stop(1000);
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const kind of ["ecdsa", "rsa"] as const) {
  for (
    const [profile, opensslName] of [
      ["AES_CM_128_HMAC_SHA1_80", "SRTP_AES128_CM_SHA1_80"],
      ["AEAD_AES_128_GCM", "SRTP_AEAD_AES_128_GCM"],
    ] as [SrtpProfileName, string][]
  ) {
    test(`dtls/openssl: ${kind} server, ${profile}: handshake completes and exported keys match OpenSSL's`, () =>
      withOpenssl(
        {
          kind,
          serverProfiles: "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM",
          clientProfiles: [profile],
        },
        async (client, server) => {
          const result = await client.connected;
          assert.equal(srtpProfileById(result.srtpProfileId)?.name, profile);
          const negotiated = await server.waitFor(
            /SRTP Extension negotiated, profile=(\S+)/,
          );
          assert.equal(negotiated[1], opensslName);
          const keying = await server.waitFor(
            /Keying material: ([0-9A-Fa-f]+)/,
          );
          const ours = client.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60);
          assert.equal(toHex(ours).toUpperCase(), keying[1].toUpperCase());
          // The split handed to SRTP is RFC 5764's: client key | server key | client salt | server salt.
          const keys = dtlsSrtpKeys(result.srtpProfileId, client);
          const k = keys.profile.keyLength, s = keys.profile.saltLength;
          assert.equal(toHex(keys.localKey), toHex(ours.subarray(0, k)));
          assert.equal(
            toHex(keys.remoteSalt),
            toHex(ours.subarray(2 * k + s, 2 * k + 2 * s)),
          );
        },
      ));
  }
}

test("dtls/openssl: a wrong remote fingerprint refuses the handshake", () =>
  withOpenssl(
    {
      kind: "ecdsa",
      serverProfiles: "SRTP_AES128_CM_SHA1_80",
      wrongFingerprint: generateCertificate().fingerprint,
    },
    async (client) => {
      await assert.rejects(
        client.connected,
        (e: unknown) => e instanceof DtlsError && /fingerprint/.test(e.message),
      );
      assert.equal(client.state, "failed");
      // No keys exist, so nothing could be protected or sent.
      assert.throws(
        () => client.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60),
        DtlsError,
      );
    },
  ));

test("dtls/openssl: P-256 key exchange (server restricted to -groups P-256) matches OpenSSL's keys", () =>
  withOpenssl(
    {
      kind: "ecdsa",
      serverProfiles: "SRTP_AES128_CM_SHA1_80",
      extra: "-groups P-256",
    },
    async (client, server) => {
      await client.connected;
      const keying = await server.waitFor(/Keying material: ([0-9A-Fa-f]+)/);
      assert.equal(
        toHex(client.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60))
          .toUpperCase(),
        keying[1].toUpperCase(),
      );
    },
  ));
