import type { StandardSchemaV1 } from "@standard-schema/spec";
import { checkJobAttributes, type JobAttributes } from "./job-attributes.ts";
import { checkJobPayloads, type JobPayloadOptions } from "./job-payloads.ts";
import {
  checkDebounce,
  checkRateLimit,
  type DebounceOptions,
  type RateLimitOptions,
} from "./pacing-options.ts";
import { assertNoProblems, type ResolvedRetryPolicy, type RetryPolicy, resolveRetryPolicy } from "./retry.ts";
import type { JobSchema } from "./schema.ts";
import { windowSecondsProblem } from "./window-seconds.ts";

/** Job names travel in every message: short, readable, safe in logs, metrics and attributes. */
const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$/;

/** The longest job timeout: Lambda's 15 minutes. */
export const MAX_JOB_TIMEOUT_SECONDS = 900;

/**
 * A callback checked bivariantly, so a `JobDefinition` for a specific payload still fits where any
 * job definition is expected (method parameters are bivariant; function properties are not).
 */
type PayloadFn<Input, R> = { bivarianceHack(payload: Input): R }["bivarianceHack"];

/** How FIFO messages of this job are grouped and deduplicated. */
export interface FifoOptions<Input> {
  /**
   * The message group: jobs of one group run one at a time, in order. A function of the payload
   * (e.g. the recipient of an email) or a constant.
   */
  readonly groupId: string | PayloadFn<Input, string>;
  /**
   * The deduplication id: a second send with the same id within 5 minutes is dropped by SQS.
   * @default a SHA-256 of the job name and the payload's JSON (the envelope's fresh job id would
   * defeat SQS's content-based deduplication); a call's `dedupId` overrides both
   */
  readonly dedupId?: PayloadFn<Input, string>;
}

/**
 * At most one live job per key: a send whose key another job holds within the window returns that
 * job's id (`deduplicated: true`) and sends nothing. Needs the job ledger.
 */
export interface UniqueOptions<Payload> {
  /** The key, from the validated payload (e.g. recipient and subject of an email). */
  readonly key: PayloadFn<Payload, string>;
  /** How long a key stays taken after its job was sent, 1 s to 30 days. */
  readonly windowSeconds: number;
}

/**
 * At most `limit` runs of one key at once (`limit: 1`: runs of a key never overlap). A job that
 * finds every slot taken waits a few seconds on the queue; that costs it no attempt. Slots are
 * leases that end with the job's timeout, so a crashed run frees its slot. Needs the job ledger.
 */
export interface ConcurrencyOptions<Payload> {
  /** The key, from the validated payload, or a constant for a limit across all runs of the job. */
  readonly key: string | PayloadFn<Payload, string>;
  /** Runs of one key at once, 1 to 100. */
  readonly limit: number;
}

export interface JobOptions<
  Name extends string,
  Schema extends JobSchema,
  Result extends JobSchema | undefined = undefined,
> {
  /** Unique within a queue. Letters, digits and `._:-`, at most 80 characters, starting alphanumeric. */
  readonly name: Name;
  /** A Standard Schema (zod 4, `zod/mini`, valibot...) that every payload must pass, on send and on receive. */
  readonly schema: Schema;
  /** @default { maxAttempts: 5, backoff: { type: "exponential", baseSeconds: 2, maxSeconds: 900 } } */
  readonly retry?: RetryPolicy;
  /**
   * Seconds a handler may run before its `ctx.signal` aborts and the attempt counts as failed.
   * @default 30
   */
  readonly timeoutSeconds?: number;
  /** Grouping and deduplication on FIFO queues. */
  readonly fifo?: FifoOptions<StandardSchemaV1.InferInput<Schema>>;
  /**
   * Keep the schema library's own issue messages in `ValidationError`s, logs and dead-letter
   * reasons. Off by default, issues then say only where and what kind of check failed: libraries
   * quote the rejected value (`Invalid email: Received "alice@example.com"`). Turn it on only for
   * payloads that carry nothing private. A schema that throws is never quoted either way.
   * @default false
   */
  readonly includeIssueMessages?: boolean;
  /**
   * A schema for the handler's return value. It is validated after each successful run (a result
   * that fails it dead-letters the job: a bug, retrying would not fix it) and, with the job ledger
   * on, stored for `getJob` and `waitFor` (`send(...).waitFor()` too); `call` returns it.
   */
  readonly result?: Result;
  /** One live job per key in a window (the double-email case). Needs the job ledger. */
  readonly unique?: UniqueOptions<StandardSchemaV1.InferOutput<Schema>>;
  /** Runs of one key that may overlap (1: never). Needs the job ledger. */
  readonly concurrency?: ConcurrencyOptions<StandardSchemaV1.InferOutput<Schema>>;
  /**
   * Message attributes its published messages carry, from the validated payload (at most 5):
   * what a topic subscription may filter on besides the job name (docs/fan-out.md).
   */
  readonly attributes?: JobAttributes<StandardSchemaV1.InferOutput<Schema>>;
  /** Runs of one key started per window, across all consumers. Needs the job ledger. */
  readonly rateLimit?: RateLimitOptions<StandardSchemaV1.InferOutput<Schema>>;
  /** Only the last job of a burst with one key runs. Needs the job ledger. */
  readonly debounce?: DebounceOptions<StandardSchemaV1.InferOutput<Schema>>;
  /** Payloads past one SQS message, through S3 (docs/payloads.md). */
  readonly payloads?: JobPayloadOptions;
  /**
   * Whose job it is (e.g. the customer id), from the payload: on a standard queue it is sent as
   * the message group id, so SQS fair queues keep a tenant with a backlog from delaying the
   * others' jobs (docs/pacing.md#fair-tenants). 1-128 printable ASCII characters. Ignored on
   * FIFO queues, where `fifo.groupId` is the group.
   */
  readonly tenant?: PayloadFn<StandardSchemaV1.InferInput<Schema>, string>;
}

/** A job type: its name, payload schema and policies. Share it between producers and consumers. */
export interface JobDefinition<
  Name extends string = string,
  Schema extends JobSchema = JobSchema,
  Result extends JobSchema | undefined = JobSchema | undefined,
> {
  readonly name: Name;
  readonly schema: Schema;
  readonly retry: ResolvedRetryPolicy;
  readonly timeoutSeconds: number;
  readonly fifo: FifoOptions<StandardSchemaV1.InferInput<Schema>> | undefined;
  /** Pass the definition as `validate`'s options to honour it. */
  readonly includeIssueMessages: boolean;
  readonly result: Result;
  readonly unique: UniqueOptions<StandardSchemaV1.InferOutput<Schema>> | undefined;
  readonly concurrency: ConcurrencyOptions<StandardSchemaV1.InferOutput<Schema>> | undefined;
  readonly attributes: JobAttributes<StandardSchemaV1.InferOutput<Schema>> | undefined;
  readonly rateLimit: RateLimitOptions<StandardSchemaV1.InferOutput<Schema>> | undefined;
  readonly debounce: DebounceOptions<StandardSchemaV1.InferOutput<Schema>> | undefined;
  readonly payloads?: JobPayloadOptions | undefined;
  readonly tenant: PayloadFn<StandardSchemaV1.InferInput<Schema>, string> | undefined;
}

/** What a producer passes to `send` for this job (the schema's input type). */
export type JobInput<J extends JobDefinition> = StandardSchemaV1.InferInput<J["schema"]>;

/** What a handler receives for this job (the schema's output type, after defaults and transforms). */
export type JobPayload<J extends JobDefinition> = StandardSchemaV1.InferOutput<J["schema"]>;

/**
 * What this job's handler returns: its `result` schema's input, or anything without one
 * ({@link JobResult} is what readers get back).
 */
export type JobResultInput<J extends JobDefinition> = J["result"] extends JobSchema
  ? StandardSchemaV1.InferInput<J["result"]>
  : unknown;

/** What `waitFor` and `call` give back: the `result` schema's output. */
export type JobResult<J extends JobDefinition> = J["result"] extends JobSchema
  ? StandardSchemaV1.InferOutput<J["result"]>
  : unknown;

/**
 * Defines a job once, for producers and consumers alike. Invalid options throw a
 * {@link ConfigError} that lists every problem.
 *
 * @example
 * import * as z from "zod/mini"; // `{ z }` would make esbuild bundle every zod locale
 * export const resizeImage = defineJob({
 *   name: "resize-image",
 *   schema: z.object({ key: z.string(), width: z.number() }),
 *   retry: { maxAttempts: 5, backoff: { type: "exponential", baseSeconds: 2, maxSeconds: 900 } },
 *   timeoutSeconds: 60,
 * });
 */
// A definition has no effect beyond its value, so a bundler may drop the ones a bundle never
// uses (Rollup and Vite do across modules; esbuild only within the module, see docs/jobs.md,
// "Bundles: one job per module").
// @__NO_SIDE_EFFECTS__
export function defineJob<
  const Name extends string,
  Schema extends JobSchema,
  Result extends JobSchema | undefined = undefined,
>(options: JobOptions<Name, Schema, Result>): JobDefinition<Name, Schema, Result> {
  const problems: string[] = [];
  const name: unknown = options.name;
  if (typeof name !== "string" || !JOB_NAME.test(name)) {
    problems.push(
      `name must be 1-80 characters of letters, digits and "._:-", starting with a letter or digit, but ${describe(name)} was provided`,
    );
  }
  const schema: unknown = options.schema;
  if (typeof schema !== "object" || schema === null || !("~standard" in schema)) {
    problems.push(
      "schema must be a Standard Schema (e.g. a zod 4 or zod/mini schema such as z.object({...})), but none was provided",
    );
  }
  const timeoutSeconds = options.timeoutSeconds ?? 30;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > MAX_JOB_TIMEOUT_SECONDS) {
    problems.push(
      `timeoutSeconds must be an integer between 1 and ${MAX_JOB_TIMEOUT_SECONDS}, but ${timeoutSeconds} was provided`,
    );
  }
  const includeIssueMessages = options.includeIssueMessages ?? false;
  if (typeof includeIssueMessages !== "boolean") {
    problems.push(
      `includeIssueMessages must be true or false, but ${describe(includeIssueMessages)} was provided`,
    );
  }
  const result: unknown = options.result;
  if (result !== undefined && (typeof result !== "object" || result === null || !("~standard" in result))) {
    problems.push("result must be a Standard Schema (e.g. z.object({...})) when given");
  }
  checkUnique(options.unique, problems);
  checkConcurrency(options.concurrency, problems);
  checkJobAttributes(options.attributes, problems);
  checkRateLimit(options.rateLimit, problems);
  checkDebounce(options.debounce, options.unique, problems);
  checkJobPayloads(options.payloads, problems);
  if (options.tenant !== undefined && typeof options.tenant !== "function") {
    problems.push(`tenant must be a function of the payload, but ${describe(options.tenant)} was provided`);
  }
  const retry = resolveRetryPolicy(options.retry, problems);
  assertNoProblems(`job definition ${typeof name === "string" ? `"${name}"` : ""}`.trim(), problems);
  return Object.freeze({
    name: options.name,
    schema: options.schema,
    retry,
    timeoutSeconds,
    fifo: options.fifo,
    includeIssueMessages,
    result: options.result as Result,
    unique: options.unique,
    concurrency: options.concurrency,
    attributes: options.attributes,
    rateLimit: options.rateLimit,
    debounce: options.debounce,
    payloads: options.payloads,
    tenant: options.tenant,
  });
}

const MAX_CONCURRENCY_LIMIT = 100;

function checkUnique(unique: UniqueOptions<never> | undefined, problems: string[]): void {
  if (unique === undefined) return;
  if (typeof unique.key !== "function") problems.push("unique.key must be a function of the payload");
  const problem = windowSecondsProblem("unique.windowSeconds", unique.windowSeconds);
  if (problem !== undefined) problems.push(problem);
}

function checkConcurrency(concurrency: ConcurrencyOptions<never> | undefined, problems: string[]): void {
  if (concurrency === undefined) return;
  if (
    typeof concurrency.key !== "function" &&
    (typeof concurrency.key !== "string" || concurrency.key === "")
  ) {
    problems.push("concurrency.key must be a non-empty string or a function of the payload");
  }
  const l = concurrency.limit;
  if (!Number.isInteger(l) || l < 1 || l > MAX_CONCURRENCY_LIMIT) {
    problems.push(
      `concurrency.limit must be an integer between 1 and ${MAX_CONCURRENCY_LIMIT}, but ${l} was provided`,
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return value === "" ? "an empty string" : `"${value.slice(0, 100)}"`;
  return value === null ? "null" : typeof value;
}
