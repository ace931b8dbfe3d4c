/**
 * The fuzzer as ordinary tests: 10,000 generated inputs per parser, each
 * of which must end in a result or a TgCallError within the time bound,
 * without the heap growing; every checked-in crasher in
 * `tests/fuzz_corpus/` replays clean; and a seed regenerates the same
 * inputs, so a failure printed here replays with `npm run fuzz`.
 *
 * The seed is random per run (printed on failure); `FUZZ_SEED` pins it.
 */
import assert from "node:assert/strict";
import process from "node:process";
import { corpusTargets, loadCorpus } from "../../fuzz/corpus.ts";
import { Rng } from "../../fuzz/mutate.ts";
import {
  cpuTimeOnce,
  crashSignature,
  fuzzTarget,
  runOnce,
} from "../../fuzz/runner.ts";
import { targetNamed, TARGETS } from "../../fuzz/targets.ts";
import { test } from "../_support/harness.ts";

const SEED = process.env.FUZZ_SEED !== undefined
  ? Number(process.env.FUZZ_SEED) >>> 0
  : crypto.getRandomValues(new Uint32Array(1))[0];
const INPUTS = 10_000;

for (const target of TARGETS) {
  test(`fuzz/${target.name}: ${INPUTS} inputs end in a result or a TgCallError (${target.drives})`, async () => {
    const report = await fuzzTarget(target, {
      seed: SEED,
      inputs: INPUTS,
      timeLimitMs: 50,
      heapEvery: 5_000,
      heapLimitMb: 64,
    });
    const found = report.crashes.map((c) =>
      `#${c.index} ${c.kind}: ${crashSignature(c.error)}\n` +
      `  replay: npm run fuzz -- --seed ${SEED} --only ${target.name} --replay-index ${c.index}`
    );
    assert.deepEqual(found, [], `seed ${SEED}`);
    assert.equal(report.heapLeak, undefined, `seed ${SEED}`);
    assert.equal(report.inputs, INPUTS);
  });
}

test("fuzz/corpus: every checked-in crasher now ends in a result or a TgCallError within 50 ms of CPU", () => {
  const failures: string[] = [];
  let files = 0;
  for (const name of corpusTargets()) {
    const target = targetNamed(name);
    assert.ok(target, `tests/fuzz_corpus/${name} names no fuzz target`);
    for (const entry of loadCorpus(name)) {
      files++;
      const r = runOnce(target, entry.input);
      if (r.crashed) failures.push(`${entry.file}: ${crashSignature(r.error)}`);
      const cpuMs = Math.min(
        cpuTimeOnce(target, entry.input),
        cpuTimeOnce(target, entry.input),
      );
      if (cpuMs > 50) failures.push(`${entry.file}: ${cpuMs} ms of CPU`);
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(files > 0, "the corpus is empty");
});

test("fuzz/replay: a seed regenerates the same inputs for every target", () => {
  for (const target of TARGETS) {
    const draw = () => {
      const rng = new Rng(SEED, target.name);
      const seeds = target.seeds();
      return Array.from({ length: 200 }, () => target.generate(rng, seeds));
    };
    assert.deepEqual(draw(), draw(), target.name);
  }
});
