/**
 * The RTP header extensions on every outgoing packet, written into three
 * reusable elements (nothing is allocated per packet):
 * - audio level (RFC 6464), audio only;
 * - abs-send-time (24-bit 6.18 fixed-point seconds), for the SFU's
 *   bandwidth estimation;
 * - transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc).
 * The last two are send-time values: only their room is reserved here, as
 * zero, and they go in as each packet leaves (`transport_wide_cc.ts`) —
 * all packets of a frame are written at once but leave paced, and RTX
 * packets copy their original's extensions.
 * Each is written only when the answer negotiated its id.
 *
 * @module
 */

import { audioLevelByte, type ExtensionIds } from "../rtp/header_extensions.ts";
import type { ExtensionElement } from "../rtp/packet.ts";

/** Fills the header extension elements for the next packet. */
export class HeaderExtensionWriter {
  readonly #ids: ExtensionIds;
  /** The elements; the first `count` returned by a write are in use. */
  readonly elements: ExtensionElement[] = [
    { id: 0, length: 1, value: 0 },
    { id: 0, length: 3, value: 0 },
    { id: 0, length: 2, value: 0 },
  ];

  /** @param ids Negotiated extension ids (0 or absent: not negotiated). */
  constructor(ids: ExtensionIds) {
    this.#ids = ids;
  }

  /** Writes an audio packet's extensions; returns how many elements are used. */
  audio(levelDbov: number, voice: boolean): number {
    let count = 0;
    const ext = this.elements;
    if (this.#ids.audioLevel) {
      ext[count].id = this.#ids.audioLevel;
      ext[count].length = 1;
      ext[count++].value = audioLevelByte(levelDbov, voice);
    }
    return this.#common(count);
  }

  /** Writes a video frame's extensions; returns how many elements are used. */
  video(): number {
    return this.#common(0);
  }

  #common(count: number): number {
    const ext = this.elements;
    if (this.#ids.absSendTime) {
      ext[count].id = this.#ids.absSendTime;
      ext[count].length = 3;
      ext[count++].value = 0;
    }
    if (this.#ids.transportWideCc) {
      ext[count].id = this.#ids.transportWideCc;
      ext[count].length = 2;
      ext[count++].value = 0;
    }
    return count;
  }
}
