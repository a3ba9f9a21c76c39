import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { isTableMissing } from "sqs-jobs/internal/core/aws-errors";
import { JOB_STATUSES, type JobStatus } from "sqs-jobs/internal/ledger/job-state";
import type { Ledger } from "sqs-jobs/internal/ledger/ledger";
import { newestJobs } from "sqs-jobs/internal/ledger/newest-jobs";
import type { JobSummary, StoredJob } from "sqs-jobs/internal/ledger/stored-job";
import { LEDGER_TABLE_ENV } from "sqs-jobs/internal/ledger/table-layout";
import { badRequest, DashboardRequestError } from "./api-error.ts";
import { JobsFeed, type JobsView } from "./jobs-feed.ts";

/**
 * A job of the ledger as the API shows it: `JobState`'s names, dates as ISO strings. A listed job
 * comes from the list index, which holds no start or end time, result or error: those are null
 * there, and `api/jobs/<id>` reads them.
 */
export interface JobView {
  readonly jobId: string;
  readonly jobName: string;
  readonly queue: string;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** The handler's result: null unless asked for with the token (`resultShown`). */
  readonly result: unknown;
  readonly failure: { reason: string | null; name: string; message: string; code: string | null } | null;
  /** The dead-letter reason once dead (also in listings). */
  readonly reason: string | null;
  /** While queued or retrying: its rate limit sent it back to the queue until then. */
  readonly throttledUntil: string | null;
}

function summaryView(j: JobSummary): JobView {
  return {
    jobId: j.jobId,
    jobName: j.jobName,
    queue: j.queue,
    status: j.status,
    attempts: j.attempts,
    createdAt: j.createdAt.toISOString(),
    updatedAt: j.updatedAt.toISOString(),
    startedAt: null,
    finishedAt: null,
    result: null,
    failure: null,
    reason: j.reason ?? null,
    throttledUntil: null,
  };
}

/** One job as `api/jobs/<id>` shows it: `resultShown` says whether `result` was asked for with the token. */
export type JobDetail = JobView & { readonly resultShown: boolean };

function jobView(j: StoredJob, showResult: boolean): JobDetail {
  const f = j.failure;
  return {
    ...summaryView({ ...j, reason: f?.reason }),
    startedAt: j.startedAt?.toISOString() ?? null,
    finishedAt: j.finishedAt?.toISOString() ?? null,
    result: showResult && j.resultJson !== undefined ? JSON.parse(j.resultJson) : null,
    resultShown: showResult,
    throttledUntil: j.throttledUntil?.toISOString() ?? null,
    failure:
      f === undefined
        ? null
        : { reason: f.reason ?? null, name: f.name, message: f.message, code: f.code ?? null },
  };
}

/**
 * The job ledger, read for the page: one job by id, or the newest jobs of a queue (or of every
 * listed queue) in some states, a page at a time, through the {@link JobsFeed} that keeps the
 * list index's reads to its budget. The cursor is the last listed job's change time: the next
 * page holds the jobs that changed before it (jobs that changed in the very same millisecond as
 * a page's last one may be skipped).
 */
export class LedgerJobs {
  readonly #tableName: string | undefined;
  readonly #dynamodb: () => Promise<DynamoDBClient>;
  readonly #feed: JobsFeed;
  #ledger: Ledger | undefined;

  constructor(options: {
    readonly tableName: string | undefined;
    readonly dynamodb: () => Promise<DynamoDBClient>;
  }) {
    this.#tableName = options.tableName;
    this.#dynamodb = options.dynamodb;
    this.#feed = new JobsFeed((view) =>
      this.#read((ledger) =>
        newestJobs(ledger, view.queues, view.states, view.limit, { before: view.before }),
      ),
    );
  }

  get tableName(): string | undefined {
    return this.#tableName;
  }

  /** One job whole; its result only with `showResult` (the caller checked the token). */
  async get(id: string, options: { readonly showResult: boolean }): Promise<JobDetail> {
    const job = await this.#read((ledger) => ledger.get(id));
    if (job === undefined) {
      throw new DashboardRequestError(
        404,
        "JOB_NOT_FOUND",
        `the ledger has no entry for job ${id.slice(0, 100)}: it was sent without the ledger, or its entry expired`,
      );
    }
    return jobView(job, options.showResult);
  }

  /**
   * A page of the newest jobs, as last read for this view: `readAt` says when, `nextReadAt` when
   * a poll reads again; `fresh` asks for a read now (at most every 10 s per view).
   */
  async list(
    view: JobsView,
    options: { readonly fresh?: boolean } = {},
  ): Promise<{ jobs: JobView[]; cursor: string | null; readAt: string; nextReadAt: string }> {
    const reading = await this.#feed.get(view, options);
    const last = reading.jobs.at(-1);
    return {
      jobs: reading.jobs.map(summaryView),
      cursor: reading.jobs.length === view.limit && last !== undefined ? last.updatedAt.toISOString() : null,
      readAt: new Date(reading.readAt).toISOString(),
      nextReadAt: new Date(reading.nextReadAt).toISOString(),
    };
  }

  async #read<T>(read: (ledger: Ledger) => Promise<T>): Promise<T> {
    const tableName = this.#tableName;
    if (tableName === undefined) {
      throw new DashboardRequestError(
        404,
        "NO_LEDGER",
        `no job ledger: start the dashboard with --table NAME or ${LEDGER_TABLE_ENV} set`,
      );
    }
    if (this.#ledger === undefined) {
      // Loaded on first use: the ledger brings the DynamoDB SDK, which a dashboard without one skips.
      const { Ledger } = await import("sqs-jobs/internal/ledger/ledger");
      this.#ledger = new Ledger({ client: await this.#dynamodb(), tableName, retentionDays: 14 });
    }
    try {
      return await read(this.#ledger);
    } catch (error) {
      if (!isTableMissing(error)) throw error;
      throw new DashboardRequestError(
        404,
        "NO_LEDGER",
        `the ledger table "${tableName.slice(0, 255)}" does not exist in this account and region`,
        { cause: error },
      );
    }
  }
}

/** `state=` of `api/jobs`: one status or several, comma-separated; all when absent. */
export function parseStates(raw: string | null): JobStatus[] {
  if (raw === null || raw === "") return [...JOB_STATUSES];
  const given = raw.split(",").map((s) => s.trim());
  const unknown = given.filter((s) => !(JOB_STATUSES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw badRequest(
      `state must be one or more of ${JOB_STATUSES.join(", ")} (comma-separated), but "${unknown.join(",").slice(0, 60)}" was given`,
    );
  }
  return [...new Set(given as JobStatus[])];
}
