/**
 * What Telegram's answer decides about the outgoing RTP: payload types
 * (matched by codec name, case-insensitively — the SFU writes `"VP8"`) and
 * header-extension ids. Anything the answer leaves out keeps MediaSender's
 * default (Opus 111, VP8 100, RTX 101).
 *
 * @module
 */

import type { StreamType } from "../media/kind.ts";
import type { MediaSenderOptions } from "../media/media_sender.ts";
import { extensionIdsFrom } from "../rtp/header_extensions.ts";
import type { RtcJoinResponse } from "../signaling/join_response.ts";

/** The MediaSender options taken from the answer. */
export type AnswerSenderOptions = Required<
  Pick<
    MediaSenderOptions,
    "extensionIds" | "audioPayloadType" | "videoPayloadType" | "rtxPayloadType"
  >
>;

/**
 * Payload types and extension ids for a MediaSender from the SFU's answer.
 * Extension ids come from the audio section, else the video one.
 *
 * @example
 * ```ts
 * const options = senderOptionsFromAnswer({
 *   mode: "rtc",
 *   transport: { ufrag: "u", pwd: "p", fingerprints: [], candidates: [] },
 *   audio: {
 *     payloadTypes: [
 *       { id: 109, name: "opus", clockrate: 48000, channels: 2, parameters: {}, rtcpFbs: [] },
 *     ],
 *     headerExtensions: [],
 *   },
 * });
 * console.log(options.audioPayloadType, options.videoPayloadType); // 109 100
 * ```
 */
export function senderOptionsFromAnswer(
  answer: RtcJoinResponse,
): AnswerSenderOptions {
  const pt = (kind: StreamType, name: string, fallback: number) =>
    answer[kind]?.payloadTypes.find((p) => p.name.toLowerCase() === name)
      ?.id ?? fallback;
  return {
    extensionIds: extensionIdsFrom(
      answer.audio?.headerExtensions ?? answer.video?.headerExtensions,
    ),
    audioPayloadType: pt("audio", "opus", 111),
    videoPayloadType: pt("video", "vp8", 100),
    rtxPayloadType: pt("video", "rtx", 101),
  };
}
