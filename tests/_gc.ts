/** Forcing a full garbage collection on Deno, Bun and Node, for heap measurements. */
import process from "node:process";

/** Runs a full GC if the runtime allows it; returns whether it did. */
export async function forceGc(): Promise<boolean> {
  const g = globalThis as unknown as {
    gc?: () => void;
    Bun?: { gc(force: boolean): void };
  };
  if (g.Bun) {
    g.Bun.gc(true);
    return true;
  }
  if (!g.gc) {
    try {
      const v8 = await import("node:v8");
      const vm = await import("node:vm");
      v8.setFlagsFromString("--expose-gc");
      g.gc = vm.runInNewContext("gc") as () => void;
    } catch { /* not available */ }
  }
  if (!g.gc) return false;
  g.gc();
  return true;
}

/** Heap in use after a full GC, bytes. */
export async function heapUsedAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await forceGc();
    await new Promise((r) => setTimeout(r, 10));
  }
  return process.memoryUsage().heapUsed;
}
