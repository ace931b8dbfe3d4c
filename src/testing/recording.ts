/**
 * Turns what the stand-in SFU received from one participant into files
 * ffmpeg can decode: its Opus audio as Ogg (RFC 7845) and its VP8 video as
 * IVF. Retransmissions on the RTX source are unwrapped first (RFC 4588 §4:
 * the payload starts with the original sequence number) so a recovered
 * loss fills its gap.
 *
 * @module
 */

import { readRtpPacket } from "../rtp/packet.ts";
import type { DeclaredSources } from "./endpoint_stats.ts";
import { depacketizeVp8, opusRtpToOgg, writeIvf } from "./rtp_files.ts";

/** One participant's media as files. */
export interface Recording {
  /** Ogg Opus of the audio, when any arrived. */
  ogg?: Uint8Array;
  /** IVF of the VP8 video, when any frame arrived. */
  ivf?: Uint8Array;
}

/** The original packet an RTX packet carries, as the video source sent it. */
function unwrapRtx(
  packet: Uint8Array,
  videoSsrc: number,
): { sequence: number; packet: Uint8Array } | null {
  const header = readRtpPacket(packet);
  if (!header || packet.length < header.payloadOffset + 2) return null;
  const at = header.payloadOffset;
  const out = new Uint8Array(packet.length - 2);
  out.set(packet.subarray(0, at));
  out.set(packet.subarray(at + 2), at);
  const view = new DataView(out.buffer);
  const sequence = (packet[at] << 8) | packet[at + 1];
  // The payload type stays RTX's: the depacketizer does not look at it.
  view.setUint16(2, sequence);
  view.setUint32(8, videoSsrc >>> 0);
  return { sequence, packet: out };
}

/** Width and height from a VP8 keyframe header (RFC 6386 §9.1). */
function vp8Size(frame: Uint8Array): { width: number; height: number } | null {
  if (frame.length < 10 || (frame[0] & 1) !== 0) return null;
  if (frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) return null;
  return {
    width: (frame[6] | (frame[7] << 8)) & 0x3fff,
    height: (frame[8] | (frame[9] << 8)) & 0x3fff,
  };
}

/**
 * Builds the recording from received RTP packets of one participant.
 *
 * @example
 * ```ts
 * import { buildRecording } from "./recording.ts";
 *
 * console.log(buildRecording([], { audio: 1 })); // {}
 * ```
 */
export function buildRecording(
  packets: readonly Uint8Array[],
  sources: DeclaredSources,
): Recording {
  const audio: Uint8Array[] = [];
  const video = new Map<number, Uint8Array>();
  for (const packet of packets) {
    const header = readRtpPacket(packet);
    if (!header) continue;
    if (header.ssrc === sources.audio) audio.push(packet);
    else if (header.ssrc === sources.video?.ssrc) {
      video.set(header.sequenceNumber, packet);
    } else if (header.ssrc === sources.video?.rtx) {
      const original = unwrapRtx(packet, sources.video.ssrc);
      if (original && !video.has(original.sequence)) {
        video.set(original.sequence, original.packet);
      }
    }
  }
  const recording: Recording = {};
  if (audio.length > 0) recording.ogg = opusRtpToOgg(audio);
  const { frames } = depacketizeVp8([...video.values()]);
  const size = frames.map((f) => vp8Size(f.data)).find((s) => s !== null);
  if (frames.length > 0 && size) {
    recording.ivf = writeIvf(frames, size.width, size.height);
  }
  return recording;
}
