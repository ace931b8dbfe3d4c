/**
 * Every error class a user can meet, taken from the public entry point:
 * its class, `instanceof TgCallError` (one `catch` branch for all of
 * tgcall), its stable `code`, its `name`, and the fields it carries. Also
 * pins the entry point's value exports, so plumbing cannot creep back.
 */
import assert from "node:assert/strict";
import * as tgcall from "../mod.ts";
import {
  CallDiscardedError,
  ClosedError,
  ConnectionExistsError,
  ConnectionNotFoundError,
  DtlsError,
  DtlsParseError,
  FFmpegCrashedError,
  FFmpegSpawnError,
  FFmpegStalledError,
  FileError,
  GroupCallNotFoundError,
  IceFailedError,
  InvalidParamsError,
  IvfParseError,
  JoinedElsewhereError,
  MtprotoError,
  NoSourceError,
  NotConnectedError,
  OggParseError,
  PresentationUnsupportedError,
  RtmpModeError,
  SeekUnsupportedError,
  SocketError,
  SocketLimitError,
  SpawnError,
  StreamModeError,
  TelegramRpcError,
  TgCallError,
  WrongModeError,
} from "../mod.ts";
import { test } from "./_support/harness.ts";

const CASES: [TgCallError, new (...args: never[]) => TgCallError, string][] = [
  [new InvalidParamsError("x"), InvalidParamsError, "INVALID_PARAMS"],
  [new ClosedError(), ClosedError, "CLOSED"],
  [new SpawnError("sh", "x"), SpawnError, "SPAWN"],
  [new SocketError("x"), SocketError, "SOCKET"],
  [new SocketLimitError("x"), SocketLimitError, "SOCKET_LIMIT"],
  [new FFmpegSpawnError("ffmpeg", "x"), FFmpegSpawnError, "FFMPEG_SPAWN"],
  [new FFmpegCrashedError(1, null, "x"), FFmpegCrashedError, "FFMPEG_CRASHED"],
  [new FFmpegStalledError(5000), FFmpegStalledError, "FFMPEG_STALLED"],
  [new FileError("x"), FileError, "FILE"],
  [new ConnectionExistsError("x"), ConnectionExistsError, "CONNECTION_EXISTS"],
  [
    new ConnectionNotFoundError("x"),
    ConnectionNotFoundError,
    "CONNECTION_NOT_FOUND",
  ],
  [new NotConnectedError("x"), NotConnectedError, "NOT_CONNECTED"],
  [new WrongModeError("x"), WrongModeError, "WRONG_MODE"],
  [new NoSourceError("x"), NoSourceError, "NO_SOURCE"],
  [new SeekUnsupportedError("x"), SeekUnsupportedError, "SEEK_UNSUPPORTED"],
  [new StreamModeError("x"), StreamModeError, "STREAM_MODE"],
  [new RtmpModeError("x"), RtmpModeError, "RTMP_MODE"],
  [new OggParseError("x"), OggParseError, "OGG_PARSE"],
  [new IvfParseError("x"), IvfParseError, "IVF_PARSE"],
  [new IceFailedError("no-response", 30_000), IceFailedError, "ICE_FAILED"],
  [new DtlsError("x"), DtlsError, "DTLS"],
  [new DtlsParseError("x"), DtlsParseError, "DTLS_PARSE"],
  [new TelegramRpcError("phone.x", 400, "X"), TelegramRpcError, "TELEGRAM_RPC"],
  [new MtprotoError("x"), MtprotoError, "MTPROTO"],
  [
    new GroupCallNotFoundError("x"),
    GroupCallNotFoundError,
    "GROUPCALL_NOT_FOUND",
  ],
  [new JoinedElsewhereError("x"), JoinedElsewhereError, "JOINED_ELSEWHERE"],
  [new CallDiscardedError("x"), CallDiscardedError, "CALL_DISCARDED"],
  [
    new PresentationUnsupportedError("x"),
    PresentationUnsupportedError,
    "PRESENTATION_UNSUPPORTED",
  ],
];

test("errors: every public error is a TgCallError with its own stable code and its class name", () => {
  for (const [error, cls, code] of CASES) {
    assert.ok(error instanceof cls, cls.name);
    assert.ok(error instanceof TgCallError, cls.name);
    assert.ok(error instanceof Error, cls.name);
    assert.equal(error.code, code, cls.name);
    assert.equal(error.name, cls.name);
  }
  // Codes tell errors apart without instanceof.
  const codes = CASES.map(([, , code]) => code);
  assert.equal(new Set(codes).size, codes.length);
});

test("errors: every error class the entry point exports is covered", () => {
  const exported = Object.entries(tgcall)
    .filter(([, v]) => typeof v === "function" && v.prototype instanceof Error)
    .map(([name]) => name)
    .sort();
  const covered = CASES.map(([, cls]) => cls.name).concat("TgCallError").sort();
  assert.deepEqual(exported, covered);
});

test("errors: the entry point exports what a user calls or catches, nothing else", () => {
  const values = Object.keys(tgcall).filter((k) =>
    !(k.endsWith("Error") && k !== "Error")
  ).sort();
  assert.deepEqual(values, [
    "Client",
    "GroupCallSession",
    "SCREENCAST",
    "Track",
    "fromFile",
    "fromShell",
    "fromShells",
    "fromUrl",
    "joinGroupCall",
  ]);
});

test("errors: the fields each error carries", () => {
  const crashed = new FFmpegCrashedError(null, "SIGKILL", "x".repeat(600));
  assert.equal(crashed.exitCode, null);
  assert.equal(crashed.signal, "SIGKILL");
  assert.equal(crashed.stderr.length, 512, "stderr keeps the last 512 bytes");
  assert.equal(new FFmpegSpawnError("/opt/ffmpeg", "x").command, "/opt/ffmpeg");
  const stalled = new FFmpegStalledError(5000, "y".repeat(600));
  assert.equal(stalled.timeoutMs, 5000);
  assert.match(stalled.message, /no output for 5000 ms/);
  assert.ok(new FFmpegSpawnError("ffmpeg", "x") instanceof SpawnError);
  for (const reason of ["no-response", "consent-lost"] as const) {
    const ice = new IceFailedError(reason, 30_000);
    assert.equal(ice.reason, reason);
    assert.match(ice.message, /30000 ms/);
  }
  const rpc = new TelegramRpcError("phone.joinGroupCall", 403, "FORBIDDEN");
  assert.deepEqual(
    [rpc.method, rpc.telegramCode, rpc.telegramText],
    ["phone.joinGroupCall", 403, "FORBIDDEN"],
  );
  const cause = new IceFailedError("consent-lost", 5000);
  assert.equal(new NotConnectedError("x", { cause }).cause, cause);
});
