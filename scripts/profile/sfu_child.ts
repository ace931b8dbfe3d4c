/**
 * The stand-in SFU for `idle_calls.ts`, in a process of its own so that
 * its CPU time (libdatachannel peers, relays) is not charged to the client
 * being measured. Protocol on stdin/stdout, one JSON object per line:
 * `{"id", "chat", "params"}` in, `{"id", "answer"}` or `{"id", "error"}` out.
 *
 * @module
 */

import { createInterface } from "node:readline";
import { LocalGroupCallServer } from "../../src/testing/local_group_call_server.ts";

const server = await LocalGroupCallServer.start();
const lines = createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  const { id, chat, params } = JSON.parse(line);
  try {
    const chatId = BigInt(chat);
    server.createGroupCall(chatId);
    const call = (await server.telegram.getGroupCall(chatId))!;
    const answer = await server.telegram.joinGroupCall({
      call,
      params,
      muted: false,
      videoStopped: true,
    });
    process.stdout.write(JSON.stringify({ id, answer }) + "\n");
  } catch (error) {
    process.stdout.write(JSON.stringify({ id, error: String(error) }) + "\n");
  }
});
lines.on("close", async () => {
  await server.close();
  process.exit(0);
});
