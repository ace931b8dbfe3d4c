/**
 * RTP header extensions tgcall writes, in the one-byte form (RFC 8285 §4.2),
 * and the ids to write them under.
 *
 * Telegram's SFU reads extensions by the ids it announced in `rtp-hdrexts`
 * (a third party saw transport-cc ignored at pion's default id 4), so ids
 * come from the answer when present, falling back to tgcalls' fixed ids.
 *
 * @module
 */

/** Extension URIs. */
export const ExtensionUri = {
  AudioLevel: "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
  AbsSendTime: "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
  TransportWideCc:
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
  VideoOrientation: "urn:3gpp:video-orientation",
} as const;

/** Ids to write each extension under; 0 disables one. */
export interface ExtensionIds {
  /** ssrc-audio-level (RFC 6464), audio only. */
  audioLevel: number;
  /** abs-send-time. */
  absSendTime: number;
  /** transport-wide sequence number. */
  transportWideCc: number;
  /** video orientation (3GPP TS 26.114), video only. */
  videoOrientation: number;
}

/** tgcalls' fixed ids (§4–5 of the wire notes). */
export const DEFAULT_EXTENSION_IDS: Readonly<ExtensionIds> = {
  audioLevel: 1,
  absSendTime: 2,
  transportWideCc: 3,
  videoOrientation: 13,
};

/**
 * Picks ids from a server's `rtp-hdrexts` list, keeping the default for any
 * URI it does not mention. Ids outside the one-byte range 1–14 are unusable
 * in this form and fall back to the default too.
 */
export function extensionIdsFrom(
  list: readonly { id: number; uri: string }[] | undefined,
): ExtensionIds {
  const ids = { ...DEFAULT_EXTENSION_IDS };
  const pick = (uri: string): number | undefined => {
    const id = list?.find((e) => e.uri === uri)?.id;
    return id !== undefined && id >= 1 && id <= 14 ? id : undefined;
  };
  ids.audioLevel = pick(ExtensionUri.AudioLevel) ?? ids.audioLevel;
  ids.absSendTime = pick(ExtensionUri.AbsSendTime) ?? ids.absSendTime;
  ids.transportWideCc = pick(ExtensionUri.TransportWideCc) ??
    ids.transportWideCc;
  ids.videoOrientation = pick(ExtensionUri.VideoOrientation) ??
    ids.videoOrientation;
  return ids;
}

/**
 * The RFC 6464 level byte: V (voice activity) in the top bit, then the
 * level as −dBov, 0 (loudest) to 127 (silence or quieter).
 */
export function audioLevelByte(levelDbov: number, voice: boolean): number {
  const level = Math.max(0, Math.min(127, Math.round(-levelDbov)));
  return (voice ? 0x80 : 0) | (Number.isFinite(level) ? level : 127);
}

/**
 * abs-send-time: 24-bit fixed point seconds, 6 integer and 18 fractional
 * bits, wrapping every 64 s.
 */
export function absSendTime24(seconds: number): number {
  return Math.floor(seconds * (1 << 18)) & 0xffffff;
}
