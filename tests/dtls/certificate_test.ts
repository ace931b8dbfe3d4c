/**
 * Our self-signed certificate as OpenSSL sees it: it parses, its signature
 * verifies, and OpenSSL's SHA-256 fingerprint equals ours.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import {
  fingerprintOf,
  generateCertificate,
  normalizeFingerprint,
  peerPublicKey,
} from "../../src/dtls/certificate.ts";
import { DerError } from "../../src/dtls/der.ts";
import { spawn } from "../../src/runtime/subprocess.ts";
import { test } from "../_support/harness.ts";

async function openssl(
  args: string[],
): Promise<{ code: number | null; out: string; err: string }> {
  const child = await spawn("openssl", { args });
  const out = await new Response(child.stdout).text();
  const status = await child.exited;
  return { code: status.code, out, err: child.stderrTail() };
}

test("certificate: OpenSSL parses our certificate, verifies its self-signature and agrees on the fingerprint", async () => {
  const cert = generateCertificate();
  const dir = mkdtempSync(join(tmpdir(), "tgcall-cert-"));
  try {
    const path = join(dir, "c.der");
    writeFileSync(path, cert.der);
    const fp = await openssl([
      "x509",
      "-inform",
      "DER",
      "-in",
      path,
      "-noout",
      "-fingerprint",
      "-sha256",
      "-text",
    ]);
    assert.equal(fp.code, 0, fp.err);
    assert.match(fp.out, /Public Key Algorithm: id-ecPublicKey/);
    assert.match(fp.out, /NIST CURVE: P-256|prime256v1/);
    assert.match(fp.out, /Signature Algorithm: ecdsa-with-SHA256/);
    const printed = /Fingerprint=([0-9A-F:]+)/.exec(fp.out)?.[1];
    assert.equal(printed, cert.fingerprint);
    const pem = join(dir, "c.pem");
    assert.equal(
      (await openssl(["x509", "-inform", "DER", "-in", path, "-out", pem]))
        .code,
      0,
    );
    // Self-signed: verifying it against itself as the only trust anchor succeeds.
    const verify = await openssl(["verify", "-CAfile", pem, pem]);
    assert.equal(verify.code, 0, verify.out + verify.err);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("certificate: our public key is found again in our own DER", () => {
  const cert = generateCertificate();
  const key = peerPublicKey(cert.der);
  assert.equal(key.kind, "ec");
  assert.deepEqual(key.kind === "ec" && key.point, cert.publicKey);
  assert.match(cert.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.equal(fingerprintOf(cert.der, "sha-256"), cert.fingerprint);
  assert.equal(
    normalizeFingerprint(cert.fingerprint.toLowerCase()),
    cert.fingerprint,
  );
});

test("certificate: garbage DER raises DerError and nothing else", () => {
  const good = generateCertificate().der;
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 400 }),
      fc.nat(good.length),
      (noise, cut) => {
        for (
          const input of [
            noise,
            good.slice(0, cut),
            Uint8Array.from(good, (b, i) => i === cut ? b ^ 0xff : b),
          ]
        ) {
          try {
            peerPublicKey(input);
          } catch (error) {
            assert.ok(error instanceof DerError, String(error));
          }
        }
      },
    ),
    { numRuns: 500 },
  );
});
