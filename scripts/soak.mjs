#!/usr/bin/env node
// `npm run soak` soaks on Node (compiled with tsc); `bun run soak` hands
// over to Bun; `deno task soak` passes --runtime=deno. Arguments
// (--cycles, --calls, --minutes, --sample-every, --json; see soak/main.ts)
// pass through.
import { runEntry } from "./run_entry.mjs";

runEntry("soak/main", { ffmpeg: true });
