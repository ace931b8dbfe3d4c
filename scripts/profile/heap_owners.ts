/**
 * Who holds the memory that appeared between two V8 heap snapshots
 * (`call_memory.ts --snapshots=DIR`), per call:
 *
 * - ArrayBuffer backing stores ("system / JSArrayBufferData" nodes, which
 *   V8 counts as `external`, not heap), each charged to the nearest
 *   retaining object of a named class, with the property path to it;
 * - JS heap: self size per constructor name, after minus before, and the
 *   objects new since the first snapshot charged to their nearest owner
 *   (a named class instance is its own owner).
 *
 * ```
 * deno run -A scripts/profile/heap_owners.ts DIR/baseline.heapsnapshot DIR/sender.heapsnapshot --calls=100
 * ```
 *
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[]];
      edge_fields: string[];
      edge_types: [string[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Constructor names that say nothing about the owner. */
const GENERIC = new Set([
  "Uint8Array",
  "Uint16Array",
  "Uint32Array",
  "Int32Array",
  "Float64Array",
  "DataView",
  "ArrayBuffer",
  "Array",
  "Object",
  "Buffer",
  "FastBuffer",
  "system / Context",
  "(object elements)",
  "(internal array)",
  "(object properties)",
  "system / JSArrayBufferData",
]);

function load(path: string) {
  const s = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
  const m = s.snapshot.meta;
  const nf = m.node_fields.length, ef = m.edge_fields.length;
  const nType = m.node_fields.indexOf("type");
  const nName = m.node_fields.indexOf("name");
  const nId = m.node_fields.indexOf("id");
  const nSize = m.node_fields.indexOf("self_size");
  const nEdges = m.node_fields.indexOf("edge_count");
  const eType = m.edge_fields.indexOf("type");
  const eName = m.edge_fields.indexOf("name_or_index");
  const eTo = m.edge_fields.indexOf("to_node");
  const nodeTypes = m.node_types[0], edgeTypes = m.edge_types[0];
  const count = s.nodes.length / nf;
  const firstEdge = new Int32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += s.nodes[i * nf + nEdges] * ef;
  }
  firstEdge[count] = s.edges.length;
  // Retainers: for node i, (from node, edge index) pairs.
  const retainers: [number, number][][] = Array.from(
    { length: count },
    () => [],
  );
  for (let i = 0; i < count; i++) {
    for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += ef) {
      const type = edgeTypes[s.edges[e + eType]];
      if (type === "weak" || type === "shortcut") continue;
      retainers[s.edges[e + eTo] / nf].push([i, e]);
    }
  }
  const name = (i: number) => s.strings[s.nodes[i * nf + nName]];
  const type = (i: number) => nodeTypes[s.nodes[i * nf + nType]];
  const edgeName = (e: number) => {
    const t = edgeTypes[s.edges[e + eType]];
    const v = s.edges[e + eName];
    return t === "element" || t === "hidden" ? `[${v}]` : s.strings[v];
  };
  return {
    count,
    name,
    type,
    id: (i: number) => s.nodes[i * nf + nId],
    size: (i: number) => s.nodes[i * nf + nSize],
    retainers,
    edgeName,
  };
}

type Heap = ReturnType<typeof load>;

/** The shortest path up to a named owner: "Owner.#field.buffer". */
function owner(h: Heap, start: number): string {
  const seen = new Set([start]);
  let frontier: [number, string[]][] = [[start, []]];
  for (let depth = 0; depth < 12 && frontier.length; depth++) {
    const next: [number, string[]][] = [];
    for (const [node, path] of frontier) {
      for (const [from, edge] of h.retainers[node]) {
        if (seen.has(from)) continue;
        seen.add(from);
        const p = [h.edgeName(edge), ...path];
        const n = h.name(from);
        if (h.type(from) === "object" && !GENERIC.has(n)) {
          return `${n}.${p.join(".")}`;
        }
        if (h.type(from) === "closure") return `${n}().${p.join(".")}`;
        next.push([from, p]);
      }
    }
    frontier = next;
  }
  return "(unknown)";
}

const files = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const calls = Number(
  process.argv.find((a) => a.startsWith("--calls="))?.split("=")[1] ?? 1,
);
const [before, after] = files.map(load);
const beforeIds = new Set<number>();
for (let i = 0; i < before.count; i++) beforeIds.add(before.id(i));

const buffers = new Map<string, number>();
const heap = new Map<string, number>();
const heapOwners = new Map<string, number>();
const charge = (m: Map<string, number>, k: string, v: number) =>
  m.set(k, (m.get(k) ?? 0) + v);
for (let i = 0; i < before.count; i++) {
  if (before.type(i) === "native") continue;
  charge(heap, `${before.type(i)}:${before.name(i)}`, -before.size(i));
}
for (let i = 0; i < after.count; i++) {
  if (after.name(i) === "system / JSArrayBufferData") {
    if (!beforeIds.has(after.id(i))) {
      charge(buffers, owner(after, i), after.size(i));
    }
  } else if (after.type(i) !== "native") {
    charge(heap, `${after.type(i)}:${after.name(i)}`, after.size(i));
    if (!beforeIds.has(after.id(i)) && after.type(i) !== "code") {
      const named = after.type(i) === "object" && !GENERIC.has(after.name(i));
      const path = named ? after.name(i) : owner(after, i);
      charge(heapOwners, path.split(".")[0], after.size(i));
    }
  }
}

const table = (title: string, m: Map<string, number>) => {
  const rows = [...m].filter(([, v]) => Math.abs(v / calls) >= 64)
    .sort((a, b) => b[1] - a[1]);
  const total = [...m.values()].reduce((a, b) => a + b, 0);
  console.log(`\n${title}: ${(total / calls).toFixed(0)} B per call`);
  for (const [k, v] of rows.slice(0, 40)) {
    console.log(`${(v / calls).toFixed(0).padStart(8)}  ${k}`);
  }
};
table("ArrayBuffer backing stores (new since the first snapshot)", buffers);
table("JS heap, self size by constructor (after - before)", heap);
table(
  "JS heap of new objects (code excluded), by nearest named owner",
  heapOwners,
);
