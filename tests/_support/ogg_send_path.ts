/**
 * The audio send path in process, without a socket: Ogg pages →
 * OggOpusReader → MediaSender.sendAudio → SRTP → a port that counts bytes.
 * Shared by the steady-state allocation test
 * (`tests/media/steady_state_allocations_test.ts`) and the send path
 * profile (`scripts/profile/send_path.ts`).
 *
 * @module
 */
import type { MediaSender } from "../../src/media/media_sender.ts";
import { OggOpusReader } from "../../src/media/ogg_reader.ts";
import { SrtpContext } from "../../src/srtp/context.ts";
import { SRTP_PROFILES, type SrtpProfileName } from "../../src/srtp/profile.ts";
import { writeOggOpus } from "../../src/testing/rtp_files.ts";
import type { DatagramPort } from "../../src/transport/datagram_port.ts";

/** One Ogg page per 120-byte Opus packet, as ffmpeg writes to a pipe. */
export function oggPages(count: number): Uint8Array[] {
  const packets = Array.from({ length: count }, (_, i) => {
    const data = new Uint8Array(120).fill(i & 0xff);
    data[0] = 0xfc; // CELT fullband 20 ms, stereo, one frame
    return { data, rtpTimestamp: i * 960 };
  });
  const file = writeOggOpus(packets);
  const pages: Uint8Array[] = [];
  for (let at = 0; at < file.length;) {
    let body = 0;
    for (let s = 0; s < file[at + 26]; s++) body += file[at + 27 + s];
    const end = at + 27 + file[at + 26] + body;
    pages.push(file.subarray(at, end));
    at = end;
  }
  return pages;
}

/** What PeerTransport.sendRtp/sendRtcp do once connected. */
export function srtpSink(
  profile: SrtpProfileName,
  port: DatagramPort,
  to: number,
) {
  const p = SRTP_PROFILES[profile];
  const ctx = new SrtpContext(
    p,
    new Uint8Array(p.keyLength).fill(7),
    new Uint8Array(p.saltLength).fill(9),
  );
  const counters = { sent: 0, sendErrors: 0 };
  return {
    counters,
    sendRtp(buf: Uint8Array, length: number) {
      const n = ctx.protectRtp(buf, length);
      const ok = port.send(buf, "127.0.0.1", to, n, counters);
      if (ok) counters.sent++;
      return ok;
    },
    sendRtcp(buf: Uint8Array, length: number) {
      const n = ctx.protectRtcp(buf, length);
      return port.send(buf, "127.0.0.1", to, n, counters);
    },
  };
}

/** A port standing in for the socket: counts bytes, keeps nothing. */
export function countingPort(): DatagramPort & { bytes: number } {
  return {
    bytes: 0,
    send(data, _address, _port, length = data.length) {
      this.bytes += length + data[0];
      return true;
    },
    localPorts: {},
    close: () => Promise.resolve(),
  };
}

/**
 * Step `i` pushes the next of `pages` into an OggOpusReader and sends its
 * frames through `sender` (deadline `i * 20` ms). After the last page a
 * fresh reader starts over, fed the two header pages first.
 */
export function oggPageStep(
  pages: readonly Uint8Array[],
  sender: MediaSender,
): (i: number) => void {
  let reader = new OggOpusReader(), page = pages.length;
  return (i) => {
    if (page === pages.length) {
      reader = new OggOpusReader();
      reader.push(pages[0]);
      reader.push(pages[1]);
      page = 2;
    }
    const frames = reader.push(pages[page++]);
    for (let k = 0; k < frames.length; k++) {
      const f = frames[k];
      sender.sendAudio(f.data, f.timestamp, f.duration, i * 20, -30, true);
    }
  };
}
