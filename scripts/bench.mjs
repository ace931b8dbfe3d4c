#!/usr/bin/env node
// `npm run bench` runs the benchmarks on Node (compiled with tsc);
// `bun run bench` invokes this same script, which then hands over to Bun so
// that Bun is what gets measured; `deno task bench` passes --runtime=deno.
// Arguments (--only, --json, --save) pass through.
import { runEntry } from "./run_entry.mjs";

runEntry("bench/main");
