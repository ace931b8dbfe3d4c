/**
 * `@x/tgcall/testing` — a Telegram group call on loopback, for testing bots
 * and sessions without Telegram.
 *
 * {@linkcode LocalGroupCallServer} pairs a fake Telegram
 * ({@linkcode FakeTelegram}, an `MtprotoAdapter` with Telegram's answers,
 * errors and updates) with a stand-in SFU built on libdatachannel (npm
 * `node-datachannel`, a dev dependency: install it to use this module).
 * Each participant is one libdatachannel peer behind its own UDP relay, so
 * tests can read what arrived (packets, loss, audio level, keyframes,
 * Sender Reports), inject blackouts, SFU restarts and Telegram faults, and
 * record the media as Ogg / IVF. The lower-level pieces — the peer, the
 * relay, the ffmpeg judges and the RTP-to-file writers — are exported too.
 *
 * @example
 * ```ts
 * import { Client, fromShells } from "./mod.ts";
 * import { LocalGroupCallServer } from "./testing.ts";
 *
 * const chatId = -1001234567890n;
 * await using server = await LocalGroupCallServer.start();
 * server.createGroupCall(chatId);
 * await using client = await Client.create({
 *   networkTypes: ["udp4"],
 *   bindAddress: { udp4: "127.0.0.1" },
 * });
 * const call = (await server.telegram.getGroupCall(chatId))!;
 * const params = await client.createCall(chatId, { video: false });
 * const answer = await server.telegram.joinGroupCall({
 *   call,
 *   params,
 *   muted: false,
 *   videoStopped: true,
 * });
 * await client.connect(chatId, answer);
 * await client.setStreamSources(
 *   chatId,
 *   fromShells('ffmpeg -re -f lavfi -i "sine=duration=2"', ""),
 * );
 * const source = JSON.parse(params).ssrc >>> 0;
 * await server.waitFor(() => (server.participant(source)?.audio.packets ?? 0) >= 25);
 * console.log(server.participant(source)!.audio.kbps > 0); // true
 * ```
 *
 * @module
 */

export {
  LocalGroupCallServer,
  type LocalGroupCallServerOptions,
  WaitTimeoutError,
} from "./src/testing/local_group_call_server.ts";
export {
  FakeTelegram,
  type TelegramRequest,
} from "./src/testing/fake_telegram.ts";
export type { RtpHeaderFields, RtpPacketView } from "./src/rtp/packet.ts";
export type { ParticipantView } from "./src/testing/sfu_endpoint.ts";
export type { AudioStats, VideoStats } from "./src/testing/endpoint_stats.ts";
export type { Recording } from "./src/testing/recording.ts";
export {
  LibdatachannelPeer,
  type LibdatachannelPeerOptions,
  type ReceivedRtp,
} from "./src/testing/libdatachannel_peer.ts";
export {
  type RelayCounts,
  type RelayTarget,
  startLossyRelay,
  startUdpRelay,
  type UdpRelay,
  type UdpRelayOptions,
} from "./src/testing/udp_relay.ts";
export {
  countDecodedFrames,
  decodePcm,
  decodeStrict,
  probeDuration,
  run,
  windowLevels,
  zeroCrossingHz,
} from "./src/testing/ffmpeg_tools.ts";
export {
  depacketizeVp8,
  opusRtpToOgg,
  sortBySequence,
  startsVp8Keyframe,
  vp8Descriptor,
  writeIvf,
  writeOggOpus,
} from "./src/testing/rtp_files.ts";
