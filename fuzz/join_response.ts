/**
 * Fuzz target: the SFU's answer JSON (`parseJoinResponse`), which arrives
 * from Telegram in `updateGroupCallConnection` and is not ours to trust.
 *
 * Inputs are the three answer shapes mutated as trees (a value replaced by
 * one of the wrong type or at an integer edge, keys dropped or added,
 * array items duplicated, deep nesting) and as text (broken JSON).
 *
 * @module
 */

import { parseJoinResponse } from "../src/signaling/join_response.ts";
import { mutateText, randomText, type Rng } from "./mutate.ts";
import type { FuzzTarget } from "./runner.ts";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** An RTC answer as tgcalls' SFU sends it (fields from ntgcalls' tests). */
const RTC_ANSWER: Json = {
  transport: {
    ufrag: "f5fno1e3ejbrhl",
    pwd: "5ce9gn5ojc7d7q5jdfa1pd2sif",
    fingerprints: [{
      hash: "sha-256",
      setup: "passive",
      fingerprint:
        "E4:F6:A1:8B:7C:39:5D:0A:22:11:9F:C0:41:7E:8A:55:3B:D2:6F:10:94:AC:E1:07:88:5B:C3:2D:76:19:EA:40",
    }],
    candidates: [{
      generation: "0",
      component: "1",
      protocol: "udp",
      port: "32000",
      ip: "91.108.9.16",
      foundation: "1",
      id: "6fe4dd3a3c0e3c5e",
      priority: "2130706431",
      type: "host",
      network: "0",
    }, {
      protocol: "tcp",
      port: 443,
      ip: "2001:67c:4e8:f004::a",
      priority: 1,
      type: "host",
    }],
  },
  audio: {
    "payload-types": [{
      id: 111,
      name: "opus",
      clockrate: 48000,
      channels: 2,
      parameters: { minptime: 10, useinbandfec: 1 },
      "rtcp-fbs": [{ type: "transport-cc" }],
    }],
    "rtp-hdrexts": [
      { id: 1, uri: "urn:ietf:params:rtp-hdrext:ssrc-audio-level" },
      {
        id: 3,
        uri: "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
      },
    ],
  },
  video: {
    endpoint: "0",
    "payload-types": [{
      id: 100,
      name: "VP8",
      clockrate: 90000,
      parameters: [],
      "rtcp-fbs": [
        { type: "goog-remb" },
        { type: "nack", subtype: "pli" },
        { type: "nack pli" },
        { type: "ccm", subtype: "fir" },
      ],
    }, {
      id: "101",
      name: "rtx",
      clockrate: "90000",
      parameters: { apt: "100" },
    }],
    "rtp-hdrexts": [{
      id: 2,
      uri: "urn:ietf:params:rtp-hdrext:toffset",
    }],
    server_sources: [1, "2", 4294967295],
  },
};

const SEEDS_JSON: Json[] = [
  RTC_ANSWER,
  { stream: true },
  { stream: false },
  {
    rtmp: true,
    rtmp_stream_url: "rtmps://dc4-1.rtmp.t.me/s/",
    rtmp_stream_key: "k",
  },
  { rtmp: { url: "x" } },
  {},
];

const EDGE_VALUES: Json[] = [
  null,
  true,
  false,
  0,
  -0,
  -1,
  1.5,
  127,
  128,
  255,
  256,
  65535,
  65536,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53,
  -(2 ** 53),
  1e308,
  "",
  "0",
  "-1",
  " 42 ",
  "1e3",
  "0x10",
  "NaN",
  "Infinity",
  "sha-1",
  "SHA-512",
  "md5",
  "AB:CD",
  "ab:cd:ef",
  "tcp",
  "local",
  "relay",
  "__proto__",
  "x".repeat(4096),
  [],
  {},
  [null],
  [[]],
];

/** Keys the parser reads, for adding where they do not belong. */
const KEYS = [
  "transport",
  "ufrag",
  "pwd",
  "fingerprints",
  "fingerprint",
  "hash",
  "setup",
  "candidates",
  "ip",
  "port",
  "priority",
  "type",
  "protocol",
  "foundation",
  "audio",
  "video",
  "payload-types",
  "rtp-hdrexts",
  "rtcp-fbs",
  "parameters",
  "id",
  "name",
  "clockrate",
  "channels",
  "uri",
  "subtype",
  "endpoint",
  "server_sources",
  "stream",
  "rtmp",
  "rtmp_stream_url",
  "__proto__",
  "constructor",
];

function edgeValue(rng: Rng): Json {
  if (rng.chance(0.1)) {
    // Deep nesting, within what JSON.stringify can recurse through.
    let v: Json = structuredClone(rng.pick(EDGE_VALUES));
    for (let d = rng.below(60); d > 0; d--) {
      v = rng.chance(0.5) ? [v] : { a: v };
    }
    return v;
  }
  return structuredClone(rng.pick(EDGE_VALUES));
}

/** Every container on the way down, to pick one to mutate. */
function containers(v: Json, out: (Json[] | { [k: string]: Json })[] = []) {
  if (v !== null && typeof v === "object") {
    out.push(v);
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      containers(child, out);
    }
  }
  return out;
}

function mutateTree(rng: Rng, root: Json): Json {
  const doc = structuredClone(root);
  const count = 1 + rng.size(4);
  for (let k = 0; k < count; k++) {
    const all = containers(doc);
    if (all.length === 0) return edgeValue(rng);
    const c = rng.pick(all);
    if (Array.isArray(c)) {
      const i = rng.below(c.length + 1);
      switch (rng.below(4)) {
        case 0:
          c[i] = edgeValue(rng);
          break;
        case 1:
          c.splice(i, 1);
          break;
        case 2:
          if (c.length > 0) c.push(structuredClone(c[rng.below(c.length)]));
          break;
        default:
          c.splice(i, 0, edgeValue(rng));
      }
    } else {
      const keys = Object.keys(c);
      const key = keys.length > 0 && rng.chance(0.7)
        ? rng.pick(keys)
        : rng.pick(KEYS);
      if (rng.chance(0.2)) delete c[key];
      else {
        // An own "__proto__" key, as JSON.parse makes, not a prototype.
        Object.defineProperty(c, key, {
          value: edgeValue(rng),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
  }
  return doc;
}

const TOKENS = [
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  '"',
  "null",
  "true",
  "1e999",
  "-",
  '"transport"',
  '"fingerprints"',
  '"stream"',
  '"rtmp"',
  "\\u0000",
  "\\ud800",
];

/** The join_response target. */
export const joinResponseTarget: FuzzTarget<string> = {
  name: "join_response",
  drives: "parseJoinResponse",
  seeds: () => [
    ...SEEDS_JSON.map((j) => JSON.stringify(j)),
    // JSON.parse makes "__proto__" an own key, not the prototype.
    '{"__proto__":{"stream":true},"transport":{"__proto__":[]}}',
  ],
  generate(rng, seeds) {
    const roll = rng.below(100);
    if (roll < 55) return JSON.stringify(mutateTree(rng, rng.pick(SEEDS_JSON)));
    if (roll < 90) return mutateText(rng, rng.pick(seeds), seeds, TOKENS);
    if (roll < 95) return JSON.stringify(edgeValue(rng));
    return randomText(rng, TOKENS);
  },
  run(input) {
    parseJoinResponse(input);
  },
};
