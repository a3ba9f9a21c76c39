import type { SchedulerClient } from "@aws-sdk/client-scheduler";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { checkSqsConfig } from "../core/aws-config-check.ts";
import { describeAwsError } from "../core/aws-errors.ts";
import { cachedUntilFailure } from "../core/cached-until-failure.ts";
import { optionalEnv, schedulerDlqArnEnvVar, schedulerRoleArnEnvVar } from "../core/env.ts";
import { ConfigError, InvalidOptionError, SendError } from "../core/errors.ts";
import type { JobDefinition } from "../core/job.ts";
import { queueArnFromUrl } from "../core/queue-url.ts";
import { SCHEDULE_NAME } from "../core/schedule-name.ts";
import type { LedgerConnect } from "../ledger/ledger-options.ts";
import {
  cancelTarget,
  createOneTimeSchedule,
  createSchedulerClient,
  deleteOneTimeSchedule,
  loadSchedulerSdk,
  type OneTimeTarget,
} from "../schedule/one-time.ts";
import type { SchedulerOptions } from "./job-client-options.ts";
import type { Delivery } from "./message.ts";
import type { DeliverOne } from "./send-each.ts";

/** Where a client's jobs sent for later wait: its EventBridge Scheduler settings and client. */
export class SchedulerLink {
  readonly #roleArn: string | undefined;
  readonly #roleEnv: string;
  readonly #groupName: string;
  readonly #deadLetterArn: string | undefined;
  #client: (() => Promise<SchedulerClient>) | undefined;

  constructor(options: SchedulerOptions | undefined, queue: string | undefined) {
    this.#roleEnv = schedulerRoleArnEnvVar(queue);
    this.#roleArn = options?.roleArn ?? optionalEnv(this.#roleEnv);
    this.#groupName = options?.groupName ?? "default";
    this.#deadLetterArn = options?.deadLetterArn ?? optionalEnv(schedulerDlqArnEnvVar(queue));
    if (!SCHEDULE_NAME.test(this.#groupName)) {
      throw new ConfigError(
        `scheduler.groupName must be 1-64 letters, digits, "-", "_" or ".", but a ${this.#groupName.length}-character value was provided`,
      );
    }
    const given = options?.client;
    if (given !== undefined) this.#client = () => Promise.resolve(given);
  }

  /** Whether this client can send for later (it knows Scheduler's role), so has schedules to cancel. */
  get canSchedule(): boolean {
    return this.#roleArn !== undefined;
  }

  /** Before any network call: a send for later needs the role Scheduler acts as. */
  check(delivery: Delivery): void {
    if (delivery.kind === "schedule" && this.#roleArn === undefined) {
      throw new ConfigError(
        `sending a job for later needs the role EventBridge Scheduler sends it with: pass scheduler: { roleArn }, or set ${this.#roleEnv} (JobQueue sets it)`,
      );
    }
  }

  /**
   * The schedule target for jobs to `queueUrl`. A send for later resolves it before any key is
   * reserved: what cannot be built (a queue URL whose ARN cannot be told, the Scheduler SDK)
   * fails with nothing sent.
   */
  async target(sqs: SQSClient, queueUrl: string): Promise<OneTimeTarget> {
    const region = await sqs.config.region();
    // A failed load is not kept: the next send for later tries again.
    this.#client ??= cachedUntilFailure(() => createSchedulerClient(region));
    const target = {
      client: await this.#client(),
      groupName: this.#groupName,
      roleArn: this.#roleArn as string,
      deadLetterArn: this.#deadLetterArn,
      queueArn: queueArnFromUrl(queueUrl, region),
    };
    await loadSchedulerSdk();
    return target;
  }

  /** {@link JobClient.cancel}: deletes a job's schedule, then its ledger entry and unique key. */
  async cancel(
    sqs: SQSClient,
    queueUrl: string,
    jobIdOrScheduleName: string,
    ledgerOf: LedgerConnect | undefined,
  ): Promise<boolean> {
    const { jobId, name } = cancelTarget(jobIdOrScheduleName);
    if (!SCHEDULE_NAME.test(name)) {
      throw new InvalidOptionError(
        `cancel takes a job id or schedule name of letters, digits, "-", "_" and ".", but a ${jobIdOrScheduleName.length}-character value was provided`,
      );
    }
    await checkSqsConfig(sqs);
    const target = await this.target(sqs, queueUrl);
    let deleted: boolean;
    try {
      deleted = await deleteOneTimeSchedule(target.client, target.groupName, name);
    } catch (error) {
      throw new SendError(`cancelling schedule ${name} failed: ${describeAwsError(error)}`, { cause: error });
    }
    if (deleted && ledgerOf !== undefined) {
      const ledger = await ledgerOf();
      try {
        await ledger.forgetCancelled(jobId);
      } catch (error) {
        // Not in silence: a unique key the job held would answer later sends `deduplicated` onto a
        // job that will never run, until its window (counted from `at`) ends.
        throw new SendError(
          `job ${jobId} is cancelled (its schedule is deleted: it will not run), but the job ledger (${ledger.tableName}) could not remove its entry, so a unique key it held stays held until its window ends: ${describeAwsError(error)}`,
          { cause: error, maybeSent: false },
        );
      }
    }
    return deleted;
  }
}

/**
 * The deliver step of a send for later: one CreateSchedule per job (Scheduler has no batch
 * create), with its own retries. A schedule's creation is not cut short at its keys' deadline:
 * Scheduler's calls are quick.
 */
export function scheduleLater(target: OneTimeTarget, at: Date, job: JobDefinition): DeliverOne {
  return async (m, index) => {
    const outcome = await createOneTimeSchedule(target, m, at);
    if (outcome.ok) {
      return {
        index,
        ok: true,
        jobId: m.jobId,
        messageId: "",
        possibleDuplicate: false,
        deduplicated: false,
        scheduleName: outcome.name,
        scheduledAt: at,
      };
    }
    const cause = new SendError(
      `scheduling job "${job.name}" for ${at.toISOString()} (schedule ${outcome.name}) failed: ${describeAwsError(outcome.error)}${outcome.maybeCreated ? "; the schedule may exist anyway (an attempt got no answer): cancel it or check before sending again" : ""}`,
      { cause: outcome.error, maybeSent: outcome.maybeCreated },
    );
    return {
      index,
      ok: false,
      jobId: m.jobId,
      error: describeAwsError(outcome.error),
      possibleDuplicate: outcome.maybeCreated,
      cause,
    };
  };
}
