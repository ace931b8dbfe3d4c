/**
 * C libsrtp as an SRTP baseline: `bench/libsrtp_protect.c` compiled with
 * gcc against the system libsrtp 2 (Debian `libsrtp2-dev`:
 * `/usr/include/srtp2`, `-lsrtp2`) and cached under `.build/native/` (git
 * ignores `.build/`), keyed by a hash of the source. Each measurement runs
 * the binary once; it prints µs per packet. Without gcc or the header the
 * baseline throws {@linkcode BenchUnavailable} — reported as missing,
 * never guessed.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { spawnSync } from "node:child_process";
import { type BaselineCase, BenchUnavailable } from "./harness.ts";

const HEADER = "/usr/include/srtp2/srtp.h";

let built: { binary?: string; missing?: string } | undefined;

function build(): { binary?: string; missing?: string } {
  // Every runtime runs the benchmarks from the repository root (see
  // scripts/run_entry.mjs); under Node this module lives in .build/.
  const source = join(process.cwd(), "bench", "libsrtp_protect.c");
  if (!existsSync(source)) return { missing: `${source} not found` };
  if (!existsSync(HEADER)) {
    return { missing: `${HEADER} not found (install libsrtp2-dev)` };
  }
  const text = readFileSync(source);
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 12);
  const dir = join(process.cwd(), ".build", "native");
  const binary = join(dir, `libsrtp_protect-${hash}`);
  if (existsSync(binary)) return { binary };
  mkdirSync(dir, { recursive: true });
  const gcc = spawnSync(
    "gcc",
    ["-O2", "-o", binary, source, "-lsrtp2"],
    { encoding: "utf8" },
  );
  if (gcc.error) return { missing: `gcc not runnable: ${gcc.error.message}` };
  if (gcc.status !== 0) {
    return { missing: `gcc failed: ${gcc.stderr.trim().split("\n")[0]}` };
  }
  return { binary };
}

/**
 * A baseline measuring libsrtp's `srtp_protect` for `profile` (`"cm"`:
 * AES_CM_128_HMAC_SHA1_80, `"gcm"`: AEAD_AES_128_GCM) at `payload` bytes.
 */
export function libsrtpBaseline(
  profile: "cm" | "gcm",
  payload: number,
  iterations: number,
): BaselineCase {
  return {
    name: "libsrtp",
    run() {
      built ??= build();
      if (!built.binary) throw new BenchUnavailable(built.missing ?? "");
      const out = spawnSync(
        built.binary,
        [profile, String(payload), String(iterations), "1"],
        { encoding: "utf8" },
      );
      if (out.status !== 0) {
        throw new BenchUnavailable(
          `libsrtp_protect exited ${out.status}: ${out.stderr.trim()}`,
        );
      }
      const value = Number(out.stdout.trim().split("\n")[0]);
      if (!Number.isFinite(value)) {
        throw new BenchUnavailable(`unparsable output: ${out.stdout}`);
      }
      return { value };
    },
  };
}
