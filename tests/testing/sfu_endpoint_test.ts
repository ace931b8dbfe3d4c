/**
 * The stand-in SFU's connection answers from a relay port not in
 * `avoidPorts` (how a restarted LocalGroupCallServer comes back on new
 * ports): a relay landing on an avoided port is held while the next one is
 * bound, then closed, so nothing is left open.
 */
import assert from "node:assert/strict";
import {
  buildJoinPayload,
  randomIceCredentials,
  randomSsrc,
} from "../../src/signaling/join_payload.ts";
import { LibdatachannelPeer } from "../../src/testing/libdatachannel_peer.ts";
import { SfuEndpoint } from "../../src/testing/sfu_endpoint.ts";
import { test } from "../_support/harness.ts";

const FINGERPRINT = Array.from({ length: 32 }, () => "AB").join(":");

test("sfu endpoint: a relay on an avoided port is replaced by one on a new port", async () => {
  const asked: number[] = [];
  // Avoids whatever the first two relays get.
  const avoidPorts = {
    has(port: number) {
      asked.push(port);
      return asked.length <= 2;
    },
  } as ReadonlySet<number>;
  const endpoint = await SfuEndpoint.open(
    buildJoinPayload({
      ...randomIceCredentials(),
      fingerprint: FINGERPRINT,
      audioSsrc: randomSsrc(),
    }),
    { avoidPorts },
  );
  try {
    assert.equal(asked.length, 3);
    const port = endpoint.view().port;
    assert.equal(port, asked[2]);
    assert.equal(new Set(asked).size, 3, `ports ${asked.join(", ")}`);
    const answer = JSON.parse(endpoint.answerJson);
    assert.equal(answer.transport.candidates[0].port, String(port));
  } finally {
    await endpoint.close();
    LibdatachannelPeer.releaseIfIdle();
  }
});
