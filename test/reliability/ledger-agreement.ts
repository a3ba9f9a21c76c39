import { type DynamoDBClient, paginateScan } from "@aws-sdk/client-dynamodb";
import { readString } from "../../src/ledger/attribute-values.ts";
import type { JobStatus } from "../../src/ledger/job-state.ts";
import { LEDGER_KEY } from "../../src/ledger/table-layout.ts";

/** What happened to the jobs, by job id, as the worker's events and the DLQ tell it. */
export interface ObservedJobs {
  /** Job ids whose handler succeeded at least once. */
  readonly succeeded: ReadonlySet<string>;
  /** Job ids in the DLQ, with the reason attribute of their copy. */
  readonly deadLettered: ReadonlyMap<string, string | undefined>;
  /** Job ids the producer reported sent. */
  readonly reportedSent: ReadonlySet<string>;
  /** Job ids whose finish write the worker logged as failed for good (after the SDK's retries). */
  readonly finishLost: ReadonlySet<string>;
}

/**
 * Whether the ledger agrees with what happened. `unfinished`, `missing` and the disagreements
 * beyond `finishLost` must be 0; `neverSentQueued` and `finishLost` entries are the documented
 * leftovers (docs/ledger.md): a producer that could not clean up, a finish write that failed.
 */
export interface LedgerAgreement {
  /** Job entries in the table. */
  readonly entries: number;
  /** Succeeded jobs whose entry says `succeeded`. */
  readonly succeededAgree: number;
  /** Succeeded jobs whose entry says anything else. */
  readonly succeededDisagree: number;
  /** Dead-lettered jobs whose entry says `dead`, with the DLQ copy's reason. */
  readonly deadAgree: number;
  /** Dead-lettered jobs whose entry is not `dead`, or gives another reason. */
  readonly deadDisagree: number;
  /** Succeeded or dead-lettered jobs without an entry. */
  readonly missing: number;
  /**
   * `queued` entries of jobs that never ran and were never reported sent: the producer could not
   * remove them after a failed send (or a failed ledger write), or could not know whether the
   * send reached SQS.
   */
  readonly neverSentQueued: number;
  /** `running` entries of jobs that ended, whose finish write the worker logged as failed. */
  readonly finishLost: number;
  /** Every other entry not `succeeded` or `dead`, by status. */
  readonly unfinished: Readonly<Partial<Record<JobStatus, number>>>;
  /** Up to 5 job ids of disagreeing or unfinished entries, to look for in the worker's log. */
  readonly examples: readonly string[];
}

/** Reads every job entry of the ledger table and compares it with what was observed. */
export async function checkLedger(
  dynamodb: DynamoDBClient,
  tableName: string,
  observed: ObservedJobs,
): Promise<LedgerAgreement> {
  const entries = new Map<string, { status: string | undefined; reason: string | undefined }>();
  for await (const page of paginateScan(
    { client: dynamodb },
    { TableName: tableName, ConsistentRead: true },
  )) {
    for (const item of page.Items ?? []) {
      if (!(readString(item, LEDGER_KEY) ?? "").startsWith("job#")) continue;
      entries.set(readString(item, "jobId") ?? "", {
        status: readString(item, "status"),
        reason: readString(item, "failReason"),
      });
    }
  }
  let succeededAgree = 0;
  let succeededDisagree = 0;
  let deadAgree = 0;
  let deadDisagree = 0;
  let missing = 0;
  const examples = new Set<string>();
  const example = (jobId: string) => {
    if (examples.size < 5) examples.add(jobId);
  };
  for (const jobId of observed.succeeded) {
    const entry = entries.get(jobId);
    if (entry?.status === "succeeded") succeededAgree++;
    else {
      if (entry === undefined) missing++;
      else succeededDisagree++;
      example(jobId);
    }
  }
  for (const [jobId, reason] of observed.deadLettered) {
    const entry = entries.get(jobId);
    if (entry?.status === "dead" && entry.reason === reason) deadAgree++;
    else {
      if (entry === undefined) missing++;
      else deadDisagree++;
      example(jobId);
    }
  }
  let neverSentQueued = 0;
  let finishLost = 0;
  const unfinished: Partial<Record<JobStatus, number>> = {};
  for (const [jobId, { status }] of entries) {
    if (status === "succeeded" || status === "dead") continue;
    const ran = observed.succeeded.has(jobId) || observed.deadLettered.has(jobId);
    if (status === "queued" && !ran && !observed.reportedSent.has(jobId)) neverSentQueued++;
    else if (status === "running" && ran && observed.finishLost.has(jobId)) finishLost++;
    else {
      const key = (status ?? "queued") as JobStatus;
      unfinished[key] = (unfinished[key] ?? 0) + 1;
      example(jobId);
    }
  }
  return {
    entries: entries.size,
    succeededAgree,
    succeededDisagree,
    deadAgree,
    deadDisagree,
    missing,
    neverSentQueued,
    finishLost,
    unfinished,
    examples: [...examples],
  };
}

export function formatLedgerAgreement(a: LedgerAgreement): string {
  const unfinished = Object.entries(a.unfinished)
    .map(([status, n]) => `${status}=${n}`)
    .join(" ");
  return `ledger: entries=${a.entries} succeeded-agree=${a.succeededAgree} succeeded-disagree=${a.succeededDisagree} dead-agree=${a.deadAgree} dead-disagree=${a.deadDisagree} missing=${a.missing} never-sent-queued=${a.neverSentQueued} finish-lost=${a.finishLost} unfinished=${unfinished === "" ? "none" : unfinished}${a.examples.length === 0 ? "" : ` (e.g. ${a.examples.join(", ")})`}`;
}
