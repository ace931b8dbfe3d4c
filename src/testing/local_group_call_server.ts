/**
 * A Telegram group call on loopback, for tests: a fake Telegram
 * ({@linkcode FakeTelegram}, an `MtprotoAdapter`) in front of a stand-in
 * SFU where each participant is one libdatachannel peer behind its own UDP
 * relay. Tests drive a real client through it and then read what the SFU
 * received (packets, loss, audio level, keyframes, Sender Reports), inject
 * network and Telegram faults, and record the media.
 *
 * @module
 */

import { writeFile } from "node:fs/promises";
import type { ChatId } from "../client/options.ts";
import { ClosedError, TgCallError } from "../errors.ts";
import type { GroupCallRef } from "../session/mtproto_adapter.ts";
import { FakeTelegram } from "./fake_telegram.ts";
import { LibdatachannelPeer } from "./libdatachannel_peer.ts";
import { GroupCallRegistry } from "./group_call_registry.ts";
import type { Recording } from "./recording.ts";
import { type ParticipantView, SfuEndpoint } from "./sfu_endpoint.ts";

/** Options for {@linkcode LocalGroupCallServer.start}. */
export interface LocalGroupCallServerOptions {
  /** IPv4 address the SFU peers and relays bind; default `"127.0.0.1"`. */
  bindAddress?: string;
}

/**
 * {@linkcode LocalGroupCallServer.waitFor} gave up.
 *
 * @example
 * ```ts
 * import { LocalGroupCallServer } from "./local_group_call_server.ts";
 *
 * await using server = await LocalGroupCallServer.start();
 * await server.waitFor(() => false, 50, "a miracle")
 *   .catch((error) => console.log(error.code)); // "WAIT_TIMEOUT"
 * ```
 */
export class WaitTimeoutError extends TgCallError {
  /**
   * Creates the error.
   *
   * @param message What was awaited and for how long.
   */
  constructor(message: string) {
    super("WAIT_TIMEOUT", message);
  }
}

/**
 * A local group-call server: fake Telegram plus libdatachannel SFU.
 *
 * @example
 * ```ts
 * import { LocalGroupCallServer } from "./local_group_call_server.ts";
 *
 * const server = await LocalGroupCallServer.start();
 * const call = server.createGroupCall(-1001234567890n);
 * const found = await server.telegram.getGroupCall(-1001234567890n);
 * console.log(found?.id === call.id, server.participants().length); // true 0
 * await server.close();
 * ```
 */
export class LocalGroupCallServer implements AsyncDisposable {
  /** The account every test uses by default: an `MtprotoAdapter`. */
  readonly telegram: FakeTelegram;
  readonly #registry: GroupCallRegistry;
  #accounts = 1;
  #blackout = false;
  /** Relay ports of connections a restart closed: never answered from again. */
  readonly #retiredPorts = new Set<number>();
  #closing: Promise<void> | undefined;

  private constructor(bindAddress: string) {
    this.#registry = new GroupCallRegistry((json, presentation) =>
      SfuEndpoint.open(json, {
        bindAddress,
        presentation,
        blackout: this.#blackout,
        avoidPorts: this.#retiredPorts,
      })
    );
    this.telegram = new FakeTelegram(this.#registry, this.#accounts);
  }

  /** Starts a server; nothing is bound until someone joins. */
  static start(
    options: LocalGroupCallServerOptions = {},
  ): Promise<LocalGroupCallServer> {
    return Promise.resolve(
      new LocalGroupCallServer(options.bindAddress ?? "127.0.0.1"),
    );
  }

  #live(): void {
    if (this.#closing) throw new ClosedError("The local server is closed");
  }

  /**
   * Another Telegram account, for a second participant in the same call
   * (one account has one participant per call, as on Telegram).
   */
  newAccount(): FakeTelegram {
    this.#live();
    return new FakeTelegram(this.#registry, ++this.#accounts);
  }

  /** Starts a group call in `chatId` (returns the active one if any). */
  createGroupCall(chatId: ChatId): GroupCallRef {
    this.#live();
    return this.#registry.createCall(chatId);
  }

  /** Live statistics of every open SFU connection. */
  participants(): ParticipantView[] {
    return this.#registry.connected().map(({ endpoint }) => endpoint.view());
  }

  /**
   * Statistics of the connection with audio source `source` (unsigned):
   * an open one, else the latest closed one (state `"closed"`).
   */
  participant(source: number): ParticipantView | undefined {
    return this.#endpoint(source >>> 0)?.view();
  }

  #endpoint(source: number, open = false): SfuEndpoint | undefined {
    const live = this.#registry.connected().find(({ endpoint }) =>
      endpoint.source === source
    )?.endpoint;
    return live ?? (open ? undefined : this.#registry.departed(source));
  }

  /**
   * Polls `predicate` every 20 ms until it holds; rejects with
   * {@linkcode WaitTimeoutError} after `timeoutMs` (default 5000).
   */
  async waitFor(
    predicate: () => boolean,
    timeoutMs = 5000,
    what = "condition",
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() >= deadline) {
        throw new WaitTimeoutError(
          `waitFor: ${what} still false after ${timeoutMs} ms; participants: ${
            JSON.stringify(
              this.participants().map((p) => ({
                source: p.source,
                state: p.state,
                audio: p.audio.packets,
                video: p.video.packets,
              })),
            )
          }`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Drops every datagram both ways (for every participant, or only
   * `source`'s) while on; joins during a server-wide blackout start dark.
   */
  blackout(on: boolean, source?: number): void {
    if (source === undefined) this.#blackout = on;
    for (const { endpoint } of this.#registry.connected()) {
      if (source === undefined || endpoint.source === source >>> 0) {
        endpoint.blackout = on;
      }
    }
  }

  /**
   * The SFU closes `source`'s connection; Telegram announces that
   * participant as `left`. False if no such connection.
   */
  dropParticipant(source: number): Promise<boolean> {
    return this.#registry.drop(source >>> 0);
  }

  /**
   * The SFU restarts: every connection closes and its participant is
   * forgotten (`checkGroupCall` omits it; no update is sent). Later joins
   * are answered from new ports: never one a restart closed.
   */
  restart(): Promise<void> {
    for (const { endpoint } of this.#registry.connected()) {
      this.#retiredPorts.add(endpoint.view().port);
    }
    return this.#registry.restart();
  }

  /** Sends a PLI to `source`'s video; false without video or connection. */
  requestKeyframe(source: number): boolean {
    return this.#endpoint(source >>> 0, true)?.requestKeyframe() ?? false;
  }

  /** Sends a Generic NACK for video sequence numbers `sequences`. */
  requestNack(source: number, sequences: readonly number[]): boolean {
    return this.#endpoint(source >>> 0, true)?.requestNack(sequences) ??
      false;
  }

  /** What `source` sent so far as Ogg Opus / IVF bytes (open or closed). */
  recording(source: number): Recording | undefined {
    return this.#endpoint(source >>> 0)?.recording();
  }

  /**
   * Writes `source`'s recording to files; a path whose media never arrived
   * is not written. Returns which files were written.
   */
  async record(
    source: number,
    paths: { ogg?: string; ivf?: string },
  ): Promise<{ ogg: boolean; ivf: boolean }> {
    const recording = this.recording(source) ?? {};
    const written = { ogg: false, ivf: false };
    for (const kind of ["ogg", "ivf"] as const) {
      const path = paths[kind], data = recording[kind];
      if (path && data) {
        await writeFile(path, data);
        written[kind] = true;
      }
    }
    return written;
  }

  /**
   * Frees every peer, relay and pending update; idempotent. When no
   * libdatachannel peer is left open in the process, its native threads
   * stop too, so the process can exit.
   */
  close(): Promise<void> {
    return this.#closing ??= this.#registry.close().then(() => {
      LibdatachannelPeer.releaseIfIdle();
    });
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
