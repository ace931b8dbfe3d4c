/**
 * Receiver-side helpers for tests and the demo: turn RTP that the
 * libdatachannel peer decrypted back into files ffmpeg can decode — Opus
 * into Ogg (RFC 7845), VP8 frames (RFC 7741 depacketization) into IVF.
 *
 * @module
 */
import { oggCrc } from "../media/ogg_reader.ts";
import { readRtpPacket, type RtpPacketView } from "../rtp/packet.ts";

/** One Ogg page holding exactly one packet. */
function oggPage(
  packet: Uint8Array,
  granule: number,
  serial: number,
  seq: number,
  type: number,
): Uint8Array {
  const lacing: number[] = [];
  let left = packet.length;
  while (left >= 255) {
    lacing.push(255);
    left -= 255;
  }
  lacing.push(left);
  const page = new Uint8Array(27 + lacing.length + packet.length);
  const v = new DataView(page.buffer);
  page.set([0x4f, 0x67, 0x67, 0x53, 0, type]);
  v.setUint32(6, granule >>> 0, true);
  v.setUint32(10, Math.floor(granule / 2 ** 32), true);
  v.setUint32(14, serial, true);
  v.setUint32(18, seq, true);
  page[26] = lacing.length;
  page.set(lacing, 27);
  page.set(packet, 27 + lacing.length);
  v.setUint32(22, oggCrc(page), true);
  return page;
}

/** Writes Opus packets (in RTP timestamp order) as an Ogg Opus file. */
export function writeOggOpus(
  packets: { data: Uint8Array; rtpTimestamp: number }[],
  channels = 2,
): Uint8Array {
  const head = new Uint8Array(19);
  head.set(new TextEncoder().encode("OpusHead"));
  head[8] = 1;
  head[9] = channels;
  new DataView(head.buffer).setUint32(12, 48000, true);
  const tags = new Uint8Array([
    ...new TextEncoder().encode("OpusTags"),
    4,
    0,
    0,
    0,
    0x74,
    0x65,
    0x73,
    0x74,
    0,
    0,
    0,
    0,
  ]);
  const pages = [oggPage(head, 0, 7, 0, 2), oggPage(tags, 0, 7, 1, 0)];
  const base = packets[0]?.rtpTimestamp ?? 0;
  packets.forEach((p, i) => {
    // Granule = end of this packet; RTP timestamps are start times (20 ms frames).
    const granule = ((p.rtpTimestamp - base) >>> 0) + 960;
    pages.push(
      oggPage(p.data, granule, 7, i + 2, i === packets.length - 1 ? 4 : 0),
    );
  });
  const out = new Uint8Array(pages.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pages) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** RTP packets parsed and put in sequence order (16-bit wrap-aware). */
export function sortBySequence(
  packets: Uint8Array[],
): { packet: Uint8Array; header: RtpPacketView }[] {
  return packets.map((packet) => ({ packet, header: readRtpPacket(packet)! }))
    .sort((a, b) =>
      ((a.header.sequenceNumber - b.header.sequenceNumber + 0x8000) & 0xffff) -
      0x8000
    );
}

/** Rebuilds an Ogg Opus file from received Opus RTP packets (any order). */
export function opusRtpToOgg(packets: Uint8Array[]): Uint8Array {
  return writeOggOpus(
    sortBySequence(packets).map(({ packet, header }) => ({
      data: packet.subarray(header.payloadOffset),
      rtpTimestamp: header.timestamp,
    })),
  );
}

/**
 * Reads a VP8 payload descriptor (RFC 7741 §4.2): where the VP8 data
 * starts, and whether this packet starts a frame (S = 1, partition 0).
 */
export function vp8Descriptor(
  packet: Uint8Array,
  header: RtpPacketView,
): { dataOffset: number; frameStart: boolean } {
  let at = header.payloadOffset;
  const first = packet[at++];
  if (first & 0x80) {
    const ext = packet[at++];
    if (ext & 0x80) at += packet[at] & 0x80 ? 2 : 1; // PictureID
    if (ext & 0x40) at++; // TL0PICIDX
    if (ext & 0x30) at++; // TID/KEYIDX
  }
  return {
    dataOffset: at,
    frameStart: (first & 0x10) !== 0 && (first & 0x07) === 0,
  };
}

/** Whether an RTP packet starts a VP8 keyframe (P bit clear, RFC 6386 §9.1). */
export function startsVp8Keyframe(packet: Uint8Array): boolean {
  const header = readRtpPacket(packet);
  if (!header) return false;
  const { dataOffset, frameStart } = vp8Descriptor(packet, header);
  return frameStart && (packet[dataOffset] & 0x01) === 0;
}

/** Reassembles VP8 frames from RTP packets (RFC 7741 §4), sorted by sequence. */
export function depacketizeVp8(
  packets: Uint8Array[],
): { frames: { data: Uint8Array; timestamp: number }[]; incomplete: number } {
  const frames: { data: Uint8Array; timestamp: number }[] = [];
  let current: Uint8Array[] = [];
  let currentTs = -1;
  let incomplete = 0;
  for (const { packet: p, header: h } of sortBySequence(packets)) {
    const { dataOffset: at, frameStart } = vp8Descriptor(p, h);
    if (frameStart) {
      if (current.length > 0) incomplete++;
      current = [];
      currentTs = h.timestamp;
    }
    if (h.timestamp !== currentTs) continue;
    current.push(p.subarray(at));
    if (h.marker) {
      const size = current.reduce((n, c) => n + c.length, 0);
      const data = new Uint8Array(size);
      let o = 0;
      for (const c of current) {
        data.set(c, o);
        o += c.length;
      }
      frames.push({ data, timestamp: h.timestamp });
      current = [];
    }
  }
  return { frames, incomplete };
}

/** Writes VP8 frames as IVF with a 90 kHz timebase. */
export function writeIvf(
  frames: { data: Uint8Array; timestamp: number }[],
  width: number,
  height: number,
): Uint8Array {
  const size = 32 + frames.reduce((n, f) => n + 12 + f.data.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out.set([0x44, 0x4b, 0x49, 0x46, 0, 0, 32, 0, 0x56, 0x50, 0x38, 0x30]);
  v.setUint16(12, width, true);
  v.setUint16(14, height, true);
  v.setUint32(16, 90000, true);
  v.setUint32(20, 1, true);
  v.setUint32(24, frames.length, true);
  let at = 32;
  const base = frames[0]?.timestamp ?? 0;
  for (const f of frames) {
    v.setUint32(at, f.data.length, true);
    v.setUint32(at + 4, (f.timestamp - base) >>> 0, true);
    out.set(f.data, at + 12);
    at += 12 + f.data.length;
  }
  return out;
}
