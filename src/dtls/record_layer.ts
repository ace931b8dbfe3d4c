/**
 * The client's record-layer state (RFC 6347 §4.1): one write sequence
 * number per epoch, the epoch-1 AES-GCM keys in each direction, and the
 * replay window for what the server protects.
 *
 * Epoch 0 is plaintext (the handshake up to ChangeCipherSpec); epoch 1
 * is everything after it. A DTLS-SRTP handshake never renegotiates, so
 * there is no epoch 2: records claiming one are dropped, as are epoch-1
 * records that arrive before we have keys, fail authentication
 * (RFC 6347 §4.1.2.7) or are replays (§4.1.2.6).
 *
 * @module
 */

import { Alert, DtlsError } from "./errors.ts";
import type { GcmKeys } from "./prf.ts";
import {
  type DtlsRecord,
  encodeRecord,
  GcmRecordCipher,
  ReplayWindow,
} from "./record.ts";

/** The epochs a DTLS-SRTP association uses. */
export type Epoch = 0 | 1;

/** Record protection and sequencing for the client side of one association. */
export class RecordLayer {
  readonly #nextSeq: [number, number] = [0, 0];
  #writeCipher: GcmRecordCipher | undefined;
  #readCipher: GcmRecordCipher | undefined;
  readonly #replay = new ReplayWindow();

  /** Whether epoch-1 keys are installed. */
  get hasKeys(): boolean {
    return this.#writeCipher !== undefined;
  }

  /**
   * Installs epoch-1 keys from the key block: we write with the client
   * key and read with the server's.
   */
  setClientKeys(keys: GcmKeys): void {
    this.#writeCipher = new GcmRecordCipher(keys.clientKey, keys.clientIv);
    this.#readCipher = new GcmRecordCipher(keys.serverKey, keys.serverIv);
  }

  /**
   * The plaintext of a record we accept, or `undefined` for one to drop
   * silently. Never throws.
   */
  open(record: DtlsRecord): Uint8Array | undefined {
    if (record.epoch === 0) return record.fragment;
    if (record.epoch !== 1 || !this.#readCipher) return undefined;
    if (!this.#replay.check(record.seq)) return undefined;
    const opened = this.#readCipher.open(record);
    if (!opened) return undefined;
    this.#replay.accept(record.seq);
    return opened;
  }

  /**
   * Frames one record at `epoch` with the next sequence number of that
   * epoch, protecting it when the epoch is 1.
   */
  seal(type: number, epoch: Epoch, plaintext: Uint8Array): Uint8Array {
    if (epoch === 1 && !this.#writeCipher) {
      throw new DtlsError(
        "Cannot protect an epoch-1 record before the key exchange",
        Alert.InternalError,
      );
    }
    const seq = this.#nextSeq[epoch]++;
    const fragment = epoch === 1
      ? this.#writeCipher!.seal(type, 1, seq, plaintext)
      : plaintext;
    return encodeRecord(type, epoch, seq, fragment);
  }
}
