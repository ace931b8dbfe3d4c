/**
 * Builds the offline music bot into one executable with Bun, the
 * libdatachannel addon of the local group-call server embedded:
 *
 *   bun run compile.ts [--entry offline.ts] [--outfile music-bot-offline]
 *
 * Why not plain `bun build --compile offline.ts`: node-datachannel picks
 * its native addon at run time — it computes the package name
 * (`@node-datachannel/linux-x64-gnu`, …) from `process.platform`, `arch`
 * and the libc, then calls `createRequire(import.meta.url)(name)`. The
 * bundler cannot follow a computed specifier, so the `.node` file is not
 * embedded, and inside the executable that `require` resolves against the
 * virtual `/$bunfs/root`, never the disk: the binary fails with "Cannot
 * find module '@node-datachannel/linux-x64-gnu'" even next to a
 * node_modules. `--external node-datachannel` fails the same way ("Cannot
 * find package 'node-datachannel' from '/$bunfs/root/…'"; Bun ≥ 1.3.4 no
 * longer resolves externals of compiled executables from the disk,
 * oven-sh/bun#25898). So this build replaces node-datachannel's loader
 * module with a static import of the addon this machine uses; Bun embeds
 * the `.node` file and, at run time, writes it to the temp directory and
 * loads it from there.
 *
 * The real bot (`main.ts`) does not need any of this: only the local
 * test server uses libdatachannel.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** The part of Bun's API this script uses. */
interface BunApi {
  build(options: {
    entrypoints: string[];
    compile: { outfile: string };
    plugins: BunPlugin[];
  }): Promise<{ success: boolean; logs: unknown[] }>;
}

interface BunPlugin {
  name: string;
  setup(build: {
    onLoad(
      filter: { filter: RegExp },
      load: () => { contents: string; loader: "js" },
    ): void;
  }): void;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The addon node-datachannel would load here, as its loader looks for it. */
function addonPath(): string {
  const require = createRequire(join(here, "package.json"));
  const entry = require.resolve("node-datachannel");
  let root = dirname(entry);
  while (basename(root) !== "node-datachannel") root = dirname(root);
  for (const build of ["build", "build/Release", "build/Debug"]) {
    const local = join(root, build, "node_datachannel.node");
    if (existsSync(local)) return local;
  }
  const fromAddon = createRequire(entry);
  const { platform, arch } = process;
  let suffix = "";
  if (platform === "linux") {
    const libc = fromAddon("detect-libc") as { familySync(): string | null };
    suffix = libc.familySync() === "musl" ? "-musl" : "-gnu";
  } else if (platform === "win32") suffix = "-msvc";
  const name = `@node-datachannel/${platform}-${arch}${suffix}`;
  return fromAddon.resolve(name);
}

const embedAddon = (addon: string): BunPlugin => ({
  name: "embed-node-datachannel-addon",
  setup(build) {
    build.onLoad({
      filter:
        /node-datachannel[\\/]dist[\\/]esm[\\/]lib[\\/]node-datachannel\.mjs$/,
    }, () => ({
      contents: `import addon from ${JSON.stringify(addon)};\n` +
        "export default addon;\n",
      loader: "js",
    }));
  },
});

const bun = (globalThis as { Bun?: BunApi }).Bun;
if (!bun) {
  console.error("compile.ts runs on Bun: bun run compile.ts");
  process.exit(2);
}
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    entry: { type: "string", default: "offline.ts" },
    outfile: { type: "string", default: "music-bot-offline" },
  },
});
const addon = addonPath();
const result = await bun.build({
  entrypoints: [join(here, values.entry!)],
  compile: { outfile: values.outfile! },
  plugins: [embedAddon(addon)],
});
if (!result.success) {
  console.error(result.logs.join("\n"));
  process.exit(1);
}
console.log(`built ${values.outfile} (embedded ${addon})`);
