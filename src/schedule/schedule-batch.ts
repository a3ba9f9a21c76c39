import { mapLimit } from "../core/map-limit.ts";
import {
  type CreateOutcome,
  createOneTimeSchedule,
  type OneTimeTarget,
  type ScheduledMessage,
} from "./one-time.ts";

/**
 * Creates one schedule per message, `concurrency` at a time, each with its own retries. One
 * outcome per message, in input order: nothing is dropped. Scheduler has no batch create, so a
 * bulk of future sends is this many CreateSchedule calls (its quota: 1,000-5,000 per second by
 * Region, 250 elsewhere; throttled calls wait and try again).
 */
export async function createSchedules(
  target: OneTimeTarget,
  messages: readonly ScheduledMessage[],
  at: Date,
  concurrency: number,
  onSettled: (done: number) => void,
): Promise<CreateOutcome[]> {
  let done = 0;
  return mapLimit(messages, concurrency, async (message) => {
    const outcome = await createOneTimeSchedule(target, message, at);
    onSettled(++done);
    return outcome;
  });
}
