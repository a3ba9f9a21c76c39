import { childJobId } from "../core/child-id.ts";
import type { EnvelopeFlow } from "../core/envelope.ts";
import { ConfigError, InvalidOptionError, SendError, ValidationError } from "../core/errors.ts";
import type { JobDefinition } from "../core/job.ts";
import { newJobId } from "../core/job-id.ts";
import { MAX_FLOW_CHILDREN } from "../ledger/flow-layout.ts";
import { type ChainStep, declareFlow, linkFlow, type StoredThen } from "../ledger/flow-writes.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { type JobIdentity, prepareMessage } from "../producer/message.ts";
import { runSendPipeline } from "../producer/send-pipeline.ts";
import { Chain, type FlowJob, type FlowSpec, type FlowStarted, type RouteFor } from "./flow-spec.ts";

/** The job that starts a flow from its handler; none for `JobClient.flow`. */
export interface FlowParent {
  readonly jobId: string;
  readonly rootId: string;
}

/** How a flow is started: who starts it, its id's key, and where its jobs go. */
export interface FlowStart {
  readonly parent: FlowParent | undefined;
  /** The flow's key: the spec's, else the parent's count of flows so far. */
  readonly key: string | undefined;
  readonly routeFor: RouteFor;
}

/**
 * Declares a flow in the ledger, then sends its children through the send pipeline with ids
 * derived from the flow's id (a parent that runs again sends only those no consumer took yet).
 * The continuation is prepared now (validated, encoded) and stored with the declaration; the
 * consumer that counts the last child sends it.
 *
 * @throws {SendError} some children could not be sent (the flow waits for them: run it again)
 * @throws {ConfigError} a child's or the continuation's queue has no job ledger
 * @throws {ValidationError} a payload fails its schema (nothing sent)
 */
export async function startFlow(spec: FlowSpec | Chain, start: FlowStart): Promise<FlowStarted> {
  const { parent, routeFor } = start;
  const flowId =
    parent !== undefined
      ? childJobId(parent.jobId, `flow:${start.key ?? ""}`)
      : start.key !== undefined
        ? childJobId("flow", start.key)
        : newJobId();
  const rootId = parent?.rootId ?? flowId;
  const parentId = parent?.jobId ?? flowId;
  const { children, next: then, chainRest, policy } = normalise(spec);
  if (children.length === 0 || children.length > MAX_FLOW_CHILDREN) {
    throw new InvalidOptionError(
      `a flow takes 1 to ${MAX_FLOW_CHILDREN.toLocaleString("en-US")} children, but ${children.length} were given`,
    );
  }
  const keys = children.map((c, i) => c.key ?? String(i));
  if (new Set(keys).size !== keys.length) throw new InvalidOptionError("two children of a flow have one key");
  const childIds = keys.map((key) => childJobId(flowId, key));
  const thenJobId = childJobId(flowId, "then");
  const thenRoute = await routeFor(then.job);
  const ledger = await ledgerOf(thenRoute.ledgerFor, then.job);
  const stored = await storedThen(
    then,
    chainRest,
    { ...thenRoute, routeFor },
    {
      jobId: thenJobId,
      flow: { parentId, rootId, thenOf: flowId },
    },
  );
  await declareFlow(ledger, {
    flowId,
    parentId,
    rootId,
    policy,
    continuation: stored,
    children: children.map((c, i) => ({
      jobId: childIds[i] as string,
      key: keys[i] as string,
      job: c.job.name,
    })),
  });
  if (parent !== undefined) await linkFlow(ledger, parent.jobId, flowId);
  const place = (index: number): EnvelopeFlow => ({ parentId, rootId, flowId, index });
  await sendJobs(children, childIds, place, routeFor);
  return { flowId, rootId, childIds, thenJobId };
}

/** A chain is a flow of its first step whose continuation (the next step) takes its result. */
function normalise(spec: FlowSpec | Chain): {
  children: readonly FlowJob[];
  next: FlowJob | { readonly job: JobDefinition; readonly payload?: undefined };
  chainRest: readonly JobDefinition[] | undefined;
  policy: NonNullable<FlowSpec["onChildFailure"]>;
} {
  if (spec instanceof Chain) {
    const [next, ...rest] = spec.steps;
    if (next === undefined)
      throw new InvalidOptionError("a chain needs at least two steps: add one with .andThen(job)");
    return { children: [spec.first], next: { job: next }, chainRest: rest, policy: "fail" };
  }
  return {
    children: spec.children,
    next: spec.then,
    chainRest: undefined,
    policy: spec.onChildFailure ?? "fail",
  };
}

async function storedThen(
  then: FlowJob | { readonly job: JobDefinition; readonly payload?: undefined },
  chainRest: readonly JobDefinition[] | undefined,
  { queueUrl, fifo, routeFor }: { queueUrl: string; fifo: boolean; routeFor: RouteFor },
  identity: JobIdentity,
): Promise<StoredThen> {
  const base = { jobId: identity.jobId, job: then.job.name, queueUrl };
  if (chainRest !== undefined) {
    // The payload is the step before's result: known once it succeeded. FIFO: one group per chain.
    const group = fifo ? (identity.flow.thenOf ?? identity.jobId) : undefined;
    const steps = await Promise.all(chainRest.map((job) => chainStep(job, routeFor)));
    const chainJson = JSON.stringify(steps);
    return {
      ...base,
      body: undefined,
      groupId: group,
      dedupId: fifo ? identity.jobId : undefined,
      chainJson,
    };
  }
  const options = "options" in then ? (then.options ?? {}) : {};
  const prepared = await prepareMessage(then.job, then.payload, options, fifo, identity);
  if (!prepared.ok) {
    throw new ValidationError(then.job.name, prepared.issues, {
      subject: `payload of the continuation "${then.job.name}" is`,
    });
  }
  const m = prepared.message;
  return { ...base, body: m.body, groupId: m.groupId, dedupId: m.dedupId, chainJson: undefined };
}

async function chainStep(job: JobDefinition, routeFor: RouteFor): Promise<ChainStep> {
  const route = await routeFor(job);
  return { job: job.name, queueUrl: route.queueUrl, fifo: route.fifo };
}

/**
 * Sends jobs of a flow with their derived ids, one pipeline run per job definition.
 * @throws {SendError} some could not be sent
 */
export async function sendJobs(
  jobs: readonly FlowJob[],
  ids: readonly string[],
  place: (index: number) => EnvelopeFlow,
  routeFor: RouteFor,
): Promise<void> {
  const groups = new Map<JobDefinition, number[]>();
  for (const [i, c] of jobs.entries()) groups.set(c.job, [...(groups.get(c.job) ?? []), i]);
  let failed = 0;
  let firstError = "";
  for (const [job, indexes] of groups) {
    const route = await routeFor(job);
    await ledgerOf(route.ledgerFor, job);
    // One options object per run: children with their own options go one run each.
    const runs = new Map<string, number[]>();
    for (const i of indexes) {
      const key = JSON.stringify(jobs[i]?.options ?? {});
      runs.set(key, [...(runs.get(key) ?? []), i]);
    }
    for (const run of runs.values()) {
      const result = await runSendPipeline(route, {
        job,
        payloads: run.map((i) => jobs[i]?.payload),
        options: jobs[run[0] as number]?.options ?? {},
        single: false,
        identities: run.map((i) => ({ jobId: ids[i] as string, flow: place(i) })),
      });
      for (const item of result.items) {
        if (item.ok) continue;
        failed++;
        if (firstError === "") firstError = item.error;
      }
    }
  }
  if (failed > 0) {
    throw new SendError(
      `${failed} of ${jobs.length} jobs of the flow could not be sent (first: ${firstError}); run the same flow again to send them (those sent are not sent twice)`,
      { maybeSent: true },
    );
  }
}

async function ledgerOf(ledgerFor: (job: JobDefinition) => Promise<Ledger | undefined>, job: JobDefinition) {
  const ledger = await ledgerFor(job);
  if (ledger === undefined) {
    throw new ConfigError(
      `a flow needs the job ledger, and the client for job "${job.name}" has none: pass ledger: { tableName }, or set SQS_JOBS_LEDGER_TABLE`,
    );
  }
  return ledger;
}
