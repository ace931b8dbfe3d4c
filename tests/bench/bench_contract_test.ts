/**
 * The benchmark output contract (`bench/harness.ts`, `bench/report.ts`):
 * one short real case (SRTP protect, a baseline, a missing baseline) run
 * through the harness, shaped like `--json` output and checked for shape
 * only — never for time, which CI machines do not keep. Plus `--only`
 * selection and how `--save` merges one runtime's report into the file
 * holding all three.
 */
import assert from "node:assert/strict";
import { runtimeVersion } from "../../src/runtime/detect.ts";
import { SrtpContext } from "../../src/srtp/context.ts";
import { SRTP_PROFILES } from "../../src/srtp/profile.ts";
import {
  type BenchCase,
  BenchUnavailable,
  DEFAULT_REPEATS,
  microsPerCall,
  runCase,
  selectCases,
} from "../../bench/harness.ts";
import {
  type BenchReport,
  isReport,
  machineDescription,
  mergeReports,
} from "../../bench/report.ts";
import { test } from "../_support/harness.ts";

function protectCase(): BenchCase {
  const profile = SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80;
  const ctx = new SrtpContext(
    profile,
    new Uint8Array(16).fill(7),
    new Uint8Array(14).fill(9),
  );
  const buf = new Uint8Array(12 + 160 + profile.rtpOverhead).fill(0xab);
  buf.set([0x80, 111, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
  const protect = () => ({
    value: microsPerCall(
      () => {
        buf[3]++;
        ctx.protectRtp(buf, 172);
      },
      200,
      1,
    ),
  });
  let runs = 0;
  return {
    name: "contract-srtp-protect-cm-160",
    unit: "us/pkt",
    run: () => {
      runs++;
      return { ...protect(), notes: { runs } };
    },
    baseline: { name: "same again", run: protect },
    baselines: [{
      name: "absent",
      run: () => {
        throw new BenchUnavailable("not installed here");
      },
    }],
  };
}

test("bench: a case through the harness gives a --json report of the contract's shape", async () => {
  const result = await runCase(protectCase());
  const unavailable = await runCase({
    name: "contract-unavailable",
    unit: "allocs/pkt",
    run: () => {
      throw new BenchUnavailable("no counter");
    },
  });
  const report: BenchReport = {
    runtime: runtimeVersion(),
    machine: machineDescription(),
    results: [result, unavailable],
  };
  const json = JSON.parse(JSON.stringify(report));
  assert.ok(isReport(json), JSON.stringify(json));
  assert.match(json.runtime, /^(deno|bun|node) \d/);
  assert.match(json.machine, /\d+ cores, /);

  assert.equal(result.name, "contract-srtp-protect-cm-160");
  assert.equal(result.unit, "us/pkt");
  assert.ok(typeof result.value === "number" && result.value > 0);
  assert.equal(result.baseline?.name, "same again");
  assert.ok(result.baseline.value > 0);
  // A missing baseline is said to be missing, never given a number.
  assert.equal(result.baselines, undefined);
  assert.equal(result.notes?.["absent missing"], "not installed here");
  assert.equal(result.notes?.repeats, DEFAULT_REPEATS);
  assert.equal(result.notes?.runs, 3); // median of 1..5
  assert.equal(typeof result.notes?.["spread%"], "number");
  assert.equal(typeof result.notes?.["same again spread%"], "number");

  assert.equal(unavailable.value, null);
  assert.equal(unavailable.notes?.missing, "no counter");
});

test("bench: --only selects by name prefix, repeatable", () => {
  const named = (name: string): BenchCase => ({
    name,
    unit: "us/pkt",
    run: () => ({ value: 1 }),
  });
  const all = ["srtp-protect-cm-160", "send-path-audio", "scale-1000"].map(
    named,
  );
  assert.deepEqual(selectCases(all, undefined).length, 3);
  assert.deepEqual(
    selectCases(all, ["srtp", "send-path"]).map((c) => c.name),
    ["srtp-protect-cm-160", "send-path-audio"],
  );
  assert.deepEqual(selectCases(all, ["nothing"]), []);
});

test("bench: --save keeps one report per runtime family and merges reruns", () => {
  const report = (runtime: string, names: string[], value: number) => ({
    runtime,
    machine: "cpu, 2 cores, Linux 6",
    results: names.map((name) => ({ name, unit: "us/pkt", value })),
  });
  let saved = mergeReports([], report("node 20.1.0", ["a"], 1));
  saved = mergeReports(saved, report("deno 2.9.6", ["a", "b"], 2));
  saved = mergeReports(saved, report("bun 1.4.5", ["a"], 3));
  assert.deepEqual(saved.map((r) => r.runtime), [
    "deno 2.9.6",
    "bun 1.4.5",
    "node 20.1.0",
  ]);
  // A newer Deno rerunning "b" only: "a" is kept, "b" replaced.
  saved = mergeReports(saved, report("deno 2.10.0", ["b"], 4));
  assert.equal(saved.length, 3);
  assert.equal(saved[0].runtime, "deno 2.10.0");
  assert.deepEqual(
    saved[0].results.map((r) => [r.name, r.value]),
    [["a", 2], ["b", 4]],
  );
  assert.ok(saved.every(isReport));
  // An old single-object file is read as one report.
  assert.equal(
    mergeReports(report("node 20.1.0", ["a"], 1), report("bun 1", [], 0))
      .length,
    2,
  );
});
