/**
 * Keeps Telegram's view of our participant in step with the client's media
 * state: `Client.onUpgrade` changes go out as
 * `phone.editGroupCallParticipant` (muted, video_stopped, video_paused), so
 * other members see the mute icon and no frozen last frame after a video
 * ends (pytgcalls#313).
 *
 * @module
 */

import type { MediaState } from "../call/types.ts";
import { adapterError } from "./join_errors.ts";
import type {
  EditSelfRequest,
  GroupCallRef,
  JoinAsPeer,
  MtprotoAdapter,
} from "./mtproto_adapter.ts";

/** The participant flags the mirror tracks. */
interface ParticipantFlags {
  muted: boolean;
  videoStopped: boolean;
  videoPaused: boolean;
}

/** Where failed edits are reported (never thrown: they come from callbacks). */
export interface MirrorLogger {
  /** An edit failed. */
  warn(...args: unknown[]): void;
}

/**
 * Sends only what changed since the last edit (or since the join, whose
 * `muted` / `video_stopped` flags are the starting point).
 *
 * @example
 * ```ts
 * import { MediaStateMirror } from "./media_state_mirror.ts";
 *
 * const mirror = new MediaStateMirror({
 *   getGroupCall: () => Promise.resolve(null),
 *   joinGroupCall: () => Promise.resolve("{}"),
 *   leaveGroupCall: () => Promise.resolve(),
 *   checkGroupCall: () => Promise.resolve([]),
 *   onUpdate: () => () => {},
 * }, undefined, console);
 * mirror.joined({ id: 1n, accessHash: 2n }, false); // an adapter without edits: a no-op later
 * ```
 */
export class MediaStateMirror {
  readonly #adapter: MtprotoAdapter;
  readonly #participant: JoinAsPeer | undefined;
  readonly #logger: MirrorLogger;
  #call: GroupCallRef | undefined;
  #queue: Promise<void> = Promise.resolve();
  #sent: ParticipantFlags = {
    muted: false,
    videoStopped: true,
    videoPaused: false,
  };

  /**
   * @param adapter Edits go through its `editGroupCallParticipant`, if any.
   * @param participant Our `join_as` peer (default self).
   * @param logger Receives failed edits.
   */
  constructor(
    adapter: MtprotoAdapter,
    participant: JoinAsPeer | undefined,
    logger: MirrorLogger,
  ) {
    this.#adapter = adapter;
    this.#participant = participant;
    this.#logger = logger;
  }

  /** A join was accepted with `muted: false` and `video_stopped: !video`. */
  joined(call: GroupCallRef, video: boolean): void {
    this.#call = call;
    this.#sent = { muted: false, videoStopped: !video, videoPaused: false };
  }

  /** No call to edit any more (stopped, or between joins). */
  detach(): void {
    this.#call = undefined;
  }

  /**
   * Mirrors a media-state change. Edits go out one after another, in the
   * order of the changes; the promise resolves after this one (never
   * rejects).
   */
  update(state: MediaState): Promise<void> {
    const call = this.#call;
    const edit = this.#adapter.editGroupCallParticipant;
    if (!call || !edit) return this.#queue;
    const next: ParticipantFlags = {
      muted: state.muted,
      videoStopped: state.videoStopped,
      videoPaused: state.paused,
    };
    const request: {
      -readonly [K in keyof EditSelfRequest]: EditSelfRequest[K];
    } = {
      call,
    };
    if (this.#participant) request.participant = this.#participant;
    let changed = false;
    for (const key of ["muted", "videoStopped", "videoPaused"] as const) {
      if (next[key] !== this.#sent[key]) {
        request[key] = next[key];
        changed = true;
      }
    }
    if (!changed) return this.#queue;
    this.#sent = next;
    return this.#queue = this.#queue.then(async () => {
      try {
        await edit.call(this.#adapter, request);
      } catch (error) {
        try {
          this.#logger.warn(
            "tgcall: session: mirroring the media state failed",
            adapterError(error, "phone.editGroupCallParticipant"),
          );
        } catch {
          // A throwing logger must not break the queue.
        }
      }
    });
  }
}
