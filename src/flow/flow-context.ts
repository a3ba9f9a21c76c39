import { childJobId } from "../core/child-id.ts";
import { InvalidOptionError } from "../core/errors.ts";
import type { JobDefinition, JobInput, JobResult } from "../core/job.ts";
import { FLOW_PAGE_SIZE } from "../ledger/flow-layout.ts";
import { readChildJobs, readFlow, readMembers } from "../ledger/flow-reads.ts";
import type { Ledger } from "../ledger/ledger.ts";
import type { SendBatchOptions } from "../producer/job-client-options.ts";
import { parseResult } from "../producer/job-status.ts";
import type { SendOptions } from "../producer/message.ts";
import { runSendPipeline } from "../producer/send-pipeline.ts";
import { type SendBatchResult, type SendResult, toBatchResult } from "../producer/send-result.ts";
import type { Chain, ChildResultsOptions, FlowChild, FlowSpec, FlowStarted, RouteFor } from "./flow-spec.ts";
import { type FlowParent, startFlow } from "./start-flow.ts";

/** `ctx.send` options: a send's options and the child's key. */
export interface ChildSendOptions extends SendOptions {
  /**
   * Names the child among its parent's children: its id is derived from the parent's id and this
   * key, so a parent that runs again sends the same child, not a second one.
   * @default its position among the parent's `send` calls ("send:0", "send:1"...)
   */
  readonly key?: string;
}

/** `ctx.sendBatch` options: a batch's options and the children's keys. */
export interface ChildBatchOptions extends SendBatchOptions {
  /** One key per payload (see {@link ChildSendOptions.key}). @default "batch:<call>:<index>" */
  readonly keys?: readonly string[];
}

/** What a handler can start: children, flows, chains; and a continuation's view of its flow. */
export interface FlowContext {
  /**
   * Sends a child job (to the consumer's queue, or the queue its route names), its id derived
   * from this job's id and the key: a retried parent does not send it twice.
   * @example
   * await ctx.send(resizeImage, { key: "a.png", width: 200 }, { key: "a.png" });
   */
  send<J extends JobDefinition>(
    job: J,
    payload: JobInput<J>,
    options?: ChildSendOptions,
  ): Promise<SendResult>;
  /** Sends children in batches, as `sendBatch` does, each id derived from this job's id and its key. */
  sendBatch<J extends JobDefinition>(
    job: J,
    payloads: readonly JobInput<J>[],
    options?: ChildBatchOptions,
  ): Promise<SendBatchResult>;
  /**
   * Starts a flow (children and a continuation that runs once all are final) or a chain, as a
   * child of this job: its id is derived from this job's id and the flow's key.
   * @throws {SendError} some children could not be sent: the attempt fails, and the next one
   *   sends only those
   */
  flow<T extends JobDefinition>(spec: FlowSpec<T> | Chain): Promise<FlowStarted>;
  /**
   * In a flow's continuation: the children, read from the ledger in pages, in order, with their
   * status and result (typed by `job`, whose children alone are read) or failure. Under the
   * `ignore` policy dead children are left out.
   * @throws {InvalidOptionError} this job is no flow's continuation
   * @example
   * for await (const page of ctx.childResults(fetchPage)) for (const c of page) if (c.status === "succeeded") total += c.result.bytes;
   */
  childResults<J extends JobDefinition>(
    job?: J,
    options?: ChildResultsOptions,
  ): AsyncIterable<readonly FlowChild<JobResult<J>>[]>;
}

/** Who the context's jobs belong to, and where they go. */
export interface FlowContextInit {
  readonly parent: FlowParent;
  /** Set on a flow's continuation: the flow's id. */
  readonly thenOf: string | undefined;
  readonly routeFor: RouteFor;
  /** The ledger the flow's records are read from (the consumer's). */
  readonly ledger: (() => Promise<Ledger>) | undefined;
}

/** The flow methods of one run's context; keys by position count calls within the run. */
export function flowContext(init: FlowContextInit): FlowContext {
  const { parent, routeFor } = init;
  const counts = { send: 0, batch: 0, flow: 0 };
  const place = { parentId: parent.jobId, rootId: parent.rootId };
  return {
    async send(job, payload, options = {}) {
      const { key = `send:${counts.send++}`, ...rest } = options;
      const identities = [{ jobId: childJobId(parent.jobId, key), flow: place }];
      const request = { job, payloads: [payload], options: rest, single: true, identities };
      const [item] = (await runSendPipeline(await routeFor(job), request)).items;
      if (item === undefined) throw new Error("the send pipeline returned no result");
      if (!item.ok) throw item.cause;
      const { index: _index, ok: _ok, ...sent } = item;
      return sent;
    },
    async sendBatch(job, payloads, options = {}) {
      const call = counts.batch++;
      const { keys, ...rest } = options;
      if (keys !== undefined && keys.length !== payloads.length) {
        throw new InvalidOptionError(
          `keys must hold one key per payload (${payloads.length}), but ${keys.length} were given`,
        );
      }
      const identities = payloads.map((_, i) => ({
        jobId: childJobId(parent.jobId, keys?.[i] ?? `batch:${call}:${i}`),
        flow: place,
      }));
      const request = { job, payloads, options: rest, single: false, identities };
      return toBatchResult(await runSendPipeline(await routeFor(job), request));
    },
    flow(spec) {
      return startFlow(spec, { parent, key: spec.key ?? String(counts.flow++), routeFor });
    },
    childResults: (job, options) => childResults(init, job, options),
  };
}

async function* childResults<J extends JobDefinition>(
  init: FlowContextInit,
  job: J | undefined,
  options: ChildResultsOptions = {},
): AsyncGenerator<readonly FlowChild<JobResult<J>>[]> {
  const pageSize = options.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > FLOW_PAGE_SIZE) {
    throw new InvalidOptionError(
      `pageSize must be an integer between 1 and ${FLOW_PAGE_SIZE}, but ${pageSize} was provided`,
    );
  }
  if (init.thenOf === undefined || init.ledger === undefined) {
    throw new InvalidOptionError("childResults reads a flow's children: this job is no flow's continuation");
  }
  const ledger = await init.ledger();
  const flow = await readFlow(ledger, init.thenOf);
  if (flow === undefined) throw new InvalidOptionError(`flow ${init.thenOf} is not in the ledger (expired?)`);
  for (let p = 0; p * FLOW_PAGE_SIZE < flow.total; p++) {
    const members = (await readMembers(ledger, flow.flowId, p)).filter(
      (m) => job === undefined || m.job === job.name,
    );
    for (let i = 0; i < members.length; i += pageSize) {
      const slice = members.slice(i, i + pageSize);
      const jobs = await readChildJobs(ledger, slice);
      const page: FlowChild<JobResult<J>>[] = [];
      for (const [n, m] of slice.entries()) {
        const stored = jobs[n];
        const base = { jobId: m.jobId, key: m.key, jobName: m.job };
        if (stored?.status === "succeeded") {
          const result =
            job === undefined ? parseJson(stored.resultJson) : await parseResult(job, stored.resultJson);
          page.push({ ...base, status: "succeeded", result: result as JobResult<J> });
        } else if (stored?.status === "dead") {
          if (flow.policy !== "ignore") page.push({ ...base, status: "dead", failure: stored.failure });
        } else page.push({ ...base, status: stored?.status ?? "queued" });
      }
      if (page.length > 0) yield page;
    }
  }
}

function parseJson(json: string | undefined): unknown {
  return json === undefined ? undefined : JSON.parse(json);
}
