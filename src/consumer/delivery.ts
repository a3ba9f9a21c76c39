import type { DeadLetterReason } from "../core/dead-letter-attributes.ts";
import type { Envelope } from "../core/envelope.ts";
import type { TraceHeaders } from "../core/trace-context.ts";
import type { FinalStatus } from "../ledger/job-state.ts";
import type { HandledJob } from "./handle.ts";
import type { Begin, JobTracking, TrackedDelivery, Wait } from "./job-tracking.ts";

/** The job as the step took it up, for the ends of a delivery. */
export interface Taken {
  /** Undefined for poison that names no job we know. */
  readonly jobName: string | undefined;
  readonly jobId: string;
  /** Runs so far, this one included: the ledger's count when the job is tracked. */
  readonly attempt: number;
}

/**
 * Why a job did not start. `no-time`: the invocation's time or the worker's shutdown leaves no
 * room for it. `no-queue`: a tracked call whose consumer does not know its queue. `claim-failed`:
 * the ledger could not be asked (anything thrown). `finished` and `wait`: the ledger's answers.
 */
export type NotStarted =
  | { readonly kind: "no-time" }
  | { readonly kind: "no-queue" }
  | { readonly kind: "claim-failed"; readonly error: unknown }
  | { readonly kind: "finished"; readonly status: FinalStatus }
  | Wait;

/**
 * What the step records of a job that failed or was refused, before its delivery settles it: the
 * ledger's end, and for a dead job its flow's count and its callback's completion. Given the reason
 * when the job is dead (its copy is in the DLQ, or too large for it), undefined when it stays to be
 * tried again. Answers undefined once done; else the wait after which a later delivery finishes it:
 * the dead job's message is then handed back, not deleted (docs/flows.md, docs/durable.md).
 */
export type BeforeSettle = (dead: DeadLetterReason | undefined) => Promise<Wait | undefined>;

/** For an end with nothing to record: no job was read, or the ledger could not be reached. */
export const nothingToRecord: BeforeSettle = async () => undefined;

/**
 * One delivery of a job to the consumer: a queued record, or a synchronous call. The job step
 * decides; the delivery carries out each end where the two differ (a record has an SQS message to
 * delete, retry, dead-letter or hand back; a call answers its caller) and answers `R`.
 */
export interface Delivery<R> {
  readonly body: string;
  /** The consumer's queue; undefined only for a call whose consumer was not told it. */
  readonly queueUrl: string | undefined;
  /** What an error calls this delivery: `message <id>`, `call <job id>`. */
  subject(taken: Taken): string;
  /** The job id when the body names none. */
  readonly fallbackId: string;
  /** Runs before this delivery plus one: the attempt until the ledger counts it. */
  readonly attempt: number;
  /** The delivery came back from a dead-letter queue. */
  readonly redriven: boolean;
  /** The message id a handler sees. */
  readonly messageId: string | undefined;
  /** When the job was enqueued if its envelope does not say (epoch ms). */
  readonly sentAt: number;
  /** The id the job runs under. */
  jobIdOf(envelope: Envelope): string;
  /** What the delivery carries of its producer's trace (read only when tracing is on). */
  traceHeaders(): TraceHeaders;
  /** Attempts the job has on this path. */
  maxAttempts(job: HandledJob): number;
  /** Whether a run of `timeoutMs` may start now. */
  canStart(timeoutMs: number): boolean;
  /** Asks the ledger for the run (a call may try again in place for a slot). */
  begin(tracking: JobTracking, job: HandledJob, delivery: TrackedDelivery): Promise<Begin>;
  /** Poison (undecodable, an unknown job, an invalid payload) or a job id that is another job's. */
  refuse(
    taken: Taken,
    reason: "poison" | "id-collision",
    error: unknown,
    beforeSettle: BeforeSettle,
  ): Promise<R>;
  notStarted(taken: Taken, job: HandledJob, why: NotStarted): Promise<R>;
  /**
   * Past its last attempt with no ledger to count runs: undefined to run it again (receives may
   * not have run), else how it ends.
   */
  pastLastAttempt(taken: Taken): Promise<R | undefined>;
  /**
   * The body points at an S3 object that S3 would not give now (throttled, down, access refused):
   * tried again after a backoff, never at once; the queue's redrive policy bounds the tries.
   */
  unreadable(taken: Taken, error: unknown): Promise<R>;
  /** The worker stopped before the run ended. */
  abandoned(taken: Taken): Promise<R>;
  succeeded(taken: Taken, resultJson: string | undefined): Promise<R>;
  /** A cancel request stopped the run: neither retried nor dead-lettered. */
  cancelled(taken: Taken, job: HandledJob): Promise<R>;
  /** `reason` undefined: attempts are left. `beforeSettle` is called once, before the end is carried out. */
  failed(
    taken: Taken,
    job: HandledJob,
    error: unknown,
    reason: DeadLetterReason | undefined,
    beforeSettle: BeforeSettle,
  ): Promise<R>;
}
