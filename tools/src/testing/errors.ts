import { SqsJobsError } from "sqs-jobs/internal/core/errors";

/** A test app was asked about a queue it does not have (`ERR_UNKNOWN_QUEUE`). */
export function unknownQueueError(queue: string, known: readonly string[]): SqsJobsError {
  return new SqsJobsError(
    "ERR_UNKNOWN_QUEUE",
    `the test app has no queue "${queue}"; its queues are: ${known.join(", ") || "(none)"}`,
  );
}

/**
 * `send` got a job that no queue of the test app carries, or that several carry without `queue`
 * (`ERR_JOB_NOT_ON_QUEUE`).
 */
export function jobNotOnQueueError(jobName: string, detail: string): SqsJobsError {
  return new SqsJobsError("ERR_JOB_NOT_ON_QUEUE", `job "${jobName}" ${detail}`);
}

/** What `drain` found still busy when its time ran out. */
export interface BusyPart {
  readonly kind: "queue" | "function";
  readonly name: string;
  /** For a queue: `2 visible, 1 in flight, 0 delayed`; for a function: `1 invocation running`. */
  readonly detail: string;
}

/** `drain` ran out of time with work left: `busy` names each queue and function still at it. */
export class DrainTimeoutError extends SqsJobsError {
  override readonly name: string = "DrainTimeoutError";
  readonly busy: readonly BusyPart[];

  constructor(timeoutMs: number, busy: readonly BusyPart[]) {
    const list = busy.map((b) => `${b.kind} ${b.name} (${b.detail})`).join("; ");
    super(
      "ERR_DRAIN_TIMEOUT",
      `drain did not finish within ${timeoutMs} ms: ${list}. A delayed job or a retry's backoff waits for its time: move the clock with advanceTime(ms), or give drain a longer timeoutMs`,
    );
    this.busy = busy;
  }
}

/**
 * `job(id)` asked the ledger for a job it has no record of (`ERR_JOB_NOT_IN_LEDGER`): a mistyped
 * id, or a job sent straight to SQS (not with `send`) that no consumer has claimed yet. The message
 * lists the last jobs the app sent.
 */
export function jobNotInLedgerError(
  jobId: string,
  sent: readonly { readonly jobId: string; readonly jobName: string }[],
): SqsJobsError {
  const listed = sent
    .slice(-5)
    .map((s) => `${s.jobId} (${s.jobName})`)
    .join(", ");
  return new SqsJobsError(
    "ERR_JOB_NOT_IN_LEDGER",
    `the test app's ledger has no job ${jobId}: send() records a job at once, a job sent straight to SQS once a consumer claims it (drain() first). ${
      sent.length === 0 ? "This app sent no job." : `The last jobs this app sent: ${listed}`
    }`,
  );
}
