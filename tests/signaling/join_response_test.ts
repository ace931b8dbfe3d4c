/**
 * The SFU's answer (`updateGroupCallConnection.params.data`) is untrusted
 * input: the three shapes of telegram-wire.md §2.2 parse, the tolerances of
 * §2.3 hold (string-typed candidate fields, numeric or `[]` parameters,
 * both rtcp-fbs forms, missing channels), and anything malformed — missing
 * keys, wrong types, huge or deeply nested input, a few thousand mutations
 * — is an InvalidParamsError and never anything else.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidParamsError } from "../../src/errors.ts";
import {
  type JoinResponse,
  parseJoinResponse,
} from "../../src/signaling/join_response.ts";
import { test } from "../_support/harness.ts";
import { FINGERPRINT, rtcAnswer } from "../_support/join_answer.ts";

/** Parses, failing the test unless the result is RTC mode. */
function rtc(input: unknown) {
  const parsed = parseJoinResponse(input);
  assert.equal(parsed.mode, "rtc");
  return parsed as Extract<JoinResponse, { mode: "rtc" }>;
}

/** Asserts `input` is refused with an InvalidParamsError naming `field`. */
function refused(input: unknown, field?: RegExp): void {
  assert.throws(() => parseJoinResponse(input), (error: unknown) => {
    assert.ok(error instanceof InvalidParamsError, String(error));
    if (field) assert.match(error.message, field);
    return true;
  });
}

/** Sets (or with `undefined`, deletes) the value at `path` in a copy of `base`. */
function withValue(base: unknown, path: (string | number)[], value: unknown) {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) {
    at = at[key] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1];
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

test("join response §2.2: the RTC shape, with every tolerance of §2.3", () => {
  for (const input of [rtcAnswer(), JSON.stringify(rtcAnswer())]) {
    const answer = rtc(input);
    assert.equal(answer.transport.ufrag, "f5fno1e3ejbrhl");
    assert.equal(answer.transport.pwd, "5ce9gn5ojc7d7q5jdfa1pd2sif");
    assert.deepEqual(answer.transport.fingerprints, [{
      hash: "sha-256",
      fingerprint: FINGERPRINT,
      setup: "passive",
    }]);
    // String-typed ports and priorities become numbers; "local" is host.
    assert.deepEqual(answer.transport.candidates, [
      {
        address: "91.108.9.16",
        port: 32000,
        priority: 2130706431,
        type: "host",
        foundation: "1",
      },
      {
        address: "2001:67c:4e8:f004::a",
        port: 32000,
        priority: 2130706430,
        type: "host",
        foundation: "2",
      },
    ]);
    const [opus, dtmf] = answer.audio!.payloadTypes;
    assert.deepEqual(opus, {
      id: 111,
      name: "opus",
      clockrate: 48000,
      channels: 2,
      parameters: { minptime: "10", useinbandfec: "1" },
      rtcpFbs: [{ type: "transport-cc" }],
    });
    assert.equal(dtmf.channels, 1);
    assert.deepEqual(answer.audio!.headerExtensions.map((e) => e.id), [1, 2]);
    const video = answer.video!;
    assert.equal(video.endpoint, "ep-1");
    assert.deepEqual(video.serverSources, [1017713629]);
    const [vp8, rtx] = video.payloadTypes;
    assert.equal(vp8.clockrate, 9000);
    assert.equal(vp8.channels, 1, "channels default to 1");
    assert.deepEqual(vp8.parameters, {}, "parameters: [] is no parameters");
    assert.deepEqual(vp8.rtcpFbs, [
      { type: "goog-remb" },
      { type: "nack", subtype: "pli" },
      { type: "nack", subtype: "pli" },
      { type: "ccm", subtype: "fir" },
    ]);
    assert.deepEqual(
      [rtx.id, rtx.clockrate, rtx.parameters],
      [101, 90000, { apt: "100" }],
    );
  }
});

test("join response §2.2: stream mode and RTMP mode", () => {
  assert.deepEqual(parseJoinResponse('{"stream": true}'), { mode: "stream" });
  assert.deepEqual(parseJoinResponse({ stream: false }), { mode: "stream" });
  assert.deepEqual(parseJoinResponse('{"stream": true, "rtmp": true}'), {
    mode: "rtmp",
  });
  assert.deepEqual(
    parseJoinResponse({
      stream: true,
      rtmp: true,
      rtmp_stream_url: "rtmps://dc4-1.rtmp.t.me/s/",
      rtmp_stream_key: "k",
    }),
    { mode: "rtmp", url: "rtmps://dc4-1.rtmp.t.me/s/", key: "k" },
  );
  // Any non-null "rtmp" key is RTMP (ntgcalls), even beside a transport.
  assert.equal(parseJoinResponse({ ...rtcAnswer(), rtmp: {} }).mode, "rtmp");
  assert.equal(parseJoinResponse({ ...rtcAnswer(), rtmp: null }).mode, "rtc");
  // Non-string URL and key are dropped, not trusted.
  assert.deepEqual(
    parseJoinResponse({ rtmp: 1, rtmp_stream_url: 5, rtmp_stream_key: [] }),
    { mode: "rtmp" },
  );
});

test("join response: missing keys are refused, naming the field", () => {
  refused({ transport: null }, /transport is missing/); // pytgcalls' fallback
  refused({}, /transport is missing/);
  for (const key of ["ufrag", "pwd"]) {
    refused(withValue(rtcAnswer(), ["transport", key], undefined), /transport/);
  }
  refused(
    withValue(rtcAnswer(), ["transport", "fingerprints"], undefined),
    /fingerprints/,
  );
  refused(withValue(rtcAnswer(), ["transport", "fingerprints"], []));
  refused(
    withValue(
      rtcAnswer(),
      ["transport", "fingerprints", 0, "fingerprint"],
      undefined,
    ),
    /fingerprint/,
  );
  refused(
    withValue(rtcAnswer(), ["transport", "candidates", 0, "ip"], undefined),
    /candidates\[0\]\.ip/,
  );
  refused(
    withValue(rtcAnswer(), ["audio", "payload-types", 0, "id"], undefined),
    /audio\.payload-types\[0\]\.id/,
  );
  refused(
    withValue(rtcAnswer(), ["video", "rtp-hdrexts", 0, "uri"], undefined),
    /video\.rtp-hdrexts\[0\]\.uri/,
  );
  // Optional keys may go.
  const bare = withValue(rtcAnswer(), ["audio"], undefined);
  delete bare.video;
  delete (bare.transport as Record<string, unknown>).candidates;
  const answer = rtc(bare);
  assert.deepEqual(answer.transport.candidates, []);
  assert.equal(answer.audio, undefined);
  assert.equal(answer.video, undefined);
});

test("join response: wrong types and out-of-range values are refused", () => {
  refused("not json", /not valid JSON/);
  for (const input of ["null", "[]", "42", '"text"', null, [], 42, true]) {
    refused(input, /not a JSON object/);
  }
  const cases: [(string | number)[], unknown, RegExp][] = [
    [["transport"], [], /transport is missing/],
    [["transport", "ufrag"], {}, /ufrag must be a string/],
    [["transport", "fingerprints"], {}, /fingerprints/],
    [["transport", "fingerprints", 0], "AB:CD", /fingerprints\[0\]/],
    [["transport", "fingerprints", 0, "hash"], "md5", /not supported/],
    [["transport", "fingerprints", 0, "fingerprint"], "zz:zz", /not hex/],
    [["transport", "candidates"], {}, /candidates must be an array/],
    [["transport", "candidates", 0, "port"], "0", /port/],
    [["transport", "candidates", 0, "port"], 65536, /port/],
    [["transport", "candidates", 0, "port"], "1e3", /port/],
    [["transport", "candidates", 0, "port"], 1.5, /port/],
    [["transport", "candidates", 0, "priority"], -1, /priority/],
    [["transport", "candidates", 0, "ip"], 1e400, /ip must be a string/],
    [["audio"], "opus", /audio must be an object/],
    [["audio", "payload-types"], {}, /payload-types must be an array/],
    [["audio", "rtp-hdrexts"], "x", /rtp-hdrexts must be an array/],
    [["audio", "payload-types", 0, "id"], 128, /id/],
    [["audio", "payload-types", 0, "channels"], 256, /channels/],
    [["video", "rtp-hdrexts", 0, "id"], 0, /id/],
    [["video", "server_sources", 0], "x", /server_sources\[0\]/],
    [["video", "server_sources", 0], 2 ** 32, /server_sources\[0\]/],
  ];
  for (const [path, value, field] of cases) {
    refused(withValue(rtcAnswer(), path, value), field);
  }
  // Unusable entries inside lists are skipped rather than fatal.
  const skipped = rtc(
    withValue(rtcAnswer(), ["transport", "candidates"], [
      { protocol: "tcp", ip: "x", port: "443" }, // ICE-TCP is not spoken
      { type: "turn", ip: "x", port: "1" }, // not a candidate type
      "not an object",
      { ip: "10.0.0.1", port: 1 },
    ]),
  );
  assert.deepEqual(skipped.transport.candidates.map((c) => c.address), [
    "10.0.0.1",
  ]);
});

test("join response: huge and deeply nested input is parsed or refused, never a crash", () => {
  const deep = "[".repeat(200_000) + "]".repeat(200_000);
  for (const text of [deep, `{"audio": ${deep}}`, `{"transport": ${deep}}`]) {
    refused(text);
  }
  let nested: unknown = "x";
  for (let i = 0; i < 100_000; i++) nested = { a: nested };
  refused({ transport: nested });
  refused(
    withValue(rtcAnswer(), ["audio", "payload-types", 0, "name"], nested),
  );
  const many = rtc(
    withValue(
      rtcAnswer(),
      ["transport", "candidates"],
      Array.from({ length: 50_000 }, (_, i) => ({
        ip: "10.0.0.1",
        port: String(1 + (i % 65535)),
      })),
    ),
  );
  assert.equal(many.transport.candidates.length, 50_000);
  const long = "a".repeat(5_000_000);
  assert.equal(
    rtc(withValue(rtcAnswer(), ["transport", "pwd"], long)).transport.pwd,
    long,
  );
});

/** Every [path, container] inside a JSON tree, to mutate one. */
function paths(
  v: unknown,
  at: (string | number)[] = [],
): (string | number)[][] {
  if (v === null || typeof v !== "object") return [at];
  const keys: (string | number)[] = Array.isArray(v)
    ? v.map((_, i) => i)
    : Object.keys(v);
  return [at, ...keys.flatMap((k) => paths((v as never)[k], [...at, k]))];
}

const SEEDS = [
  rtcAnswer(),
  { stream: true },
  {
    stream: true,
    rtmp: true,
    rtmp_stream_url: "rtmps://x/",
    rtmp_stream_key: "k",
  },
];

/** Checks the one promise: a JoinResponse that keeps its invariants, or InvalidParamsError. */
function parsesOrRefuses(input: unknown): void {
  let parsed: JoinResponse;
  try {
    parsed = parseJoinResponse(input);
  } catch (error) {
    assert.ok(error instanceof InvalidParamsError, String(error));
    return;
  }
  if (parsed.mode !== "rtc") return;
  const { transport, audio, video } = parsed;
  assert.equal(typeof transport.ufrag, "string");
  assert.ok(transport.fingerprints.length > 0);
  for (const c of transport.candidates) {
    assert.ok(Number.isInteger(c.port) && c.port >= 1 && c.port <= 65535);
    assert.ok(["host", "srflx", "prflx", "relay"].includes(c.type));
  }
  for (const media of [audio, video]) {
    for (const pt of media?.payloadTypes ?? []) {
      assert.ok(Number.isInteger(pt.id) && pt.id >= 0 && pt.id <= 127);
      for (const value of Object.values(pt.parameters)) {
        assert.equal(typeof value, "string");
      }
    }
  }
}

test("join response: thousands of mutated answers parse or raise InvalidParamsError, nothing else", () => {
  const mutation = fc.record({
    seed: fc.nat(SEEDS.length - 1),
    edits: fc.array(
      fc.record({
        pick: fc.nat(),
        value: fc.oneof(
          fc.constant(undefined), // delete the key
          fc.jsonValue({ maxDepth: 3 }),
          fc.constantFrom("", "0", "-1", " 7 ", "65536", "local", "nack pli"),
          fc.constantFrom(0, -1, 127, 128, 65535, 2 ** 31, 2 ** 32, 1e308),
        ),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    asText: fc.boolean(),
  });
  fc.assert(
    fc.property(mutation, ({ seed, edits, asText }) => {
      let tree: unknown = structuredClone(SEEDS[seed]);
      for (const { pick, value } of edits) {
        const all = paths(tree).filter((p) => p.length > 0);
        if (all.length === 0) break;
        tree = withValue(tree, all[pick % all.length], value);
      }
      parsesOrRefuses(asText ? JSON.stringify(tree) : tree);
    }),
    { numRuns: 3000 },
  );
  // Text-level damage: a few characters cut or replaced anywhere.
  const text = JSON.stringify(rtcAnswer());
  fc.assert(
    fc.property(
      fc.nat(text.length),
      fc.nat(8),
      fc.string({ maxLength: 3 }),
      (at, cut, insert) => {
        parsesOrRefuses(text.slice(0, at) + insert + text.slice(at + cut));
      },
    ),
    { numRuns: 2000 },
  );
  fc.assert(fc.property(fc.jsonValue(), parsesOrRefuses), { numRuns: 1000 });
});
