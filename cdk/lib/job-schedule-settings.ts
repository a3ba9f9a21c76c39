import { ContextAttribute } from "aws-cdk-lib/aws-scheduler";
import { DEAD_LETTER_ROOM_BYTES } from "../../src/core/dead-letter-attributes.ts";
import type { OverlapPolicy } from "../../src/core/envelope.ts";
import { encodeEnvelopeJson } from "../../src/core/envelope-text.ts";
import { formatPath, type ValidationIssue } from "../../src/core/errors.ts";
import type { JobDefinition } from "../../src/core/job.ts";
import { toJsonValue } from "../../src/core/json-value.ts";
import { SCHEDULE_NAME } from "../../src/core/schedule-name.ts";
import { validateNow } from "../../src/core/schema.ts";
import { SQS_MAX_MESSAGE_BYTES } from "../../src/core/sqs-limits.ts";
import type { JobScheduleOptions } from "./job-schedule-props.ts";

/** What a schedule needs to know about its queue. */
export interface ScheduleQueueFacts {
  readonly name: string;
  readonly jobNames: readonly string[];
  readonly fifo: boolean;
  readonly hasLedger: boolean;
}

/** Every setting of one schedule, checked, in the form the construct writes. */
export interface JobScheduleSettings {
  readonly name: string;
  readonly job: string;
  /** `cron(...)` or `rate(...)`, as Scheduler reads it. */
  readonly expression: string;
  readonly timezone: string;
  readonly overlap: OverlapPolicy;
  /** The message body, with Scheduler's placeholders for the run's id and time. */
  readonly input: string;
  readonly groupId: string | undefined;
  readonly description: string;
  readonly enabled: boolean;
  readonly maxEventAgeSeconds: number;
  readonly retryAttempts: number;
}

export interface ResolvedSchedule {
  readonly settings: JobScheduleSettings;
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

/** A cron field: digits, names (JAN, MON), and `* ? , - / L W #`. */
const CRON_FIELD = /^[0-9A-Za-z*?,/#-]+$/;
const FIFO_ID = /^[\x21-\x7e]{1,128}$/;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;
const DEFAULT_RETRY_ATTEMPTS = 185;

/**
 * Checks one `queue.schedule(...)` call and derives what the construct writes, reporting every
 * problem at once. Pure: testable without a synth.
 */
export function resolveSchedule(
  id: string,
  options: JobScheduleOptions,
  queue: ScheduleQueueFacts,
): ResolvedSchedule {
  const problems: (string | undefined)[] = [];
  const warnings: string[] = [];
  const { job } = options;
  const overlap = options.overlap ?? "skip";

  // Scheduler names the schedule by its id, and the envelope carries it.
  if (!SCHEDULE_NAME.test(id)) {
    problems.push(
      `the schedule's id names it in Scheduler and in each run's envelope: 1-64 letters, digits, "-", "_" and ".", but "${id}" was provided`,
    );
  }
  if (!queue.jobNames.includes(job.name)) {
    problems.push(
      `job "${job.name}" is not one of queue "${queue.name}"'s jobs (${queue.jobNames.join(", ")}): add it to the queue's jobs`,
    );
  }
  if (overlap !== "skip" && overlap !== "allow") {
    problems.push(`overlap must be "skip" or "allow", but "${String(overlap)}" was provided`);
  } else if (overlap === "skip" && !queue.hasLedger) {
    problems.push(
      `overlap "skip" (the default) needs the job ledger to see that the previous run still works, but queue "${queue.name}" has none: pass a JobLedger as the queue's ledger, or overlap: "allow" to let runs overlap`,
    );
  }

  const expression = expressionOf(options, problems);
  const timezone = options.timezone ?? "UTC";
  if (options.timezone !== undefined) {
    if (options.rate !== undefined) {
      problems.push("timezone applies to cron schedules only: a rate counts from the schedule's creation");
    } else if (!isTimeZone(options.timezone)) {
      problems.push(
        `timezone must be an IANA time zone name such as "Europe/Berlin" or "America/New_York", but "${options.timezone}" was provided`,
      );
    }
  }

  const description = options.description ?? `sqs-jobs: job "${job.name}" on queue "${queue.name}"`;
  if (description.length > 512) {
    problems.push(`description must be at most 512 characters, but ${description.length} were provided`);
  }
  const maxEventAgeSeconds = options.maxEventAge?.toSeconds() ?? DEFAULT_MAX_EVENT_AGE_SECONDS;
  if (!Number.isInteger(maxEventAgeSeconds) || maxEventAgeSeconds < 60 || maxEventAgeSeconds > 86_400) {
    problems.push(
      `maxEventAge must be a whole number of seconds between 60 and 86,400 (24 hours), but ${maxEventAgeSeconds} was provided`,
    );
  }
  const retryAttempts = options.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
  if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 185) {
    problems.push(`retryAttempts must be an integer between 0 and 185, but ${retryAttempts} was provided`);
  }

  const payload = payloadJson(job, options.payload, problems, warnings, id);
  const groupId = groupIdOf(options, queue.fifo, problems);
  // Scheduler fills in the placeholders at each run: the execution id makes each run its own job,
  // the scheduled time is when the run was due (the same on every delivery attempt of that run).
  const input = encodeEnvelopeJson(
    job.name,
    ContextAttribute.executionId,
    ContextAttribute.scheduledTime,
    payload,
    { schedule: { name: id, overlap } },
  );
  // The placeholders are longer than what replaces them (a 16-character id, a 20-character time),
  // so the body's size with them is an upper bound. Scheduler sends no message attributes. As
  // JobClient does, room is kept for the reason attribute of the run's dead-letter copy.
  const bytes = Buffer.byteLength(input, "utf8");
  if (bytes + DEAD_LETTER_ROOM_BYTES > SQS_MAX_MESSAGE_BYTES) {
    problems.push(
      `the message of each run would be ${bytes.toLocaleString("en-US")} bytes, but SQS accepts at most ${SQS_MAX_MESSAGE_BYTES.toLocaleString("en-US")} and ${DEAD_LETTER_ROOM_BYTES} are kept for a dead-letter reason: store large data in S3 and schedule its key`,
    );
  }

  return {
    settings: {
      name: id,
      job: job.name,
      expression,
      timezone,
      overlap,
      input,
      groupId,
      description,
      enabled: options.enabled ?? true,
      maxEventAgeSeconds,
      retryAttempts,
    },
    problems: problems.filter((p): p is string => p !== undefined),
    warnings,
  };
}

function expressionOf(options: JobScheduleOptions, problems: (string | undefined)[]): string {
  const { cron, rate } = options;
  if ((cron === undefined) === (rate === undefined)) {
    problems.push(
      `give exactly one of cron (e.g. "0 3 * * ? *") and rate (e.g. Duration.minutes(5)), but ${cron === undefined ? "neither was" : "both were"} provided`,
    );
    return "";
  }
  if (rate !== undefined) {
    const seconds = rate.toSeconds();
    if (!Number.isInteger(seconds) || seconds < 60 || seconds % 60 !== 0) {
      problems.push(
        `rate must be a whole number of minutes, at least 1 (Scheduler's granularity), but ${seconds} seconds was provided`,
      );
      return "";
    }
    return rateExpression(seconds / 60);
  }
  const text = (cron ?? "").trim();
  if (/^cron\(/i.test(text)) {
    problems.push(`cron takes the six fields alone, e.g. "0 3 * * ? *", without "cron(...)" around them`);
    return "";
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 6) {
    problems.push(
      `cron must have AWS's six fields (minutes hours day-of-month month day-of-week year), e.g. "0 3 * * ? *", but ${fields.length} were provided in "${text}"`,
    );
    return "";
  }
  if (!fields.every((field) => CRON_FIELD.test(field))) {
    problems.push(
      `cron fields may hold digits, names (JAN, MON) and * ? , - / L W #, but "${text}" was provided`,
    );
  }
  if ((fields[2] === "?") === (fields[4] === "?")) {
    problems.push(
      `cron must have "?" in exactly one of day-of-month (3rd field) and day-of-week (5th field), as AWS requires, but "${text}" was provided`,
    );
  }
  return `cron(${fields.join(" ")})`;
}

/** The way Scheduler writes rates: the largest whole unit, singular for 1. */
function rateExpression(minutes: number): string {
  const [value, unit] =
    minutes % 1440 === 0
      ? [minutes / 1440, "day"]
      : minutes % 60 === 0
        ? [minutes / 60, "hour"]
        : [minutes, "minute"];
  return `rate(${value} ${unit}${value === 1 ? "" : "s"})`;
}

function isTimeZone(name: string): boolean {
  if (name.length > 50) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The payload's JSON, after checking it the way `JobClient.send` would. */
function payloadJson(
  job: JobDefinition,
  payload: unknown,
  problems: (string | undefined)[],
  warnings: string[],
  id: string,
): string {
  const converted = toJsonValue(payload, "payload");
  if (!converted.ok) {
    problems.push(`payload cannot be sent as JSON: ${describeIssues(converted.issues)}`);
    return "null";
  }
  // A synth cannot wait for an asynchronous schema.
  const checked = validateNow(job.schema, converted.wire, job);
  if (checked === undefined) {
    warnings.push(
      `the payload of schedule "${id}" was not checked: job "${job.name}"'s schema validates asynchronously, which a synth cannot wait for. Check it in a test with \`await job.schema["~standard"].validate(payload)\` (Standard Schema); the consumer still refuses an invalid payload (dead-lettered with the reason)`,
    );
  } else if (!checked.ok) {
    problems.push(`payload does not match job "${job.name}"'s schema: ${describeIssues(checked.issues)}`);
  }
  return converted.json;
}

function describeIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join("; ");
}

function groupIdOf(
  options: JobScheduleOptions,
  fifo: boolean,
  problems: (string | undefined)[],
): string | undefined {
  if (!fifo) {
    if (options.groupId !== undefined) {
      problems.push("groupId applies to FIFO queues only: drop it, or make the queue fifo");
    }
    return undefined;
  }
  let groupId = options.groupId;
  if (groupId === undefined) {
    const fromJob = options.job.fifo?.groupId;
    try {
      groupId = typeof fromJob === "function" ? fromJob(options.payload) : fromJob;
    } catch (error) {
      problems.push(
        `job "${options.job.name}"'s fifo.groupId threw ${error instanceof Error ? error.name : typeof error} on the payload: pass groupId`,
      );
      return undefined;
    }
  }
  if (groupId === undefined) {
    problems.push(
      `a schedule on a FIFO queue needs a message group: pass groupId, or define fifo.groupId on job "${options.job.name}"`,
    );
  } else if (!FIFO_ID.test(groupId)) {
    problems.push(
      `the message group must be 1-128 printable ASCII characters without spaces, but a ${groupId.length}-character value was provided`,
    );
  }
  return groupId;
}
