import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { SqsJobsError } from "sqs-jobs/internal/core/errors";
import { parseQueueArn } from "sqs-jobs/internal/core/queue-url";
import { SCHEDULE_NAME } from "sqs-jobs/internal/core/schedule-name";
import { createSqsClient } from "sqs-jobs/internal/core/sqs-client";
import { withContextAttributes } from "sqs-jobs/internal/schedule/context-attributes";
import {
  MAX_YEAR,
  type ParsedSchedule,
  parseScheduleExpression,
} from "sqs-jobs/internal/schedule/expression";
import { upcomingFireTimes } from "sqs-jobs/internal/schedule/fire-times";
import { Checks } from "./api-validation.ts";
import { PersistedStoreError } from "./persist-store.ts";

/**
 * EventBridge Scheduler for `sqs-jobs dev` and the test rig: schedules in memory, fired on a clock
 * that tests can move. One-time `at()` schedules fire within a second of their time (a tick runs
 * every 250 ms, and at once when the clock is moved); cron and rate schedules at their times. Only
 * SQS targets are delivered: `Input` becomes the message body, `SqsParameters.MessageGroupId` the
 * group. Like Scheduler, a delivery may come twice (at least once) and FIFO targets get no
 * deduplication id (the queue needs content-based deduplication).
 */

export interface LocalScheduleTarget {
  readonly arn: string;
  readonly roleArn: string;
  readonly input?: string;
  readonly messageGroupId?: string;
}

/** A schedule as CreateSchedule describes it (the fields sqs-jobs and its constructs use). */
export interface LocalScheduleInput {
  readonly name: string;
  /** @default "default" */
  readonly groupName?: string;
  readonly expression: string;
  /** @default "UTC" */
  readonly timezone?: string;
  /** @default "ENABLED" */
  readonly state?: "ENABLED" | "DISABLED";
  /** @default "NONE" */
  readonly actionAfterCompletion?: "NONE" | "DELETE";
  readonly startDate?: Date;
  readonly endDate?: Date;
  readonly description?: string;
  readonly target: LocalScheduleTarget;
}

export interface LocalSchedule
  extends Required<Omit<LocalScheduleInput, "startDate" | "endDate" | "description">> {
  readonly arn: string;
  readonly startDate?: Date;
  readonly endDate?: Date;
  readonly description?: string;
  readonly createdAt: Date;
  readonly modifiedAt: Date;
}

/** A Scheduler API error, by the name the SDK turns into its exception class. */
export class SchedulerApiError extends SqsJobsError {
  override readonly name: string = "SchedulerApiError";
  readonly type: "ResourceNotFoundException" | "ConflictException" | "ValidationException";
  readonly status: number;

  constructor(type: SchedulerApiError["type"], message: string) {
    super("ERR_OPERATION", message);
    this.type = type;
    this.status = type === "ResourceNotFoundException" ? 404 : type === "ConflictException" ? 409 : 400;
  }
}

/** Sends a fired schedule's input to its SQS target. */
export type DeliverToQueue = (
  queueArn: string,
  body: string,
  messageGroupId: string | undefined,
) => Promise<void>;

/** A schedule as the store file keeps it (dates as ISO strings). */
type StoredSchedule = Omit<LocalScheduleInput, "startDate" | "endDate"> & {
  readonly createdAt: string;
  readonly startDate?: string;
  readonly endDate?: string;
  /**
   * It made its last invocation and is kept (ActionAfterCompletion NONE), as Scheduler keeps a
   * completed schedule until it is deleted: a restart must not fire it again.
   */
  readonly completed?: boolean;
};

interface Entry {
  schedule: LocalSchedule;
  readonly parsed: ParsedSchedule;
  /** Epoch ms of the next fire, undefined when it will not fire again. */
  next: number | undefined;
}

const TICK_MS = 250;
/** The last second an expression can name: the clock goes no further. */
const LATEST_TIME = Date.UTC(MAX_YEAR, 11, 31, 23, 59, 59);

export class LocalScheduler {
  readonly #deliver: DeliverToQueue;
  readonly #region: string;
  readonly #account: string;
  readonly #entries = new Map<string, Entry>();
  readonly #onError: (error: unknown, schedule: LocalSchedule) => void;
  readonly #storeFile: string | undefined;
  #offsetMs = 0;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> = Promise.resolve();

  constructor(options: {
    deliver: DeliverToQueue;
    region?: string;
    account?: string;
    /**
     * A delivery that failed (the queue is missing, a FIFO queue without content-based dedup...),
     * or the store file that could not be written after a schedule completed.
     */
    onError?: (error: unknown, schedule: LocalSchedule) => void;
    /**
     * A JSON file that keeps the schedules across restarts (`sqs-jobs dev --persist`). One-time
     * schedules whose time passed while the stack was down fire on start, as late deliveries.
     */
    storeFile?: string;
  }) {
    this.#deliver = options.deliver;
    this.#region = options.region ?? "us-east-1";
    this.#account = options.account ?? "000000000000";
    this.#onError = options.onError ?? (() => {});
    // Loaded before the file is set: re-creating each schedule must not write the file back
    // half-read.
    if (options.storeFile !== undefined) this.#load(options.storeFile);
    this.#storeFile = options.storeFile;
  }

  /** The scheduler's time: the wall clock plus every {@link advance}. */
  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }

  /** Starts firing on time. */
  start(): void {
    this.#timer ??= setInterval(() => void this.tick(), TICK_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Moves the clock forward and fires what became due; resolves once those deliveries are done,
   * so a test can fire a 2-hour delay in milliseconds and then look at the queue. `alsoMove`
   * moves other clocks (the queues') by the same step, once the step is known to be valid.
   * @throws {SchedulerApiError} ValidationException: `ms` is not a number from 0 to what keeps
   *   the clock within the years an expression can name (up to 2199)
   */
  async advance(ms: unknown, options: { readonly alsoMove?: (ms: number) => void } = {}): Promise<Date> {
    const checks = new Checks();
    checks.required(ms, "ms");
    // The clock stays within the years an expression can name (a step of 1e300 ms would make
    // every time it reads an Invalid Date, for the rest of the run).
    const room = LATEST_TIME - this.now().getTime();
    const valid = checks.number(ms, "ms", { min: 0, max: room, integer: false });
    const problem = checks.message();
    if (problem !== undefined || !valid) throw new SchedulerApiError("ValidationException", problem ?? "");
    options.alsoMove?.(ms);
    this.#offsetMs += ms;
    await this.tick();
    return this.now();
  }

  /** Fires every schedule that is due. Ticks never overlap. */
  tick(): Promise<void> {
    this.#ticking = this.#ticking.then(() => this.#fireDue());
    return this.#ticking;
  }

  create(input: LocalScheduleInput): LocalSchedule {
    const groupName = input.groupName ?? "default";
    const problems: string[] = [];
    if (!SCHEDULE_NAME.test(input.name)) problems.push(`Name must be 1-64 characters of [0-9a-zA-Z-_.]`);
    if (!SCHEDULE_NAME.test(groupName)) problems.push(`GroupName must be 1-64 characters of [0-9a-zA-Z-_.]`);
    if (parseQueueArn(input.target.arn) === undefined) {
      problems.push("Target.Arn must be an SQS queue ARN: sqs-jobs dev delivers only to SQS targets");
    }
    if (input.target.roleArn === "") problems.push("Target.RoleArn is required");
    let parsed: ParsedSchedule | undefined;
    try {
      parsed = parseScheduleExpression(input.expression, { timezone: input.timezone ?? "UTC" });
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
    if (problems.length > 0 || parsed === undefined) {
      throw new SchedulerApiError("ValidationException", problems.join("; "));
    }
    const key = keyOf(groupName, input.name);
    if (this.#entries.has(key)) {
      throw new SchedulerApiError("ConflictException", `Schedule ${input.name} already exists.`);
    }
    const now = this.now();
    const schedule: LocalSchedule = {
      ...input,
      groupName,
      timezone: input.timezone ?? "UTC",
      state: input.state ?? "ENABLED",
      actionAfterCompletion: input.actionAfterCompletion ?? "NONE",
      arn: `arn:aws:scheduler:${this.#region}:${this.#account}:schedule/${groupName}/${input.name}`,
      createdAt: now,
      modifiedAt: now,
    };
    const entry: Entry = { schedule, parsed, next: undefined };
    // An at() already past fires at once rather than never.
    entry.next = this.#nextAfter(entry, parsed.kind === "at" ? new Date(0) : new Date(now.getTime() - 1));
    this.#entries.set(key, entry);
    this.#save();
    return schedule;
  }

  get(name: string, groupName = "default"): LocalSchedule | undefined {
    return this.#entries.get(keyOf(groupName, name))?.schedule;
  }

  /** False when there is no such schedule. */
  delete(name: string, groupName = "default"): boolean {
    const deleted = this.#entries.delete(keyOf(groupName, name));
    if (deleted) this.#save();
    return deleted;
  }

  /** Re-creates the stored schedules, each with its first creation time (a rate counts from it). */
  #load(file: string): void {
    if (!existsSync(file)) return;
    try {
      this.#restore(JSON.parse(readFileSync(file, "utf8")) as StoredSchedule[]);
    } catch (cause) {
      this.#entries.clear();
      throw new PersistedStoreError(file, "the schedules store", { cause });
    }
  }

  #restore(stored: StoredSchedule[]): void {
    if (!Array.isArray(stored)) throw new TypeError("not a JSON array of schedules");
    for (const { createdAt, startDate, endDate, completed, ...input } of stored) {
      const schedule = this.create({
        ...input,
        ...(startDate === undefined ? {} : { startDate: new Date(startDate) }),
        ...(endDate === undefined ? {} : { endDate: new Date(endDate) }),
      });
      const entry = this.#entries.get(keyOf(schedule.groupName, schedule.name));
      if (entry === undefined) continue;
      entry.schedule = { ...schedule, createdAt: new Date(createdAt) };
      entry.next =
        completed === true
          ? undefined
          : this.#nextAfter(entry, entry.parsed.kind === "at" ? new Date(0) : this.now());
    }
  }

  #save(): void {
    if (this.#storeFile === undefined) return;
    const stored = [...this.#entries.values()].map(({ schedule, next }) =>
      next === undefined ? { ...schedule, completed: true } : schedule,
    );
    writeFileSync(this.#storeFile, `${JSON.stringify(stored)}\n`);
  }

  list(filter: { groupName?: string; namePrefix?: string } = {}): LocalSchedule[] {
    return [...this.#entries.values()]
      .map((e) => e.schedule)
      .filter(
        (s) =>
          (filter.groupName === undefined || s.groupName === filter.groupName) &&
          (filter.namePrefix === undefined || s.name.startsWith(filter.namePrefix)),
      )
      .sort((a, b) => (keyOf(a.groupName, a.name) < keyOf(b.groupName, b.name) ? -1 : 1));
  }

  #nextAfter(entry: Entry, after: Date): number | undefined {
    const [next] = upcomingFireTimes(entry.schedule, after, 1);
    return next?.getTime();
  }

  async #fireDue(): Promise<void> {
    const now = this.now().getTime();
    const due = [...this.#entries.values()].filter(
      (e) => e.schedule.state === "ENABLED" && e.next !== undefined && e.next <= now,
    );
    await Promise.all(due.map((e) => this.#fire(e, true)));
  }

  async #fire(entry: Entry, onSchedule: boolean): Promise<void> {
    const { schedule } = entry;
    const key = keyOf(schedule.groupName, schedule.name);
    const scheduledTime = new Date(
      onSchedule && entry.next !== undefined ? entry.next : this.now().getTime(),
    );
    if (onSchedule) {
      // A schedule that fell behind (the clock jumped) fires once, then goes on from now.
      entry.next = this.#nextAfter(entry, this.now());
      if (entry.next === undefined) {
        // Completed: DELETE removes it; NONE keeps it, fired, as Scheduler does.
        if (schedule.actionAfterCompletion === "DELETE") this.#entries.delete(key);
        try {
          this.#save();
        } catch (error) {
          // A store that cannot be written (its directory gone) must not stop the firing: said,
          // and the delivery still made.
          this.#onError(error, schedule);
        }
      }
    }
    try {
      const input = withContextAttributes(schedule.target.input ?? "{}", {
        scheduledTime,
        scheduleArn: schedule.arn,
      });
      await this.#deliver(schedule.target.arn, input, schedule.target.messageGroupId);
    } catch (error) {
      this.#onError(error, schedule);
    }
  }
}

/**
 * Delivery to the queues of a local endpoint (fauxqs behind `sqs-jobs dev` or the test rig): the
 * target ARN's account and name make a path-style URL there.
 */
export function deliverToLocalQueues(endpoint: string, region = "us-east-1"): DeliverToQueue {
  const sqs = createSqsClient({
    endpoint,
    region,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  return async (queueArn, body, messageGroupId) => {
    const arn = parseQueueArn(queueArn);
    if (arn === undefined)
      throw new SchedulerApiError("ValidationException", `${queueArn} is not an SQS queue ARN`);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: `${endpoint}/${arn.account}/${arn.name}`,
        MessageBody: body,
        ...(messageGroupId === undefined ? {} : { MessageGroupId: messageGroupId }),
      }),
    );
  };
}

function keyOf(groupName: string, name: string): string {
  return `${groupName}/${name}`;
}
