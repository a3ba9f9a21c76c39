import type { CreateScheduleCommandInput, SchedulerClient } from "@aws-sdk/client-scheduler";
import { classifyFailure } from "../core/aws-errors.ts";
import { cachedUntilFailure } from "../core/cached-until-failure.ts";
import { exponentialBackoff } from "../core/retry.ts";
import { clientConfig } from "../core/sqs-connect.ts";
import { atExpression } from "./expression.ts";

/**
 * One-time EventBridge Scheduler schedules that put one job on its queue later: the schedule's
 * name comes from the job id, its target is the queue with the envelope as the body, and
 * Scheduler deletes it once it fired.
 */

/** Scheduler names are 1-64 of `[0-9a-zA-Z-_.]`; a UUIDv7 job id after this prefix is 45. */
const NAME_PREFIX = "sqs-jobs-";

/** CreateSchedule and DeleteSchedule tries when Scheduler throttles (1,000-5,000 TPS by Region, 250 elsewhere). */
const MAX_TRIES = 8;
const BACKOFF = { base: 100, max: 5_000 };

/** The schedule name of a job sent for later. */
export function scheduleNameFor(jobId: string): string {
  return `${NAME_PREFIX}${jobId}`;
}

/** The job id and schedule name of what `cancel` was given: either one. */
export function cancelTarget(jobIdOrScheduleName: string): { jobId: string; name: string } {
  return jobIdOrScheduleName.startsWith(NAME_PREFIX)
    ? { jobId: jobIdOrScheduleName.slice(NAME_PREFIX.length), name: jobIdOrScheduleName }
    : { jobId: jobIdOrScheduleName, name: scheduleNameFor(jobIdOrScheduleName) };
}

/** Where one-time schedules go and who Scheduler acts as. */
export interface OneTimeTarget {
  readonly client: SchedulerClient;
  readonly groupName: string;
  readonly roleArn: string;
  readonly queueArn: string;
  /** Where Scheduler puts what it could not deliver after its retries. */
  readonly deadLetterArn: string | undefined;
}

/** A job to create a schedule for: its id, the envelope body, its FIFO group. */
export interface ScheduledMessage {
  readonly jobId: string;
  readonly body: string;
  readonly groupId: string | undefined;
}

export type CreateOutcome =
  | { readonly ok: true; readonly name: string }
  | {
      readonly ok: false;
      readonly name: string;
      readonly error: unknown;
      /** An attempt got no answer: the schedule may exist although the call failed. */
      readonly maybeCreated: boolean;
    };

type SchedulerModule = typeof import("@aws-sdk/client-scheduler");

/** The Scheduler SDK, loaded on the first scheduled send: most producers never need it. */
export const loadSchedulerSdk: () => Promise<SchedulerModule> = cachedUntilFailure(
  () => import("@aws-sdk/client-scheduler"),
);

/**
 * The Scheduler client sqs-jobs creates when the caller passes none: it honours
 * `AWS_ENDPOINT_URL_SCHEDULER` / `AWS_ENDPOINT_URL` like the other clients, and leaves throttling
 * to {@link createOneTimeSchedule}'s own backoff (one try per call).
 */
export async function createSchedulerClient(region?: string): Promise<SchedulerClient> {
  const sdk = await loadSchedulerSdk();
  return new sdk.SchedulerClient({
    ...clientConfig(region === undefined ? {} : { region }, "SCHEDULER"),
    maxAttempts: 1,
  });
}

/**
 * Creates the schedule that sends `message` to the queue at `at` (UTC, to the second). Throttling
 * and failures before AWS answered are tried again with backoff; after an attempt without an
 * answer, a ConflictException means that attempt created it: the name is the job's, so a
 * schedule is never created twice.
 */
export async function createOneTimeSchedule(
  target: OneTimeTarget,
  message: ScheduledMessage,
  at: Date,
): Promise<CreateOutcome> {
  const sdk = await loadSchedulerSdk();
  const name = scheduleNameFor(message.jobId);
  const input: CreateScheduleCommandInput = {
    Name: name,
    GroupName: target.groupName,
    ScheduleExpression: atExpression(at),
    ScheduleExpressionTimezone: "UTC",
    FlexibleTimeWindow: { Mode: "OFF" },
    ActionAfterCompletion: "DELETE",
    Target: {
      Arn: target.queueArn,
      RoleArn: target.roleArn,
      Input: message.body,
      ...(message.groupId === undefined ? {} : { SqsParameters: { MessageGroupId: message.groupId } }),
      ...(target.deadLetterArn === undefined ? {} : { DeadLetterConfig: { Arn: target.deadLetterArn } }),
    },
  };
  let ambiguous = false;
  for (let tries = 1; ; tries++) {
    try {
      await target.client.send(new sdk.CreateScheduleCommand(input));
      return { ok: true, name };
    } catch (error) {
      if (ambiguous && errorName(error) === "ConflictException") return { ok: true, name };
      const kind = classifyFailure(error);
      if (kind === "ambiguous") ambiguous = true;
      if (kind === "final" || tries >= MAX_TRIES) return { ok: false, name, error, maybeCreated: ambiguous };
      await sleep(exponentialBackoff(BACKOFF, tries));
    }
  }
}

/**
 * Deletes a schedule that has not fired yet. `false`: there is none by that name (it fired, was
 * deleted, or never existed).
 */
export async function deleteOneTimeSchedule(
  client: SchedulerClient,
  groupName: string,
  name: string,
): Promise<boolean> {
  const sdk = await loadSchedulerSdk();
  let deletedBefore = false;
  for (let tries = 1; ; tries++) {
    try {
      await client.send(new sdk.DeleteScheduleCommand({ Name: name, GroupName: groupName }));
      return true;
    } catch (error) {
      // An attempt without an answer may have deleted it; then the next one finds nothing.
      if (errorName(error) === "ResourceNotFoundException") return deletedBefore;
      const kind = classifyFailure(error);
      if (kind === "ambiguous") deletedBefore = true;
      if (kind === "final" || tries >= MAX_TRIES) throw error;
      await sleep(exponentialBackoff(BACKOFF, tries));
    }
  }
}

function errorName(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "name" in error ? String(error.name) : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
