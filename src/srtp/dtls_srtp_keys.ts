/**
 * SRTP master keys from a DTLS-SRTP handshake (RFC 5764 §4.2).
 *
 * DTLS exports `2 × (key + salt)` bytes with the RFC 5705 exporter under
 * the label "EXTRACTOR-dtls_srtp", laid out as
 *
 * ```
 * client_write_SRTP_master_key | server_write_SRTP_master_key |
 * client_write_SRTP_master_salt | server_write_SRTP_master_salt
 * ```
 *
 * tgcall is always the DTLS client, so "local" is the client half. The
 * exporter is taken structurally, which keeps `src/srtp/` and `src/dtls/`
 * independent of each other.
 *
 * @module
 */

import { InvalidParamsError } from "../errors.ts";
import {
  srtpKeyingMaterialLength,
  type SrtpProfile,
  srtpProfileById,
} from "./profile.ts";

/** The RFC 5764 §4.2 exporter label. */
export const DTLS_SRTP_EXPORTER_LABEL = "EXTRACTOR-dtls_srtp";

/** Anything with an RFC 5705 exporter, such as a connected `DtlsClient`. */
export interface KeyingMaterialExporter {
  /** Exports `length` bytes of keying material under `label`. */
  exportKeyingMaterial(label: string, length: number): Uint8Array;
}

/** SRTP master keys and salts for the DTLS client's side. */
export interface DtlsSrtpKeys {
  /** The negotiated SRTP profile. */
  profile: SrtpProfile;
  /** Our (client) master key: protect what we send with it. */
  localKey: Uint8Array;
  /** Our master salt. */
  localSalt: Uint8Array;
  /** The server's master key: unprotect what we receive. */
  remoteKey: Uint8Array;
  /** The server's master salt. */
  remoteSalt: Uint8Array;
}

/**
 * Splits exported keying material into the client's and the server's
 * master key and salt (RFC 5764 §4.2). Throws {@linkcode InvalidParamsError}
 * unless `material` is exactly as long as the profile needs.
 */
export function splitDtlsSrtpKeys(
  profile: SrtpProfile,
  material: Uint8Array,
): DtlsSrtpKeys {
  const k = profile.keyLength, s = profile.saltLength;
  if (material.length !== srtpKeyingMaterialLength(profile)) {
    throw new InvalidParamsError(
      `Cannot split ${material.length} bytes into ${profile.name} keys: need ${
        srtpKeyingMaterialLength(profile)
      }`,
    );
  }
  return {
    profile,
    localKey: material.slice(0, k),
    remoteKey: material.slice(k, 2 * k),
    localSalt: material.slice(2 * k, 2 * k + s),
    remoteSalt: material.slice(2 * k + s),
  };
}

/**
 * Exports and splits the SRTP keys of a finished handshake whose use_srtp
 * answer was `profileId`. Throws {@linkcode InvalidParamsError} for a
 * profile id tgcall does not implement.
 */
export function dtlsSrtpKeys(
  profileId: number,
  exporter: KeyingMaterialExporter,
): DtlsSrtpKeys {
  const profile = srtpProfileById(profileId);
  if (!profile) {
    throw new InvalidParamsError(
      `Cannot derive SRTP keys for use_srtp profile ${profileId}: not implemented`,
    );
  }
  return splitDtlsSrtpKeys(
    profile,
    exporter.exportKeyingMaterial(
      DTLS_SRTP_EXPORTER_LABEL,
      srtpKeyingMaterialLength(profile),
    ),
  );
}
