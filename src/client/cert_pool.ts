/**
 * Pre-generated DTLS certificates, so a burst of `createCall`s does not
 * wait on key generation (ECDSA P-256 keygen + signing: ~1.2 ms each here,
 * more on small machines). Every call gets a fresh certificate — Telegram
 * clients regenerate on every (re)join — and the pool refills one
 * certificate per scheduler turn in the background.
 *
 * @module
 */

import {
  type DtlsCertificate,
  generateCertificate,
} from "../dtls/certificate.ts";
import {
  type ScheduledTask,
  type Scheduler,
  sharedScheduler,
} from "../runtime/scheduler.ts";

/** Certificates older than this are discarded rather than handed out. */
const MAX_AGE_MS = 24 * 3600 * 1000;

/** A pool of fresh certificates. */
export class CertificatePool {
  readonly #size: number;
  readonly #scheduler: Scheduler;
  readonly #pool: { cert: DtlsCertificate; at: number }[] = [];
  readonly #refill: ScheduledTask;
  #closed = false;

  /**
   * @param size Certificates kept ready; 0 disables pooling.
   * @param scheduler Timer source; default the shared scheduler.
   */
  constructor(size: number, scheduler: Scheduler = sharedScheduler()) {
    this.#size = Math.max(0, Math.floor(size));
    this.#scheduler = scheduler;
    this.#refill = scheduler.task(() => this.#fillOne());
    if (this.#size > 0) this.#refill.after(0);
  }

  /** Certificates ready. */
  get ready(): number {
    return this.#pool.length;
  }

  /** A fresh certificate: from the pool when one is ready, else generated now. */
  take(): DtlsCertificate {
    const now = this.#scheduler.clock.now();
    let entry = this.#pool.shift();
    while (entry && now - entry.at > MAX_AGE_MS) entry = this.#pool.shift();
    if (!this.#closed && this.#size > 0 && !this.#refill.scheduled) {
      this.#refill.after(0);
    }
    return entry?.cert ?? generateCertificate();
  }

  /** Stops refilling and drops the pool. */
  close(): void {
    this.#closed = true;
    this.#refill.cancel();
    this.#pool.length = 0;
  }

  #fillOne(): void {
    if (this.#closed || this.#pool.length >= this.#size) return;
    this.#pool.push({
      cert: generateCertificate(),
      at: this.#scheduler.clock.now(),
    });
    if (this.#pool.length < this.#size) this.#refill.after(0);
  }
}
