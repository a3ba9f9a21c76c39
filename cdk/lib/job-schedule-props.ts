import type { Duration } from "aws-cdk-lib";
import type { OverlapPolicy } from "../../src/core/envelope.ts";
import type { JobDefinition, JobInput } from "../../src/core/job.ts";

/**
 * A periodic job of a {@link JobQueue}: an EventBridge Scheduler schedule that sends the job's
 * envelope with a fixed payload to the queue. Give exactly one of `cron` and `rate`.
 */
export interface JobScheduleOptions<J extends JobDefinition = JobDefinition> {
  /** The job to run; one of the queue's `jobs`. */
  readonly job: J;
  /** The payload of every run, checked against the job's schema at synth time. */
  readonly payload: JobInput<J>;
  /**
   * AWS's six cron fields, minutes hours day-of-month month day-of-week year, with `?` in one of
   * the two day fields: `"0 3 * * ? *"` is every day at 03:00 in `timezone`.
   */
  readonly cron?: string;
  /** A fixed interval in whole minutes, from the time the schedule is created: `Duration.minutes(5)`. */
  readonly rate?: Duration;
  /**
   * The IANA time zone `cron` is read in, e.g. `"Europe/Berlin"` (daylight saving time included).
   * Only with `cron`.
   * @default "UTC"
   */
  readonly timezone?: string;
  /**
   * What a run does when the previous run of this schedule still works: `"skip"` records it as
   * skipped in the job ledger and does not run it (needs the queue's `ledger`); `"allow"` runs it
   * anyway.
   * @default "skip"
   */
  readonly overlap?: OverlapPolicy;
  /**
   * The schedule's description in the Scheduler console, at most 512 characters.
   * @default `sqs-jobs: job "<name>" on queue "<queue>"`
   */
  readonly description?: string;
  /**
   * Whether the schedule fires. A disabled schedule stays in the stack, ready to be turned on.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The FIFO message group of every run (FIFO queues only).
   * @default the job's `fifo.groupId`, applied to `payload`
   */
  readonly groupId?: string;
  /**
   * How long Scheduler keeps retrying a run it could not send to the queue before it puts the run
   * in the schedules' dead-letter queue: 1 minute to 24 hours.
   * @default Duration.hours(24)
   */
  readonly maxEventAge?: Duration;
  /**
   * Retries of a run Scheduler could not send to the queue, 0 to 185, within `maxEventAge`.
   * @default 185
   */
  readonly retryAttempts?: number;
}
