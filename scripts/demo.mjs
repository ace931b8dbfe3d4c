#!/usr/bin/env node
// The main demo: a bot's whole flow offline. It starts the local group-call
// server (fake Telegram + libdatachannel SFU), joins it with joinGroupCall,
// plays a tone file (or --input), prints a progress line of what the server
// measures, leaves, and ends with `VERDICT: PASS …` / `VERDICT: FAIL <reason>`
// (exit 0/1), judged from what the server received.
//
// `npm run demo` runs it on Node (compiled with tsc); `bun run demo` hands
// over to Bun; `deno task demo` passes --runtime=deno. Other arguments
// (--duration, --input, --video, --frequency, --quiet) pass through.
import { runEntry } from "./run_entry.mjs";

runEntry("examples/demo", { ffmpeg: true });
