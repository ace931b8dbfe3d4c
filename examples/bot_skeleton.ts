/**
 * The shape of a music bot's call handling, independent of the MTProto
 * library: the bot hands tgcall's JSON to Telegram through a small adapter
 * and feeds the answer back. Plug in mtcute or GramJS (see the adapter
 * sketch at the bottom); tests run this same flow against the local
 * libdatachannel peer (`tests/examples/bot_skeleton_test.ts`).
 *
 * @module
 */

import {
  type ChatId,
  Client,
  fromFile,
  fromUrl,
  type Source,
  StreamModeError,
  Track,
} from "../mod.ts";

/** What the bot needs from its MTProto client (the user "assistant" session). */
export interface GroupCallSignalling {
  /**
   * `phone.joinGroupCall` with `params: dataJSON(params)`, `muted: false`,
   * `videoStopped: !video`; resolves with `updateGroupCallConnection.params.data`
   * (the one with `presentation` unset). Rejects with the RPC error name,
   * e.g. `GROUPCALL_SSRC_DUPLICATE_MUCH`.
   */
  joinGroupCall(
    chatId: ChatId,
    params: string,
    video: boolean,
  ): Promise<string>;
  /** `phone.leaveGroupCall` with `source` = our audio SSRC. */
  leaveGroupCall(chatId: ChatId, source: number): Promise<void>;
}

/** One queued item: a local file or an http(s) URL. */
export interface QueueItem {
  /** Path or URL. */
  input: string;
  /** Stream its picture too. */
  video?: boolean;
}

function sourceOf(item: QueueItem): Source {
  const tracks = item.video ? Track.Video : Track.Audio;
  return /^https?:\/\//i.test(item.input)
    ? fromUrl(item.input, { tracks })
    : fromFile(item.input, { tracks });
}

/**
 * Joins `chatId`, plays `queue` in order (the next item starts when the
 * previous one's audio ends), leaves at the end. Resolves when done.
 */
export async function playQueue(
  client: Client,
  tg: GroupCallSignalling,
  chatId: ChatId,
  queue: QueueItem[],
): Promise<void> {
  const video = queue.some((item) => item.video);
  // Telegram refuses an SSRC another participant already uses: a fresh
  // createCall draws new SSRCs (and credentials), so just try again.
  for (let attempt = 1;; attempt++) {
    const params = await client.createCall(chatId, { video });
    try {
      const answer = await tg.joinGroupCall(chatId, params, video);
      await client.connect(chatId, answer);
      break;
    } catch (error) {
      await client.stop(chatId);
      if (error instanceof StreamModeError) {
        throw new Error(
          "the assistant may only listen here; unmute it and retry",
        );
      }
      const retry = String((error as Error).message).includes(
        "GROUPCALL_SSRC_DUPLICATE_MUCH",
      );
      if (!retry || attempt === 3) throw error;
    }
  }
  const source = client.audioSsrc(chatId);
  let next = 0;
  const finished = new Promise<void>((resolve, reject) => {
    const off = client.onStreamEnd(async (chat, type, _device, error) => {
      if (chat !== chatId || type !== "audio") return;
      if (error) {
        console.warn(`skipping ${queue[next - 1].input}: ${error.message}`);
      }
      if (next < queue.length) {
        await client.setStreamSources(chatId, sourceOf(queue[next++])).catch(
          reject,
        );
        return;
      }
      off();
      resolve();
    });
  });
  await client.setStreamSources(chatId, sourceOf(queue[next++]));
  await finished;
  await client.stop(chatId);
  await tg.leaveGroupCall(chatId, source);
}

/*
 * An mtcute adapter (user session; `@mtcute/bun` on Bun, `@mtcute/node`
 * elsewhere), following ../shared/reference/ecosystem.md §1.3:
 *
 *   const tg: GroupCallSignalling = {
 *     async joinGroupCall(chatId, params, video) {
 *       const call = await inputGroupCall(chatId); // fullChat.call
 *       const res = await mtcute.call({ _: "phone.joinGroupCall", call,
 *         joinAs: { _: "inputPeerSelf" }, params: { _: "dataJSON", data: params },
 *         muted: false, videoStopped: !video });
 *       mtcute.handleClientUpdate(res);
 *       for (const u of res.updates)
 *         if (u._ === "updateGroupCallConnection" && !u.presentation) return u.params.data;
 *       throw new Error("no updateGroupCallConnection");
 *     },
 *     async leaveGroupCall(chatId, source) {
 *       await mtcute.call({ _: "phone.leaveGroupCall", call: await inputGroupCall(chatId), source });
 *     },
 *   };
 *   await using client = await Client.create();
 *   await playQueue(client, tg, -1001234567890, [{ input: "song.mp3" }]);
 */
export { Client };
