/**
 * The parent side of {@linkcode ./peer_host.ts}: spawns child processes of
 * the current runtime, spreads requests over them round-robin, and matches
 * replies by id.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

type Reply = { id: number; answer?: string; packets?: number; error?: string };

/** The argv that runs `file` (a .ts source, or compiled .js under Node) in this runtime. */
function runtimeArgv(file: string): string[] {
  if ("Deno" in globalThis) return ["run", "-A", "--unstable-net", file];
  return [file];
}

/** A set of peer-host child processes. */
export class PeerHosts {
  readonly #children: ChildProcess[] = [];
  readonly #pending = new Map<number, (r: Reply) => void>();
  #next = 0;

  private constructor() {}

  /** Spawns `count` hosts. */
  static start(count: number): PeerHosts {
    const hosts = new PeerHosts();
    const ext = import.meta.url.endsWith(".js") ? ".js" : ".ts";
    const file = fileURLToPath(new URL(`./peer_host${ext}`, import.meta.url));
    for (let i = 0; i < count; i++) {
      // At nice 19: on a small machine the receivers can take every core
      // the sender under test needs (1,000 of them used 130 % of this
      // 2-core machine and left the sender 33k of its 50k sends a second).
      // The sender is what is measured; a receiver that falls behind shows
      // in delivered-%.
      const child = spawn(
        "nice",
        ["-n", "19", process.execPath, ...runtimeArgv(file)],
        { stdio: ["pipe", "pipe", "inherit"] },
      );
      createInterface({ input: child.stdout! }).on("line", (line) => {
        const reply = JSON.parse(line) as Reply;
        hosts.#pending.get(reply.id)?.(reply);
        hosts.#pending.delete(reply.id);
      });
      hosts.#children.push(child);
    }
    return hosts;
  }

  #ask(child: ChildProcess, request: Record<string, unknown>): Promise<Reply> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(
        id,
        (r) => r.error ? reject(new Error(r.error)) : resolve(r),
      );
      child.stdin!.write(JSON.stringify({ id, ...request }) + "\n");
    });
  }

  /** Has host `i % count` answer a tgcall join payload; the join response JSON. */
  async answerJoin(i: number, join: string): Promise<string> {
    const child = this.#children[i % this.#children.length];
    return (await this.#ask(child, { join })).answer!;
  }

  /** Has host `i % count` answer a libdatachannel offer; the answer SDP. */
  async answerOffer(i: number, offer: string): Promise<string> {
    const child = this.#children[i % this.#children.length];
    return (await this.#ask(child, { offer })).answer!;
  }

  /** The hosts' process ids (to read their CPU time). */
  get pids(): number[] {
    return this.#children.map((c) => c.pid!);
  }

  /** Media packets every host received so far. */
  async packets(): Promise<number> {
    const counts = await Promise.all(
      this.#children.map((c) => this.#ask(c, { count: true })),
    );
    return counts.reduce((sum, r) => sum + r.packets!, 0);
  }

  /** Closes the hosts' stdin and waits for them to exit. */
  async close(): Promise<void> {
    await Promise.all(
      this.#children.map((child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.stdin!.end();
          setTimeout(() => child.kill("SIGKILL"), 3000);
        })
      ),
    );
  }
}
