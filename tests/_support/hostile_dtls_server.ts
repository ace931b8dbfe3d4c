/**
 * A scripted DTLS 1.2 server on a real UDP socket that can be told to
 * misbehave in one way per run (issue #13's hostile servers). Honest, it
 * completes a DTLS-SRTP handshake with our client: HelloVerifyRequest,
 * flight 4, then ChangeCipherSpec and Finished. Each behaviour changes
 * exactly one thing, so a test that fails can only fail for that reason.
 *
 * It logs what the client sent as an event list ("ClientHello",
 * "Alert(2,51)", …); retransmitted messages are counted, not logged.
 *
 * @module
 */

import { p256 } from "@noble/curves/nist.js";
import {
  type DtlsCertificate,
  generateCertificate,
} from "../../src/dtls/certificate.ts";
import {
  encodeFragment,
  encodeHandshake,
  HandshakeReassembler,
  HandshakeType,
} from "../../src/dtls/handshake.ts";
import type { OutgoingRecord } from "../../src/dtls/flight.ts";
import { handshakeTypeName } from "../../src/dtls/handshake_fsm.ts";
import {
  ContentType,
  type DtlsRecord,
  encodeRecord,
  GcmRecordCipher,
  parseRecords,
} from "../../src/dtls/record.ts";
import { bindUdp, type UdpSocket } from "../../src/runtime/udp.ts";
import {
  buildFlight4,
  type Flight4Options,
  parseClientHello,
  ServerKeySchedule,
} from "./dtls_server_flight.ts";

/** The ways the server can misbehave; "honest" does not. */
export type HostileBehaviour =
  | "honest"
  | "badSignature"
  | "impostorKey"
  | "foreignCertificate"
  | "unsupportedSuite"
  | "unsupportedCurve"
  | "renegotiationInfo"
  | "helloRequest"
  | "renegotiateAfterHandshake"
  | "agreeingOverlap"
  | "conflictingOverlap"
  | "fragmentPastLength"
  | "oversizeMessage"
  | "endlessHelloVerify"
  | "flood"
  | "fatalAlert"
  | "closeNotify"
  | "vanish";

/** A running server. */
export interface HostileDtlsServer {
  /** UDP port on 127.0.0.1. */
  readonly port: number;
  /** The certificate whose fingerprint the client should expect. */
  readonly certificate: DtlsCertificate;
  /** What the client sent, in order. */
  readonly events: string[];
  /** How many client datagrams were retransmissions of a flight. */
  readonly retransmissions: number;
  /** How many datagrams the server sent. */
  readonly sent: number;
  /** Stops any flood and closes the socket; idempotent. */
  close(): Promise<void>;
}

function flight4Options(behaviour: HostileBehaviour): Flight4Options {
  switch (behaviour) {
    case "badSignature":
      return { corruptSignature: true };
    case "impostorKey":
      return { signingKey: p256.utils.randomSecretKey() };
    case "foreignCertificate":
      return { certificate: generateCertificate({ commonName: "foreign" }) };
    case "unsupportedSuite":
      return { cipherSuite: 0xc02c }; // ECDHE-ECDSA-AES256-GCM: never offered
    case "unsupportedCurve":
      return { group: 24 }; // secp384r1: never offered
    case "renegotiationInfo":
      return { renegotiatedConnection: new Uint8Array(12).fill(7) };
    default:
      return {};
  }
}

/** The Certificate message as the behaviour fragments it (RFC 6347 §4.2.3). */
function certificateFragments(
  behaviour: HostileBehaviour,
  seq: number,
  body: Uint8Array,
): Uint8Array[] {
  const half = body.length >> 1;
  const n = body.length;
  switch (behaviour) {
    case "agreeingOverlap":
      return [
        encodeFragment(11, seq, n, 0, body.subarray(0, half + 16)),
        encodeFragment(11, seq, n, half - 16, body.subarray(half - 16)),
      ];
    case "conflictingOverlap": {
      const lie = body.slice(half - 16);
      for (let i = 0; i < 32; i++) lie[i] ^= 0xff;
      return [
        encodeFragment(11, seq, n, 0, body.subarray(0, half + 16)),
        encodeFragment(11, seq, n, half - 16, lie),
      ];
    }
    case "fragmentPastLength":
      return [
        encodeFragment(11, seq, n, 0, body.subarray(0, half)),
        encodeFragment(11, seq, n, half, new Uint8Array(n - half + 40)),
      ];
    case "oversizeMessage":
      return [encodeFragment(11, seq, 70_000, 0, body)];
    default:
      return [encodeHandshake(11, seq, body)];
  }
}

/** Starts a server that behaves as `behaviour`. */
export async function startHostileDtlsServer(
  behaviour: HostileBehaviour,
): Promise<HostileDtlsServer> {
  const certificate = generateCertificate({ commonName: "hostile" });
  const events: string[] = [];
  const reassembler = new HandshakeReassembler();
  const schedule = new ServerKeySchedule();
  const serverRandom = crypto.getRandomValues(new Uint8Array(32));
  const recordSeq = [0, 0];
  let messageSeq = 0;
  let retransmissions = 0, sent = 0, changeCipherSpecs = 0;
  let peer: { address: string; port: number } | undefined;
  let clientRandom: Uint8Array = new Uint8Array(32);
  let ecdheSecret: Uint8Array = new Uint8Array(32);
  let write: GcmRecordCipher | undefined, read: GcmRecordCipher | undefined;
  let lastFlight: OutgoingRecord[] = [];
  let flood: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  let retransmitted = false;
  let closing: Promise<void> | undefined;

  /** Sends records in one datagram, with fresh record numbers. */
  const send = (records: OutgoingRecord[]) => {
    if (closed || !peer) return;
    const parts = records.map(({ type, epoch, plaintext }) => {
      const seq = recordSeq[epoch]++;
      return encodeRecord(
        type,
        epoch,
        seq,
        epoch === 1 ? write!.seal(type, 1, seq, plaintext) : plaintext,
      );
    });
    socket.send(
      new Uint8Array(parts.flatMap((p) => Array.from(p))),
      peer.port,
      peer.address,
    );
    sent++;
  };
  const handshake = (epoch: 0 | 1, plaintext: Uint8Array) => ({
    type: ContentType.Handshake,
    epoch,
    plaintext,
  });
  const alert = (level: number, description: number): OutgoingRecord => ({
    type: ContentType.Alert,
    epoch: 0,
    plaintext: Uint8Array.of(level, description),
  });
  /** An epoch-1 HelloRequest: the server asking to renegotiate. */
  const helloRequest = () =>
    handshake(
      1,
      encodeHandshake(
        HandshakeType.HelloRequest,
        messageSeq++,
        new Uint8Array(0),
      ),
    );
  const flight = (records: OutgoingRecord[]) => {
    lastFlight = records;
    send(records);
  };

  const onClientHello = (seq: number, body: Uint8Array) => {
    const hello = parseClientHello(body);
    if (hello.cookie.length === 0 || behaviour === "endlessHelloVerify") {
      const cookie = crypto.getRandomValues(new Uint8Array(16));
      const hvr = Uint8Array.of(0xfe, 0xff, cookie.length, ...cookie);
      const type = HandshakeType.HelloVerifyRequest;
      flight([handshake(0, encodeHandshake(type, messageSeq++, hvr))]);
      return;
    }
    if (behaviour === "closeNotify") return flight([alert(1, 0)]);
    clientRandom = hello.random;
    schedule.add(HandshakeType.ClientHello, seq, body);
    const built = buildFlight4(
      certificate,
      clientRandom,
      serverRandom,
      flight4Options(behaviour),
    );
    ecdheSecret = built.ecdheSecret;
    const records: OutgoingRecord[] = [];
    for (const [type, messageBody] of built.messages) {
      const s = messageSeq++;
      schedule.add(type, s, messageBody);
      const fragments = type === HandshakeType.Certificate
        ? certificateFragments(behaviour, s, messageBody)
        : [encodeHandshake(type, s, messageBody)];
      for (const f of fragments) records.push(handshake(0, f));
    }
    flight(records);
    if (behaviour === "vanish") void close();
  };

  const onFinished = (seq: number, body: Uint8Array) => {
    const expected = schedule.finished("client finished");
    const good = expected.every((b, i) => b === body[i]);
    events[events.length - 1] = good ? "Finished" : "Finished(bad)";
    schedule.add(HandshakeType.Finished, seq, body);
    const changeCipherSpec: OutgoingRecord = {
      type: ContentType.ChangeCipherSpec,
      epoch: 0,
      plaintext: Uint8Array.of(1),
    };
    if (behaviour === "flood") {
      flood = setInterval(() => send(lastFlight), 5);
    } else if (behaviour === "fatalAlert") {
      send([alert(2, 40)]);
    } else if (behaviour === "helloRequest") {
      flight([changeCipherSpec, helloRequest()]);
    } else {
      const verify = schedule.finished("server finished");
      const finished = encodeHandshake(
        HandshakeType.Finished,
        messageSeq++,
        verify,
      );
      flight([changeCipherSpec, handshake(1, finished)]);
      if (behaviour === "renegotiateAfterHandshake") send([helloRequest()]);
    }
  };

  const onMessage = (type: number, seq: number, body: Uint8Array) => {
    events.push(handshakeTypeName(type));
    if (type === HandshakeType.ClientHello) onClientHello(seq, body);
    else if (type === HandshakeType.ClientKeyExchange) {
      schedule.add(type, seq, body);
      const keys = schedule.keys(ecdheSecret, body, clientRandom, serverRandom);
      write = new GcmRecordCipher(keys.serverKey, keys.serverIv);
      read = new GcmRecordCipher(keys.clientKey, keys.clientIv);
    } else if (type === HandshakeType.Finished) onFinished(seq, body);
  };

  const onRecord = (record: DtlsRecord) => {
    const plaintext = record.epoch === 0 ? record.fragment : read?.open(record);
    if (!plaintext) return events.push(`Undecryptable(${record.type})`);
    if (record.type === ContentType.Alert) {
      events.push(`Alert(${plaintext[0]},${plaintext[1]})`);
    } else if (record.type === ContentType.ChangeCipherSpec) {
      if (changeCipherSpecs++ === 0) events.push("ChangeCipherSpec");
    } else if (record.type === ContentType.Handshake) {
      const { messages, sawOld } = reassembler.push(plaintext);
      retransmitted ||= sawOld && messages.length === 0;
      for (const m of messages) onMessage(m.type, m.seq, m.body);
    } else events.push(`ContentType(${record.type})`);
  };

  const socket: UdpSocket = await bindUdp({
    address: "127.0.0.1",
    onMessage(data, address, port) {
      peer = { address, port };
      retransmitted = false;
      for (const record of parseRecords(data)) onRecord(record);
      if (!retransmitted) return;
      // Our flight was lost, as far as the client can tell: resend it.
      retransmissions++;
      if (!flood) send(lastFlight);
    },
  });
  const close = () => {
    closed = true;
    clearInterval(flood);
    return closing ??= socket.close();
  };
  return {
    port: socket.port,
    certificate,
    events,
    get retransmissions() {
      return retransmissions;
    },
    get sent() {
      return sent;
    },
    close,
  };
}
