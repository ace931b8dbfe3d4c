/**
 * Issue #14: audio frames reach the socket without allocating in steady
 * state, with AES_CM_128_HMAC_SHA1_80 (AES counter mode and HMAC-SHA1 in
 * place). Measured in a process of its own, apart from AES-GCM
 * (`steady_state_allocations_test.ts`); see `tests/_support/steady_state.ts`.
 */
import { steadyStateTest } from "../_support/steady_state.ts";

steadyStateTest("AES_CM_128_HMAC_SHA1_80");
