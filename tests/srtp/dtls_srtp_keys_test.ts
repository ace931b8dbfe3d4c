/**
 * RFC 5764 §4.2: the exported keying material is client key | server key |
 * client salt | server salt, sized by the negotiated profile.
 */
import assert from "node:assert/strict";
import { InvalidParamsError } from "../../src/errors.ts";
import {
  DTLS_SRTP_EXPORTER_LABEL,
  dtlsSrtpKeys,
  splitDtlsSrtpKeys,
} from "../../src/srtp/dtls_srtp_keys.ts";
import { SRTP_PROFILES } from "../../src/srtp/profile.ts";
import { test } from "../_support/harness.ts";

const counting = (n: number) => Uint8Array.from({ length: n }, (_, i) => i);

test("srtp/dtls_srtp_keys: AES_CM_128_HMAC_SHA1_80 splits 16|16|14|14", () => {
  const keys = splitDtlsSrtpKeys(
    SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80,
    counting(60),
  );
  assert.deepEqual(keys.localKey, counting(60).slice(0, 16));
  assert.deepEqual(keys.remoteKey, counting(60).slice(16, 32));
  assert.deepEqual(keys.localSalt, counting(60).slice(32, 46));
  assert.deepEqual(keys.remoteSalt, counting(60).slice(46, 60));
});

test("srtp/dtls_srtp_keys: AEAD_AES_128_GCM splits 16|16|12|12", () => {
  const keys = splitDtlsSrtpKeys(SRTP_PROFILES.AEAD_AES_128_GCM, counting(56));
  assert.deepEqual(keys.localKey, counting(56).slice(0, 16));
  assert.deepEqual(keys.remoteKey, counting(56).slice(16, 32));
  assert.deepEqual(keys.localSalt, counting(56).slice(32, 44));
  assert.deepEqual(keys.remoteSalt, counting(56).slice(44, 56));
});

test("srtp/dtls_srtp_keys: the exporter is asked for the RFC 5764 label and the profile's length", () => {
  const asked: [string, number][] = [];
  const keys = dtlsSrtpKeys(SRTP_PROFILES.AEAD_AES_128_GCM.id, {
    exportKeyingMaterial(label, length) {
      asked.push([label, length]);
      return counting(length);
    },
  });
  assert.deepEqual(asked, [[DTLS_SRTP_EXPORTER_LABEL, 56]]);
  assert.equal(DTLS_SRTP_EXPORTER_LABEL, "EXTRACTOR-dtls_srtp");
  assert.equal(keys.profile, SRTP_PROFILES.AEAD_AES_128_GCM);
});

test("srtp/dtls_srtp_keys: unknown profiles and wrong lengths are InvalidParamsError", () => {
  const exporter = {
    exportKeyingMaterial: (_: string, n: number) => counting(n),
  };
  assert.throws(() => dtlsSrtpKeys(2, exporter), InvalidParamsError);
  assert.throws(
    () => splitDtlsSrtpKeys(SRTP_PROFILES.AEAD_AES_128_GCM, counting(60)),
    InvalidParamsError,
  );
});
