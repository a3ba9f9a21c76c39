import { setTimeout as delay } from "node:timers/promises";
import { InvalidOptionError, ValidationError } from "../core/errors.ts";
import type { JobDefinition, JobResult } from "../core/job.ts";
import { resultText } from "../core/payload-objects.ts";
import { validate } from "../core/schema.ts";
import { JobDeadError, jobSupersededError, WaitTimeoutError } from "../ledger/errors.ts";
import type { JobState } from "../ledger/job-state.ts";
import type { Ledger } from "../ledger/ledger.ts";

export interface WaitOptions {
  /** Give up after this long (the job goes on). @default 30,000 */
  readonly timeoutMs?: number;
  /** Stops waiting early (the promise rejects with an AbortError). */
  readonly signal?: AbortSignal;
}

/** First and longest pause between reads while waiting: quick jobs answer fast, slow ones cost few reads. */
const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 1_000;

/**
 * The job's entry with its result parsed (and passed through the job's `result` schema), or
 * undefined when the ledger has none.
 * @throws {InvalidOptionError} the id belongs to a job of another name
 */
export async function readJob<J extends JobDefinition>(
  ledger: Ledger,
  job: J,
  jobId: string,
): Promise<JobState<JobResult<J>> | undefined> {
  const stored = await ledger.get(jobId);
  if (stored === undefined) return undefined;
  if (stored.jobName !== job.name) {
    throw new InvalidOptionError(`job ${jobId} is a "${stored.jobName}" job, not "${job.name}"`);
  }
  const { resultJson, ...state } = stored;
  return { ...state, result: await parseResult(job, resultJson) };
}

/**
 * Polls the ledger until the job succeeded (its result) or died.
 * @throws {JobDeadError} the job is dead
 * @throws {SqsJobsError} `ERR_JOB_SUPERSEDED`: a later job of its debounce key replaced it
 * @throws {WaitTimeoutError} `timeoutMs` passed first
 */
export async function waitForJob<J extends JobDefinition>(
  ledger: Ledger,
  job: J,
  jobId: string,
  options: WaitOptions = {},
): Promise<JobResult<J>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new InvalidOptionError(
      `timeoutMs must be a number of milliseconds >= 0, but ${timeoutMs} was provided`,
    );
  }
  const deadline = Date.now() + timeoutMs;
  let pause = FIRST_POLL_MS;
  for (;;) {
    options.signal?.throwIfAborted();
    const state = await readJob(ledger, job, jobId);
    if (state?.status === "succeeded") return state.result as JobResult<J>;
    if (state?.status === "superseded") throw jobSupersededError(job.name, jobId);
    if (state?.status === "dead" && state.failure !== undefined) {
      throw new JobDeadError(job.name, jobId, state.failure, state.attempts);
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new WaitTimeoutError(job.name, jobId, timeoutMs, state?.status);
    await delay(
      Math.min(pause, left),
      undefined,
      options.signal === undefined ? {} : { signal: options.signal },
    );
    pause = Math.min(MAX_POLL_MS, pause * 2);
  }
}

/** The stored JSON through the job's `result` schema, so transforms apply as on the payload. */
export async function parseResult<J extends JobDefinition>(
  job: J,
  json: string | undefined,
): Promise<JobResult<J> | undefined> {
  if (json === undefined) return undefined;
  const wire: unknown = JSON.parse(await resultText(json));
  if (job.result === undefined) return wire as JobResult<J>;
  const checked = await validate(job.result, wire, job);
  if (!checked.ok) {
    throw new ValidationError(job.name, checked.issues, {
      subject: `stored result of job "${job.name}" (written by another version of the job?) is`,
    });
  }
  return checked.value as JobResult<J>;
}
