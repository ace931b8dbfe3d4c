/**
 * Audio level in dBov (RFC 6464 §3) from PCM, and the voice-activity bit's
 * threshold and hangover.
 */
import assert from "node:assert/strict";
import { levelDbov, VoiceActivity } from "../../src/media/audio_level.ts";
import { audioLevelByte } from "../../src/rtp/header_extensions.ts";
import { test } from "../_support/harness.ts";

function sine(amplitude: number, n = 960): Int16Array {
  return Int16Array.from(
    { length: n },
    (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / 48000)),
  );
}

test("audio-level/rfc6464: a full-scale sine is -3 dBov, -20 dB below is -23, silence is -127", () => {
  assert.ok(Math.abs(levelDbov(sine(32767)) - -3.01) < 0.05);
  assert.ok(Math.abs(levelDbov(sine(32767 / 10)) - -23.01) < 0.05);
  assert.equal(levelDbov(new Int16Array(960)), -127);
  assert.equal(audioLevelByte(levelDbov(sine(32767 / 10)), true), 0x80 | 23);
});

test("audio-level: V is set above the threshold and held through a 300 ms hangover", () => {
  const vad = new VoiceActivity({ thresholdDbov: -50, hangoverMs: 300 });
  assert.equal(vad.update(-127, 20), false, "silence from the start");
  assert.equal(vad.update(-30, 20), true);
  const held = Array.from({ length: 20 }, () => vad.update(-90, 20));
  // 15 quiet frames (300 ms) keep V; the 16th clears it.
  assert.deepEqual(held.slice(0, 15), new Array(15).fill(true));
  assert.deepEqual(held.slice(15), new Array(5).fill(false));
  assert.equal(vad.update(-49, 20), true);
});
