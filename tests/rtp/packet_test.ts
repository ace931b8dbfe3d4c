/**
 * RTP headers and one-byte extensions (RFC 3550, RFC 8285 §4.2), the RFC
 * 6464 level byte and abs-send-time, checked against werift-rtp's parser —
 * an implementation nobody here wrote.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { RtpPacket } from "werift-rtp";
import {
  absSendTime24,
  audioLevelByte,
  DEFAULT_EXTENSION_IDS,
  extensionIdsFrom,
  ExtensionUri,
} from "../../src/rtp/header_extensions.ts";
import { readRtpPacket, writeRtpHeader } from "../../src/rtp/packet.ts";
import { test } from "../_support/harness.ts";

test("rtp: a header with audio-level, abs-send-time and transport-cc extensions parses in werift-rtp", () => {
  const buf = new Uint8Array(200);
  const n = writeRtpHeader(buf, {
    payloadType: 111,
    marker: true,
    sequenceNumber: 0xfffe,
    timestamp: 0xdeadbeef,
    ssrc: 0x80000001,
  }, [
    { id: 1, length: 1, value: audioLevelByte(-30, true) },
    { id: 2, length: 3, value: 0x123456 },
    { id: 3, length: 2, value: 0xabcd },
  ]);
  // 12 + 4 (0xBEDE, length) + (2 + 4 + 3 = 9 → padded to 12).
  assert.equal(n, 28);
  buf.set([1, 2, 3], n);
  const p = RtpPacket.deSerialize(Buffer.from(buf.subarray(0, n + 3)));
  assert.equal(p.header.payloadType, 111);
  assert.equal(p.header.marker, true);
  assert.equal(p.header.sequenceNumber, 0xfffe);
  assert.equal(p.header.timestamp, 0xdeadbeef);
  assert.equal(p.header.ssrc, 0x80000001);
  const ext = new Map(p.header.extensions.map((e) => [e.id, [...e.payload]]));
  assert.deepEqual(ext.get(1), [0x80 | 30]);
  assert.deepEqual(ext.get(2), [0x12, 0x34, 0x56]);
  assert.deepEqual(ext.get(3), [0xab, 0xcd]);
  assert.deepEqual([...p.payload], [1, 2, 3]);
  // Our own reader agrees.
  const ours = readRtpPacket(buf.subarray(0, n + 3))!;
  assert.equal(ours.payloadOffset, n);
  assert.deepEqual([...ours.extensions.get(2)!], [0x12, 0x34, 0x56]);
});

test("rtp: no extensions means no X bit and a 12-byte header", () => {
  const buf = new Uint8Array(20);
  assert.equal(
    writeRtpHeader(buf, {
      payloadType: 100,
      marker: false,
      sequenceNumber: 1,
      timestamp: 2,
      ssrc: 3,
    }),
    12,
  );
  assert.equal(buf[0], 0x80);
});

test("rtp/rfc6464: the level byte is -dBov clamped to 0..127 with V only for voice", () => {
  assert.equal(audioLevelByte(0, true), 0x80);
  assert.equal(audioLevelByte(-0.4, false), 0);
  assert.equal(audioLevelByte(-42, true), 0x80 | 42);
  assert.equal(audioLevelByte(-127, false), 127);
  assert.equal(audioLevelByte(-200, false), 127); // quieter than -127 dBov
  assert.equal(audioLevelByte(-Infinity, false), 127); // digital silence
  assert.equal(audioLevelByte(3, false), 0); // clipping is still "loudest"
});

test("rtp: abs-send-time is 6.18 fixed-point seconds wrapping at 64 s", () => {
  assert.equal(absSendTime24(0), 0);
  assert.equal(absSendTime24(1), 1 << 18);
  assert.equal(absSendTime24(0.5), 1 << 17);
  assert.equal(absSendTime24(64), 0);
  assert.equal(absSendTime24(65.25), (1 << 18) + (1 << 16));
});

test("rtp: extension ids come from the server's rtp-hdrexts, defaults for the rest", () => {
  assert.deepEqual(extensionIdsFrom(undefined), DEFAULT_EXTENSION_IDS);
  const ids = extensionIdsFrom([
    { id: 5, uri: ExtensionUri.TransportWideCc },
    { id: 9, uri: ExtensionUri.AudioLevel },
    { id: 15, uri: ExtensionUri.AbsSendTime }, // unusable in one-byte form
  ]);
  assert.deepEqual(ids, {
    audioLevel: 9,
    absSendTime: 2,
    transportWideCc: 5,
    videoOrientation: 13,
  });
});
