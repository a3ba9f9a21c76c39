import type { DeadLetterReason } from "../core/dead-letter-attributes.ts";
import { type Item, readDate, readNumber, readString } from "./attribute-values.ts";
import type { JobFailure, JobState, JobStatus } from "./job-state.ts";

/** A job entry as read: its result still the stored JSON, parsed by the caller that knows the job. */
export type StoredJob = JobState<never> & { readonly resultJson: string | undefined };

/** A job entry as the list index holds it: no times but its creation and last change, no result. */
export type JobSummary = Pick<
  JobState,
  "jobId" | "jobName" | "queue" | "status" | "attempts" | "createdAt" | "updatedAt"
> & {
  /** The dead-letter reason once dead. */
  readonly reason: DeadLetterReason | undefined;
};

export function toJobState(item: Item): StoredJob {
  return {
    ...listedFields(item),
    startedAt: readDate(item, "startedAt"),
    finishedAt: readDate(item, "finishedAt"),
    leaseEndsAt: leaseEnd(item),
    result: undefined,
    resultJson: readString(item, "result"),
    failure: readFailure(item),
    throttledUntil: throttledUntil(item),
  };
}

/** Shown only while the job waits: a run that started since has left it behind. */
function throttledUntil(item: Item): Date | undefined {
  const status = readString(item, "status");
  return status === "queued" || status === "retrying" ? readDate(item, "throttledUntil") : undefined;
}

export function toJobSummary(item: Item): JobSummary {
  return {
    ...listedFields(item),
    reason: readString(item, "failReason") as DeadLetterReason | undefined,
  };
}

/** The fields a job entry and its summary share: `getJob` answers only documented ones. */
function listedFields(item: Item): Omit<JobSummary, "reason"> {
  return {
    jobId: readString(item, "jobId") ?? "",
    jobName: readString(item, "job") ?? "",
    queue: readString(item, "queue") ?? "",
    status: (readString(item, "status") ?? "queued") as JobStatus,
    attempts: readNumber(item, "attempts") ?? 0,
    createdAt: readDate(item, "createdAt") ?? new Date(0),
    updatedAt: readDate(item, "updatedAt") ?? new Date(0),
  };
}

function leaseEnd(item: Item): Date | undefined {
  const ms = readNumber(item, "leaseUntil");
  return ms === undefined ? undefined : new Date(ms);
}

function readFailure(item: Item): JobFailure | undefined {
  const name = readString(item, "failName");
  if (name === undefined) return undefined;
  return {
    reason: readString(item, "failReason") as DeadLetterReason | undefined,
    name,
    message: readString(item, "failMessage") ?? "",
    code: readString(item, "failCode"),
  };
}
