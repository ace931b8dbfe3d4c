/**
 * Hello messages (RFC 5246 §7.4.1, RFC 6347 §4.2.1): the ClientHello we
 * send, the HelloVerifyRequest cookie, and the ServerHello with the
 * extensions DTLS-SRTP needs: use_srtp (RFC 5764 §4.1.1) and
 * extended_master_secret (RFC 7627).
 *
 * @module
 */

import { encodeU16s, Reader, Writer } from "./codec.ts";
import { Alert, DtlsError } from "./errors.ts";

/** Cipher suites tgcall offers (RFC 5289 §3.2). */
export const CipherSuite = {
  EcdheEcdsaAes128GcmSha256: 0xc02b,
  EcdheRsaAes128GcmSha256: 0xc02f,
} as const;

/** Extension types. */
export const ExtensionType = {
  SupportedGroups: 10,
  EcPointFormats: 11,
  SignatureAlgorithms: 13,
  UseSrtp: 14,
  ExtendedMasterSecret: 23,
  RenegotiationInfo: 0xff01,
} as const;

/**
 * SRTPProtectionProfile ids carried in use_srtp (RFC 5764 §4.1.2, RFC 7714
 * §14.2). DTLS only moves these numbers; what they mean (key and salt
 * sizes) belongs to the SRTP layer, which the transport maps them to.
 */
export const UseSrtpProfileId = {
  Aes128CmHmacSha1_80: 0x0001,
  AeadAes128Gcm: 0x0007,
} as const;

/** The DTLS 1.2 version field. */
const DTLS_1_2 = 0xfefd;

/** Parsed ServerHello. */
export interface ServerHello {
  /** Server random. */
  random: Uint8Array;
  /** Selected suite. */
  cipherSuite: number;
  /** Selected SRTP profile id, if use_srtp was answered. */
  srtpProfile?: number;
  /** Whether the server agreed to extended_master_secret. */
  extendedMasterSecret: boolean;
}

/** Parses a ServerHello body; throws {@linkcode DtlsError} (decode errors as `DtlsParseError`). */
export function parseServerHello(body: Uint8Array): ServerHello {
  const r = new Reader(body);
  const version = r.u16();
  if (version !== DTLS_1_2) {
    throw new DtlsError(
      `Cannot use DTLS version 0x${version.toString(16)}`,
      Alert.HandshakeFailure,
    );
  }
  const random = r.bytes(32).slice();
  r.vector(1); // session id
  const cipherSuite = r.u16();
  const compression = r.u8();
  if (compression !== 0) {
    throw new DtlsError("Cannot use compression", Alert.IllegalParameter);
  }
  const hello: ServerHello = {
    random,
    cipherSuite,
    extendedMasterSecret: false,
  };
  if (r.remaining > 0) {
    const ext = new Reader(r.vector(2));
    while (ext.remaining > 0) {
      const type = ext.u16();
      const data = new Reader(ext.vector(2));
      if (type === ExtensionType.UseSrtp) {
        const profiles = new Reader(data.vector(2));
        if (profiles.remaining !== 2) {
          throw new DtlsError(
            "Cannot parse use_srtp: server must pick one profile",
            Alert.IllegalParameter,
          );
        }
        hello.srtpProfile = profiles.u16();
      } else if (type === ExtensionType.ExtendedMasterSecret) {
        hello.extendedMasterSecret = true;
      } else if (
        type === ExtensionType.RenegotiationInfo && data.vector(1).length > 0
      ) {
        // RFC 5746 §3.4: on an initial handshake renegotiated_connection
        // must be empty; anything else claims a renegotiation we never began.
        throw new DtlsError(
          "Cannot accept a ServerHello that claims a renegotiation",
          Alert.HandshakeFailure,
        );
      }
    }
  }
  return hello;
}

/** Parses a HelloVerifyRequest: the cookie. */
export function parseHelloVerifyRequest(body: Uint8Array): Uint8Array {
  const r = new Reader(body);
  r.u16(); // server_version: DTLS 1.0 or 1.2, either is fine (RFC 6347 §4.2.1)
  return r.vector(1).slice();
}

/** What goes into our ClientHello. */
export interface ClientHelloOptions {
  /** Client random, the same in both ClientHellos. */
  random: Uint8Array;
  /** The HelloVerifyRequest cookie, or empty. */
  cookie: Uint8Array;
  /** Offered cipher suites. */
  cipherSuites: readonly number[];
  /** Offered use_srtp profile ids, most preferred first. */
  srtpProfiles: readonly number[];
  /** Offered named groups. */
  groups: readonly number[];
  /** Signature schemes we can verify. */
  signatureSchemes: readonly number[];
}

/** Builds a ClientHello body. */
export function encodeClientHello(options: ClientHelloOptions): Uint8Array {
  const ext = (type: number, data: Uint8Array) =>
    new Writer().int(type, 2).vector(data, 2).finish();
  const extensions = new Writer()
    .put(
      ext(
        ExtensionType.SupportedGroups,
        new Writer().vector(encodeU16s(options.groups), 2).finish(),
      ),
    )
    .put(ext(ExtensionType.EcPointFormats, Uint8Array.of(1, 0)))
    .put(
      ext(
        ExtensionType.SignatureAlgorithms,
        new Writer().vector(encodeU16s(options.signatureSchemes), 2).finish(),
      ),
    )
    .put(
      ext(
        ExtensionType.UseSrtp,
        new Writer().vector(encodeU16s(options.srtpProfiles), 2).int(0, 1)
          .finish(),
      ),
    )
    .put(ext(ExtensionType.ExtendedMasterSecret, new Uint8Array(0)))
    .put(ext(ExtensionType.RenegotiationInfo, Uint8Array.of(0)))
    .finish();
  return new Writer()
    .int(DTLS_1_2, 2)
    .put(options.random)
    .vector([], 1) // session id: no resumption
    .vector(options.cookie, 1)
    .vector(encodeU16s(options.cipherSuites), 2)
    .vector([0], 1) // null compression
    .vector(extensions, 2)
    .finish();
}
