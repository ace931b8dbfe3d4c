/**
 * The checked-in corpus of inputs that once crashed a parser:
 * `tests/fuzz_corpus/<target>/<hash>.bin` for bytes and `.json` (one JSON
 * string) for text, so lone surrogates and control characters survive.
 * The smoke test replays every file; the fuzzer adds new crashers here.
 *
 * @module
 */

import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fnv1a } from "./mutate.ts";
import type { FuzzInput } from "./runner.ts";

/**
 * The repository root: the nearest folder above this file holding
 * `deno.json` (the Node build runs from `.build/fuzz/`, which has none).
 */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "deno.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("Cannot find the repository root");
    dir = parent;
  }
  return dir;
}

/** The corpus folder of a target. */
export function corpusDir(target: string): string {
  return join(repoRoot(), "tests", "fuzz_corpus", target);
}

/** One corpus file. */
export interface CorpusEntry {
  /** Path relative to the repository root. */
  file: string;
  /** Its input. */
  input: FuzzInput;
}

/** The target names that have a corpus folder. */
export function corpusTargets(): string[] {
  const dir = join(repoRoot(), "tests", "fuzz_corpus");
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Reads one corpus file. */
export function readCorpusFile(path: string): FuzzInput {
  const bytes = readFileSync(path);
  if (!path.endsWith(".json")) return new Uint8Array(bytes);
  const text = JSON.parse(new TextDecoder().decode(bytes));
  if (typeof text !== "string") {
    throw new Error(`${path}: a text corpus file holds one JSON string`);
  }
  return text;
}

/** Every corpus file of `target`, sorted by name. */
export function loadCorpus(target: string): CorpusEntry[] {
  const dir = corpusDir(target);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".bin") || name.endsWith(".json"))
    .sort()
    .map((name) => ({
      file: join("tests", "fuzz_corpus", target, name),
      input: readCorpusFile(join(dir, name)),
    }));
}

/** Saves a crasher into the corpus; returns its path relative to the root. */
export function saveCrasher(target: string, input: FuzzInput): string {
  const dir = corpusDir(target);
  mkdirSync(dir, { recursive: true });
  const name = fnv1a(input).toString(16).padStart(8, "0") +
    (typeof input === "string" ? ".json" : ".bin");
  writeFileSync(
    join(dir, name),
    typeof input === "string" ? JSON.stringify(input) + "\n" : input,
  );
  return join("tests", "fuzz_corpus", target, name);
}
