/**
 * The job ledger's table: one DynamoDB table, partition key only, three kinds of item. Shared by
 * the runtime (src/ledger), the CDK construct (JobLedger) and the local stack, so the three cannot
 * disagree. docs/ledger.md explains the choices (hot partitions, writes per job).
 *
 * - job:    `job#<jobId>`               state, attempts, result or reason of one job
 * - unique: `unique#<job>#<key>`        which job holds a unique key, and until when
 * - slot:   `slot#<job>#<key>#<n>`      a concurrency lease: which run holds slot n of a key
 * - rate:   `rate#<job>#<key>`          when a rate-limited key's next run may start
 * - debounce: `debounce#<job>#<key>`    the last job sent with a debounced key
 */
export const LEDGER_KEY = "pk";
/** Epoch seconds after which DynamoDB's TTL deletes an item. */
export const LEDGER_TTL_ATTRIBUTE = "expiresAt";

/**
 * The index behind `jobs list --queue Q --state S`. Its partition key is `<queue>#<state>#<shard>`
 * so that one busy queue spreads over {@link LIST_SHARDS} partitions per state instead of one hot
 * one; only job items carry it (unique and slot items stay out of the index).
 */
export const LIST_INDEX = "byQueueState";
export const LIST_INDEX_KEY = "listKey";
export const LIST_INDEX_SORT = "updatedAt";
/** Attributes the index copies: enough for a listing, never results or payloads. */
export const LIST_INDEX_ATTRIBUTES = [
  "jobId",
  "job",
  "queue",
  "status",
  "attempts",
  "createdAt",
  "failReason",
] as const;
export const LIST_SHARDS = 32;

/** The environment variable that names the table in consumers and producers the construct wires. */
export const LEDGER_TABLE_ENV = "SQS_JOBS_LEDGER_TABLE";
/** The variable that says how many days the ledger keeps a finished job (its TTL), set beside the table's. */
export const LEDGER_RETENTION_ENV = "SQS_JOBS_LEDGER_RETENTION_DAYS";

export const jobItemKey = (jobId: string): string => `job#${jobId}`;
export const uniqueItemKey = (job: string, key: string): string => `unique#${job}#${key}`;
export const slotItemKey = (job: string, key: string, slot: number): string => `slot#${job}#${key}#${slot}`;
export const rateItemKey = (job: string, key: string): string => `rate#${job}#${key}`;
export const debounceItemKey = (job: string, key: string): string => `debounce#${job}#${key}`;
