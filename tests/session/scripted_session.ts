/** Shared steps of the scripted session tests (fake time, scripted peers). */
import { strict as assert } from "node:assert";
import {
  type GroupCallSession,
  joinGroupCall,
} from "../../src/session/group_call_session.ts";
import type { JoinGroupCallOptions } from "../../src/session/session_options.ts";
import type { ScriptedClient, scriptedWorld } from "./scripted_peers.ts";

/** The chat every scripted test uses. */
export const CHAT = -1001234567890;

/** What scriptedWorld() returns. */
export type World = ReturnType<typeof scriptedWorld>;

/** Joins on fake time (the transport connects after 50 ms). */
export async function join(
  world: World,
  options: JoinGroupCallOptions = {},
): Promise<GroupCallSession> {
  const joining = joinGroupCall(world.client, world.adapter, CHAT, {
    scheduler: world.scheduler,
    ...options,
  });
  let settled = false;
  joining.then(() => settled = true, () => settled = true);
  for (let i = 0; i < 400 && !settled; i++) await world.run(50);
  return await joining;
}

/** Collects `state:reason` of every change. */
export function record(session: GroupCallSession): string[] {
  const states: string[] = [];
  session.onStateChange((state, info) =>
    states.push(`${state}:${info.reason}`)
  );
  return states;
}

/** Nothing left: no client call, no subscription, no armed fake timer. */
export function assertReleased(world: World): void {
  assert.equal(world.client.calls_.size, 0, "client call left running");
  assert.equal(world.client.subscriptions, 0, "client subscriptions left");
  assert.equal(world.adapter.subscriptions, 0, "adapter subscriptions left");
  assert.equal(world.scheduler.pending, 0, "timers left armed");
}

/** The audio SSRCs of every payload created. */
export function joinsOf(client: ScriptedClient): number[] {
  return client.payloads.map((p) => JSON.parse(p).ssrc);
}
