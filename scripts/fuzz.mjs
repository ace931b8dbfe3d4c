#!/usr/bin/env node
// `npm run fuzz` fuzzes the parsers on Node (compiled with tsc);
// `bun run fuzz` invokes this same script, which then hands over to Bun;
// `deno task fuzz` passes --runtime=deno. Arguments (--inputs, --only,
// --seed, --replay, --replay-index, …; see fuzz/main.ts) pass through.
import { runEntry } from "./run_entry.mjs";

runEntry("fuzz/main");
