/**
 * `npm run soak` (Node), `bun run soak`, `deno task soak`: the long-uptime
 * soak of issues #13 and #14. Defaults are the full run — 10,000 cycles,
 * then 50 calls streaming for an hour; pass smaller sizes for a quick one:
 *
 *   npm run soak -- --runtime=deno --cycles 2000 --calls 50 --minutes 5
 *
 * Prints each sample as it is taken, then a start-vs-end table and the
 * report as JSON (`--json` prints only the JSON). Exits non-zero when a
 * figure is not flat: fds or children or scheduler tasks above the start
 * after close, events not exactly once per cause, RTP arrival drift over
 * 20 ms (soak/drift.ts; the clock drift is printed beside it).
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { runSoak, soakFaults } from "./run.ts";
import type { SoakSample } from "./probes.ts";

function row(s: SoakSample): string {
  return `| ${s.label} | ${s.atS} | ${s.heapMb} | ${s.fds} | ${s.children} | ${s.tasks} | ${s.sockets} |`;
}

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    cycles: { type: "string", default: "10000" },
    parallel: { type: "string", default: "20" },
    calls: { type: "string", default: "50" },
    minutes: { type: "string", default: "60" },
    "sample-every": { type: "string", default: "60" },
    json: { type: "boolean", default: false },
  },
});
const quiet = values.json;
const report = await runSoak({
  cycles: Number(values.cycles),
  parallel: Number(values.parallel),
  calls: Number(values.calls),
  seconds: Number(values.minutes) * 60,
  sampleEveryS: Number(values["sample-every"]),
  onSample: quiet ? undefined : (s) => console.log(JSON.stringify(s)),
  onLongStreamEnd: quiet
    ? undefined
    : (end) => console.log(JSON.stringify({ longStreamEnd: end })),
});
const faults = soakFaults(report);
if (!quiet) {
  console.log("| sample | s | heap MB | fds | children | tasks | sockets |");
  console.log("|---|---|---|---|---|---|---|");
  for (const s of report.samples) console.log(row(s));
  console.log(
    `cycles ${values.cycles} in ${
      report.cyclesS.toFixed(1)
    } s; ${values.calls} calls streamed ${
      report.streamS.toFixed(1)
    } s; events ${JSON.stringify(report.eventTotals)}; failed cycles ${
      JSON.stringify(report.cycleFailures)
    }; clock drift max ${report.drift.clockMaxMs.toFixed(1)} ms, median ${
      report.drift.clockMedianMs.toFixed(1)
    } ms; arrival drift max ${report.drift.maxMs.toFixed(1)} ms, median ${
      report.drift.medianMs.toFixed(1)
    } ms over ${report.drift.measured} calls (the shortest ${
      report.drift.spanS.toFixed(0)
    } s), ${report.drift.packets} packets (${report.drift.reordered} reordered by the receiver, left out), ${report.drift.jumps} timestamp jumps (${report.drift.jumpsAtNewRun} at a new RTP run)`,
  );
  const worst = [...report.drift.perCall].sort((a, b) =>
    Math.abs(b.driftMs) - Math.abs(a.driftMs)
  ).slice(0, 5);
  for (const w of worst) {
    console.log(
      `call ${w.call}: arrival drift ${w.driftMs.toFixed(1)} ms, clock drift ${
        w.clockDriftMs.toFixed(1)
      } ms; median − envelope ${w.headLateMs.toFixed(1)} ms in the first ${
        w.windowS.toFixed(0)
      } s, ${w.tailLateMs.toFixed(1)} ms from ${w.tailAtS.toFixed(0)} s`,
    );
  }
  console.log(faults.length ? `FAIL: ${faults.join("; ")}` : "PASS");
}
console.log(JSON.stringify({ ...report, faults }));
// process.exit, not libdatachannel's cleanup(): with 20 peers closed,
// cleanup() has crashed Deno (exit 139) here.
process.exit(faults.length ? 1 : 0);
