/** Container writers for received RTP (shared with the demo; see src/testing). */
export {
  depacketizeVp8,
  opusRtpToOgg,
  sortBySequence,
  startsVp8Keyframe,
  writeIvf,
  writeOggOpus,
} from "../src/testing/rtp_files.ts";
