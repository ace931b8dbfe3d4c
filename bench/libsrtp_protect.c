/*
 * C libsrtp baseline for bench/srtp_bench.ts: srtp_protect() per packet for
 * one profile and payload size, the same packet shape the TypeScript cases
 * protect (12-byte header, PT 111, SSRC 0x12345678, payload 0xab, key 7s,
 * salt 9s). Built and cached by bench/libsrtp_baseline.ts.
 *
 * Usage: libsrtp_protect cm|gcm <payload bytes> <iterations> <rounds>
 * Prints one line per round: microseconds per packet.
 */
#include <srtp2/srtp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s cm|gcm payload iterations rounds\n", argv[0]);
    return 2;
  }
  int gcm = strcmp(argv[1], "gcm") == 0;
  int payload = atoi(argv[2]);
  long iterations = atol(argv[3]);
  int rounds = atoi(argv[4]);
  if (srtp_init() != srtp_err_status_ok) return 3;
  srtp_policy_t policy;
  memset(&policy, 0, sizeof policy);
  unsigned char key[SRTP_AES_GCM_128_KEY_LEN_WSALT + 2];
  memset(key, 7, 16);
  memset(key + 16, 9, sizeof key - 16);
  if (gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_rtp_default(&policy.rtp);
    srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
  }
  policy.ssrc.type = ssrc_any_outbound;
  policy.key = key;
  policy.window_size = 128;
  srtp_t session;
  if (srtp_create(&session, &policy) != srtp_err_status_ok) {
    fprintf(stderr, "srtp_create failed (profile %s unsupported?)\n", argv[1]);
    return 4;
  }
  unsigned char packet[12 + 1500 + SRTP_MAX_TRAILER_LEN];
  unsigned seq = 0;
  /* Like the TypeScript cases, protect one buffer in place over and over:
   * only the sequence number changes (the payload becomes ciphertext). */
  memset(packet, 0xab, sizeof packet);
  packet[0] = 0x80;
  packet[1] = 111;
  memset(packet + 4, 0, 4);
  packet[8] = 0x12, packet[9] = 0x34, packet[10] = 0x56, packet[11] = 0x78;
  for (int r = -1; r < rounds; r++) {
    long n = r < 0 ? 2000 : iterations; /* round -1 warms up */
    double start = now_us();
    for (long i = 0; i < n; i++) {
      seq = (seq + 1) & 0xffff;
      packet[2] = seq >> 8;
      packet[3] = seq & 0xff;
      int len = 12 + payload;
      if (srtp_protect(session, packet, &len) != srtp_err_status_ok) {
        fprintf(stderr, "srtp_protect failed\n");
        return 5;
      }
    }
    if (r >= 0) printf("%.4f\n", (now_us() - start) / n);
  }
  srtp_dealloc(session);
  srtp_shutdown();
  return 0;
}
