import type { JobDefinition, JobInput, JobResult } from "../core/job.ts";
import type { FlowFailurePolicy } from "../ledger/flow-layout.ts";
import type { JobFailure, JobStatus } from "../ledger/job-state.ts";
import type { SendOptions } from "../producer/message.ts";
import type { SendRoute } from "../producer/send-pipeline.ts";

export type { FlowFailurePolicy } from "../ledger/flow-layout.ts";
export type { FlowProgress } from "../ledger/flow-state.ts";

/**
 * One job of a flow, its payload typed by its job: build it with {@link child}. `key` names it
 * among its siblings (its id is derived from the flow's id and the key); by default its position.
 */
export interface FlowJob<J extends JobDefinition = JobDefinition> {
  readonly job: J;
  readonly payload: JobInput<J>;
  readonly key?: string;
  /** Per-job send options (`groupId`, `dedupId`, `delaySeconds`). */
  readonly options?: SendOptions;
}

/**
 * A job of a flow, typed: `child(fetchPage, { url }, { key: url })`.
 * @example
 * await jobs.flow({ children: urls.map((url) => child(fetchPage, { url })), then: child(summarize, { site }) });
 */
export function child<J extends JobDefinition>(
  job: J,
  payload: JobInput<J>,
  options: { readonly key?: string } & SendOptions = {},
): FlowJob<J> {
  const { key, ...send } = options;
  return { job, payload, ...(key === undefined ? {} : { key }), options: send };
}

/** A fan-in: children that run in parallel, and a continuation that runs once when all are final. */
export interface FlowSpec<T extends JobDefinition = JobDefinition> {
  /**
   * Names the flow among its parent's flows (its id is derived from the parent's id and this
   * key), or for `JobClient.flow` makes it idempotent: the same key, the same flow.
   * @default its position among the parent's flows; for `JobClient.flow`, a fresh id
   */
  readonly key?: string;
  /** 1 to 100,000 jobs, on any queue of the app. */
  readonly children: readonly FlowJob[];
  /** The continuation: it reads the children's results with `ctx.childResults`. */
  readonly then: FlowJob<T>;
  /**
   * When some children are dead once all are final: `fail` dead-letters the continuation with a
   * reason that names them (redrive them, then the continuation); `continue` runs it and shows
   * them in `ctx.childResults`; `ignore` runs it and leaves them out.
   * @default "fail"
   */
  readonly onChildFailure?: FlowFailurePolicy;
}

/**
 * Jobs that go to another queue than the default one (the consumer's own queue, or the client's
 * for `JobClient.flow`), and the `JobClient` that sends them (docs/flows.md, "Queues").
 */
export interface JobRoute {
  readonly jobs: readonly JobDefinition[];
  /** A `JobClient` for the jobs' queue. */
  readonly client: { readonly queueUrl: string };
}

/** Where each job of a flow goes. */
export type RouteFor = (job: JobDefinition) => Promise<SendRoute>;

/** What starting a flow did. */
export interface FlowStarted {
  readonly flowId: string;
  /** The first job of the tree: the parent's root, else the flow itself. */
  readonly rootId: string;
  /** The children's ids, in order. */
  readonly childIds: readonly string[];
  /** The continuation's id (it is sent once every child is final). */
  readonly thenJobId: string;
}

/** A child as the continuation reads it from the ledger. */
export type FlowChild<Result = unknown> = {
  readonly jobId: string;
  readonly key: string;
  readonly jobName: string;
} & (
  | { readonly status: "succeeded"; readonly result: Result }
  | { readonly status: "dead"; readonly failure: JobFailure | undefined }
  /**
   * Ended another way (`cancelled`, `superseded`: counted as dead in the flow), or not final any
   * more (a dead child redriven after the flow completed).
   */
  | { readonly status: Exclude<JobStatus, "succeeded" | "dead"> }
);

/** Options of `ctx.childResults`. */
export interface ChildResultsOptions {
  /** Children per page, 1 to 1,000. @default 100 */
  readonly pageSize?: number;
}

/**
 * Steps that run one after another, each a job on its own queue with its own retries, each
 * taking the result of the step before as its payload (checked at compile time): build it with
 * {@link chain}, start it with `flow`.
 */
export class Chain<Last extends JobDefinition = JobDefinition> {
  readonly first: FlowJob;
  readonly steps: readonly JobDefinition[];
  readonly key: string | undefined;

  /** @internal built by {@link chain} */
  constructor(first: FlowJob, steps: readonly JobDefinition[], key: string | undefined) {
    this.first = first;
    this.steps = steps;
    this.key = key;
  }

  /**
   * The next step: its payload is the result of this chain's last step. A job whose payload does
   * not accept that result is a compile error. (Not named `then`: that would make a chain a
   * thenable, which `await` and an async function's return would call.)
   */
  andThen<N extends JobDefinition>(
    next: N,
    ..._check: [JobResult<Last>] extends [JobInput<N>] ? [] : [never]
  ): Chain<N> {
    return new Chain<N>(this.first, [...this.steps, next], this.key);
  }
}

/**
 * Starts a chain declaration: `chain(fetchPage, { url }).andThen(parsePage).andThen(storePage)`.
 * @example
 * await jobs.flow(chain(fetchPage, { url }, { key: url }).andThen(parsePage).andThen(storePage));
 */
export function chain<J extends JobDefinition>(
  job: J,
  payload: JobInput<J>,
  options: { readonly key?: string } & SendOptions = {},
): Chain<J> {
  return new Chain<J>(child(job, payload, { ...options, key: "0" }), [], options.key);
}
