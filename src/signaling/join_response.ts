/**
 * Parsing `updateGroupCallConnection.params.data`: the SFU's answer.
 *
 * Three shapes (ntgcalls `response_payload.cpp`, tdesktop
 * `ParseJoinResponse`): RTC (`transport` present), stream mode
 * (`{"stream": true}`: listener only) and RTMP mode (any `rtmp` key).
 *
 * Tolerant where real servers vary: numbers as strings, `parameters` as
 * `[]`, `rtcp-fbs` as `{type, subtype}` or `{"type": "nack pli"}`, missing
 * `channels`. Anything else malformed is an {@linkcode InvalidParamsError}
 * naming the field; nothing else is thrown.
 *
 * @module
 */

import { InvalidParamsError } from "../errors.ts";
import type { CandidateType, IceCandidate } from "../ice/candidate.ts";
import type { FingerprintHash } from "../dtls/certificate.ts";

/** One payload type from `audio`/`video.payload-types`. */
export interface PayloadType {
  /** RTP payload type number. */
  id: number;
  /** Codec name, e.g. `"opus"`, `"VP8"`, `"rtx"`. */
  name: string;
  /** Clock rate (untrusted for video: the SFU has been seen sending 9000). */
  clockrate: number;
  /** Channels; 1 when absent, as tgcalls assumes. */
  channels: number;
  /** fmtp parameters as strings. */
  parameters: Record<string, string>;
  /** rtcp-fb entries. */
  rtcpFbs: { type: string; subtype?: string }[];
}

/** Media section of the answer. */
export interface MediaDescription {
  /** Payload types. */
  payloadTypes: PayloadType[];
  /** Header extension ids by URI. */
  headerExtensions: { id: number; uri: string }[];
}

/** A parsed RTC-mode answer. */
export interface RtcJoinResponse {
  /** Discriminant. */
  mode: "rtc";
  /** The SFU's ICE and DTLS parameters. */
  transport: {
    ufrag: string;
    pwd: string;
    fingerprints: {
      hash: FingerprintHash;
      fingerprint: string;
      setup?: string;
    }[];
    candidates: IceCandidate[];
  };
  /** Audio section, when present. */
  audio?: MediaDescription;
  /** Video section, when present. */
  video?: MediaDescription & { endpoint?: string; serverSources: number[] };
}

/** Every answer shape. */
export type JoinResponse =
  | RtcJoinResponse
  | { mode: "stream" }
  | { mode: "rtmp"; url?: string; key?: string };

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: Json, field: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  throw new InvalidParamsError(
    `Cannot parse join response: ${field} must be a string`,
  );
}

function int(
  v: Json,
  field: string,
  min = -(2 ** 31),
  max = 2 ** 32 - 1,
): number {
  const n = typeof v === "number"
    ? v
    : typeof v === "string" && /^-?\d+$/.test(v.trim())
    ? Number(v)
    : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InvalidParamsError(
      `Cannot parse join response: ${field} must be an integer in [${min}, ${max}]`,
    );
  }
  return n;
}

function parseMedia(v: Json, field: string): MediaDescription {
  if (!isObject(v)) {
    throw new InvalidParamsError(
      `Cannot parse join response: ${field} must be an object`,
    );
  }
  const pts = v["payload-types"] ?? [];
  const exts = v["rtp-hdrexts"] ?? [];
  if (!Array.isArray(pts)) {
    throw new InvalidParamsError(
      `Cannot parse join response: ${field}.payload-types must be an array`,
    );
  }
  if (!Array.isArray(exts)) {
    throw new InvalidParamsError(
      `Cannot parse join response: ${field}.rtp-hdrexts must be an array`,
    );
  }
  const payloadTypes = pts.filter(isObject).map((pt, i) => {
    const f = `${field}.payload-types[${i}]`;
    const params = pt.parameters;
    const parameters: Record<string, string> = {};
    if (isObject(params)) {
      for (const [k, val] of Object.entries(params)) {
        if (typeof val === "string" || typeof val === "number") {
          parameters[k] = String(val);
        }
      }
    }
    const rtcpFbs: { type: string; subtype?: string }[] = [];
    const fbs = pt["rtcp-fbs"];
    if (Array.isArray(fbs)) {
      for (const fb of fbs) {
        if (!isObject(fb) || typeof fb.type !== "string") continue;
        const [type, inlineSub] = fb.type.trim().split(/\s+/, 2);
        const subtype = typeof fb.subtype === "string" && fb.subtype !== ""
          ? fb.subtype
          : inlineSub;
        rtcpFbs.push(subtype ? { type, subtype } : { type });
      }
    }
    return {
      id: int(pt.id, `${f}.id`, 0, 127),
      name: str(pt.name ?? "", `${f}.name`),
      clockrate: pt.clockrate === undefined
        ? 0
        : int(pt.clockrate, `${f}.clockrate`, 0),
      channels: pt.channels === undefined
        ? 1
        : int(pt.channels, `${f}.channels`, 0, 255),
      parameters,
      rtcpFbs,
    };
  });
  const headerExtensions = exts.filter(isObject).map((e, i) => ({
    id: int(e.id, `${field}.rtp-hdrexts[${i}].id`, 1, 255),
    uri: str(e.uri, `${field}.rtp-hdrexts[${i}].uri`),
  }));
  return { payloadTypes, headerExtensions };
}

const CANDIDATE_TYPES = new Set(["host", "srflx", "prflx", "relay"]);

/**
 * Parses the answer JSON (a string, or an already-parsed object).
 *
 * @throws {InvalidParamsError} for anything that is not one of the three
 * shapes or whose required fields are malformed.
 */
export function parseJoinResponse(input: string | Json): JoinResponse {
  let data: Json = input;
  if (typeof input === "string") {
    try {
      data = JSON.parse(input);
    } catch {
      throw new InvalidParamsError(
        "Cannot parse join response: not valid JSON",
      );
    }
  }
  if (!isObject(data)) {
    throw new InvalidParamsError(
      "Cannot parse join response: not a JSON object",
    );
  }
  if (
    "rtmp" in data && data.rtmp !== null && data.rtmp !== undefined &&
    data.rtmp !== false
  ) {
    return {
      mode: "rtmp",
      ...(typeof data.rtmp_stream_url === "string"
        ? { url: data.rtmp_stream_url }
        : {}),
      ...(typeof data.rtmp_stream_key === "string"
        ? { key: data.rtmp_stream_key }
        : {}),
    };
  }
  if (
    data.stream === true || (data.transport === undefined && "stream" in data)
  ) return { mode: "stream" };
  const t = data.transport;
  if (!isObject(t)) {
    throw new InvalidParamsError(
      "Cannot parse join response: transport is missing (no active call?)",
    );
  }
  const fingerprintsJson = t.fingerprints;
  if (!Array.isArray(fingerprintsJson) || fingerprintsJson.length === 0) {
    throw new InvalidParamsError(
      "Cannot parse join response: transport.fingerprints must be a non-empty array",
    );
  }
  const fingerprints = fingerprintsJson.map((f, i) => {
    if (!isObject(f)) {
      throw new InvalidParamsError(
        `Cannot parse join response: transport.fingerprints[${i}] must be an object`,
      );
    }
    const hash = str(f.hash ?? "sha-256", `transport.fingerprints[${i}].hash`)
      .toLowerCase();
    if (
      hash !== "sha-1" && hash !== "sha-256" && hash !== "sha-384" &&
      hash !== "sha-512"
    ) {
      throw new InvalidParamsError(
        `Cannot parse join response: fingerprint hash "${hash}" is not supported`,
      );
    }
    const fingerprint = str(
      f.fingerprint,
      `transport.fingerprints[${i}].fingerprint`,
    );
    if (!/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})+$/.test(fingerprint)) {
      throw new InvalidParamsError(
        `Cannot parse join response: transport.fingerprints[${i}].fingerprint is not hex`,
      );
    }
    return {
      hash: hash as FingerprintHash,
      fingerprint,
      ...(typeof f.setup === "string" ? { setup: f.setup } : {}),
    };
  });
  const candidates: IceCandidate[] = [];
  const cs = t.candidates ?? [];
  if (!Array.isArray(cs)) {
    throw new InvalidParamsError(
      "Cannot parse join response: transport.candidates must be an array",
    );
  }
  cs.forEach((c, i) => {
    if (!isObject(c)) return;
    // ICE-TCP candidates are not implemented; skip rather than fail.
    if (
      str(c.protocol ?? "udp", `transport.candidates[${i}].protocol`)
        .toLowerCase() !== "udp"
    ) return;
    const rawType = str(c.type ?? "host", `transport.candidates[${i}].type`);
    const type = (rawType === "local" ? "host" : rawType) as CandidateType;
    if (!CANDIDATE_TYPES.has(type)) return;
    candidates.push({
      address: str(c.ip, `transport.candidates[${i}].ip`),
      port: int(c.port, `transport.candidates[${i}].port`, 1, 65535),
      priority: c.priority === undefined
        ? 0
        : int(c.priority, `transport.candidates[${i}].priority`, 0),
      type,
      foundation: c.foundation === undefined
        ? ""
        : str(c.foundation, `transport.candidates[${i}].foundation`),
    });
  });
  const response: RtcJoinResponse = {
    mode: "rtc",
    transport: {
      ufrag: str(t.ufrag, "transport.ufrag"),
      pwd: str(t.pwd, "transport.pwd"),
      fingerprints,
      candidates,
    },
  };
  if (data.audio !== undefined && data.audio !== null) {
    response.audio = parseMedia(data.audio, "audio");
  }
  if (data.video !== undefined && data.video !== null) {
    const v = data.video as Record<string, Json>;
    const media = parseMedia(v, "video");
    const sources = Array.isArray(v.server_sources) ? v.server_sources : [];
    response.video = {
      ...media,
      ...(typeof v.endpoint === "string" ? { endpoint: v.endpoint } : {}),
      serverSources: sources.map((s, i) =>
        int(s, `video.server_sources[${i}]`)
      ),
    };
  }
  return response;
}
