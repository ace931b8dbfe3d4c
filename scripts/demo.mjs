#!/usr/bin/env node
// The main demo: joins a local libdatachannel group-call peer through the
// public Client API, streams a tone (or --input), prints a progress line and
// ends with `VERDICT: PASS …` / `VERDICT: FAIL <reason>` (exit 0/1).
//
// `npm run demo` runs it on Node (compiled with tsc); `bun run demo` hands
// over to Bun; `deno task demo` passes --runtime=deno. Other arguments
// (--duration, --input, --video, --frequency, --quiet) pass through.
import { runEntry } from "./run_entry.mjs";

runEntry("examples/demo", { ffmpeg: true });
