/**
 * The feedback an SFU sends a sender, built by hand so the stand-in SFU can
 * ask on demand: Picture Loss Indication (RFC 4585 §6.3.1) and Generic NACK
 * (RFC 4585 §6.2.1), each a single RTCP packet with the common header
 *
 * ```
 * |V=2|P|   FMT   |      PT       |          length (words − 1)          |
 * |                  SSRC of packet sender                               |
 * |                  SSRC of media source                                |
 * ```
 *
 * @module
 */

function feedbackHeader(
  format: number,
  packetType: number,
  senderSsrc: number,
  mediaSsrc: number,
  fciWords: number,
): Uint8Array {
  const packet = new Uint8Array(12 + 4 * fciWords);
  const view = new DataView(packet.buffer);
  packet[0] = 0x80 | format;
  packet[1] = packetType;
  view.setUint16(2, 2 + fciWords);
  view.setUint32(4, senderSsrc >>> 0);
  view.setUint32(8, mediaSsrc >>> 0);
  return packet;
}

/**
 * A PLI asking `mediaSsrc` for a keyframe.
 *
 * @example
 * ```ts
 * import { writePli } from "./rtcp_feedback.ts";
 *
 * console.log(writePli(1, 0x1234).length); // 12
 * ```
 */
export function writePli(senderSsrc: number, mediaSsrc: number): Uint8Array {
  return feedbackHeader(1, 206, senderSsrc, mediaSsrc, 0);
}

/**
 * A Generic NACK for `sequences` of `mediaSsrc`: one FCI entry (PID plus a
 * 16-bit bitmask of the following losses) per run of up to 17 sequences.
 *
 * @example
 * ```ts
 * import { writeNack } from "./rtcp_feedback.ts";
 *
 * console.log(writeNack(1, 0x1234, [10, 11, 40]).length); // 20: two FCI entries
 * ```
 */
export function writeNack(
  senderSsrc: number,
  mediaSsrc: number,
  sequences: readonly number[],
): Uint8Array {
  const sorted = [...new Set(sequences.map((s) => s & 0xffff))].sort((a, b) =>
    a - b
  );
  const entries: { pid: number; blp: number }[] = [];
  for (const sequence of sorted) {
    const last = entries.at(-1);
    const offset = last ? sequence - last.pid : 0;
    if (last && offset >= 1 && offset <= 16) last.blp |= 1 << (offset - 1);
    else entries.push({ pid: sequence, blp: 0 });
  }
  const packet = feedbackHeader(1, 205, senderSsrc, mediaSsrc, entries.length);
  const view = new DataView(packet.buffer);
  entries.forEach((e, i) => {
    view.setUint16(12 + 4 * i, e.pid);
    view.setUint16(14 + 4 * i, e.blp);
  });
  return packet;
}
