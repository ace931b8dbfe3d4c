/**
 * Every fuzz target, in the order runs report them.
 *
 * @module
 */

import { dtlsCertificateTarget } from "./dtls_certificate.ts";
import { dtlsHelloTarget } from "./dtls_hello.ts";
import { dtlsKeyExchangeTarget } from "./dtls_key_exchange.ts";
import { dtlsReassemblyTarget } from "./dtls_reassembly.ts";
import { dtlsRecordTarget } from "./dtls_record.ts";
import { ivfTarget } from "./ivf.ts";
import { joinResponseTarget } from "./join_response.ts";
import { oggTarget } from "./ogg.ts";
import { rtcpTarget } from "./rtcp.ts";
import type { FuzzTarget } from "./runner.ts";
import { shellArgsTarget } from "./shell_args.ts";
import { srtcpTarget } from "./srtcp.ts";
import { stunTarget, stunUsernameTarget } from "./stun.ts";
import { urlPolicyTarget } from "./url_policy.ts";

/** All targets. */
export const TARGETS: readonly FuzzTarget[] = [
  joinResponseTarget,
  stunTarget,
  stunUsernameTarget,
  dtlsRecordTarget,
  dtlsHelloTarget,
  dtlsKeyExchangeTarget,
  dtlsReassemblyTarget,
  dtlsCertificateTarget,
  srtcpTarget,
  rtcpTarget,
  oggTarget,
  ivfTarget,
  shellArgsTarget,
  urlPolicyTarget,
];

/** The target named `name`, or undefined. */
export function targetNamed(name: string): FuzzTarget | undefined {
  return TARGETS.find((t) => t.name === name);
}
