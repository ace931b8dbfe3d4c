/**
 * The `params` JSON of `phone.joinGroupCall` (DataJSON.data): our ICE
 * credentials, DTLS fingerprint and SSRCs, in the shape tgcalls emits
 * (`GroupJoinPayloadInternal::serialize`).
 *
 * Every SSRC in Telegram's JSON is a signed 32-bit integer.
 *
 * @module
 */

/** What goes into the join payload. */
export interface JoinPayloadInit {
  /** ICE ufrag. */
  ufrag: string;
  /** ICE password. */
  pwd: string;
  /** SHA-256 certificate fingerprint, colon-separated upper-case hex. */
  fingerprint: string;
  /** Audio SSRC (unsigned or signed; emitted signed). */
  audioSsrc: number;
  /** Video SSRC and its RTX SSRC, when publishing video. */
  video?: { ssrc: number; rtxSsrc: number };
}

/** Converts an SSRC to Telegram's signed int32 form. */
export function toTelegramSsrc(ssrc: number): number {
  return ssrc | 0;
}

/** Converts Telegram's signed int32 SSRC back to unsigned. */
export function fromTelegramSsrc(ssrc: number): number {
  return ssrc >>> 0;
}

/**
 * Builds the join JSON. We are the DTLS client, so `setup` is `"active"`
 * (what every browser-based client sends; the SFU answers `"passive"`).
 * Audio-only joins omit `ssrc-groups` entirely, as tgcalls does; video adds
 * a single FID group [video, rtx] — one layer, no SIM group.
 */
export function buildJoinPayload(init: JoinPayloadInit): string {
  const payload: Record<string, unknown> = {
    ufrag: init.ufrag,
    pwd: init.pwd,
    fingerprints: [{
      hash: "sha-256",
      fingerprint: init.fingerprint,
      setup: "active",
    }],
    ssrc: toTelegramSsrc(init.audioSsrc),
  };
  if (init.video) {
    payload["ssrc-groups"] = [{
      semantics: "FID",
      sources: [
        toTelegramSsrc(init.video.ssrc),
        toTelegramSsrc(init.video.rtxSsrc),
      ],
    }];
  }
  return JSON.stringify(payload);
}

/** A random non-zero 31-bit SSRC, as tgcalls generates (`rand() & 0x7fffffff`). */
export function randomSsrc(): number {
  for (;;) {
    const v = crypto.getRandomValues(new Uint32Array(1))[0] & 0x7fffffff;
    if (v !== 0) return v;
  }
}

const ICE_CHARS =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Random ICE credentials: 4-char ufrag and 24-char password, as libwebrtc. */
export function randomIceCredentials(): { ufrag: string; pwd: string } {
  const pick = (n: number) =>
    Array.from(
      crypto.getRandomValues(new Uint8Array(n)),
      (b) => ICE_CHARS[b & 63],
    ).join("");
  return { ufrag: pick(4), pwd: pick(24) };
}
