import { cachedUntilFailure } from "../core/cached-until-failure.ts";
import type { Envelope } from "../core/envelope.ts";
import type { PermanentError } from "../core/errors.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";
import type { FlowContext } from "../flow/flow-context.ts";
import type { JobRoute, RouteFor } from "../flow/flow-spec.ts";
import { routeFor } from "../flow/routes.ts";
import type { CountedStatus } from "../ledger/flow-writes.ts";
import type { LedgerConnect } from "../ledger/ledger-options.ts";
import type { SendRoute } from "../producer/send-pipeline.ts";
import { describeError } from "./describe-error.ts";
import type { LevelLogger } from "./logger.ts";

/**
 * The flow code (and with it the DynamoDB SDK and the send pipeline), loaded on first use: a
 * consumer whose jobs start no flow, and are in none, never loads it (Lambda cold starts).
 */
const loadFlows = cachedUntilFailure(() => import("./flow-runtime.ts"));

/**
 * The consumer's side of flows (docs/flows.md): each run's `ctx.send` / `ctx.flow`, the count of
 * a flow's child once it is final (and the continuation's release when it was the last), and the
 * `fail` policy's check before a continuation runs. It decides no record's fate: the job step
 * asks it and acts.
 */
export class FlowTracking {
  readonly #ledger: LedgerConnect | undefined;
  readonly #sqs: SqsConnect;
  readonly #log: LevelLogger;
  readonly #routes: readonly JobRoute[];
  /** The consumer's own queues' routes: a child with no route goes to its parent's queue. */
  readonly #own = new Map<string, SendRoute>();
  /** Each queue's lookup of a child's route, built once, not for every record. */
  readonly #routeFors = new Map<string, RouteFor>();

  constructor(options: {
    readonly ledger: LedgerConnect | undefined;
    readonly sqs: SqsConnect;
    readonly routes: readonly JobRoute[];
    readonly logger: LevelLogger;
  }) {
    this.#ledger = options.ledger;
    this.#sqs = options.sqs;
    this.#routes = options.routes;
    this.#log = options.logger;
    // Checked now, so a job listed in two routes fails the consumer's start.
    routeFor(this.#routes, () => this.#ownRoute(""));
  }

  /** The flow methods of a run's context; each loads the flow code when first called. */
  contextFor(jobId: string, envelope: Envelope, queueUrl: string): FlowContext {
    let route = this.#routeFors.get(queueUrl);
    if (route === undefined) {
      route = routeFor(this.#routes, () => this.#ownRoute(queueUrl));
      this.#routeFors.set(queueUrl, route);
    }
    const init = {
      parent: { jobId, rootId: envelope.flow?.rootId ?? jobId },
      thenOf: envelope.flow?.thenOf,
      routeFor: route,
      ledger: this.#ledger,
    };
    const context = cachedUntilFailure(async () => (await loadFlows()).flowContext(init));
    return {
      send: async (job, payload, options) => (await context()).send(job, payload, options),
      sendBatch: async (job, payloads, options) => (await context()).sendBatch(job, payloads, options),
      flow: async (spec) => (await context()).flow(spec),
      childResults: (job, options) => ({
        async *[Symbol.asyncIterator]() {
          yield* (await context()).childResults(job, options);
        },
      }),
    };
  }

  /**
   * A continuation under the `fail` policy whose flow has dead children: the error that
   * dead-letters it, naming them. Undefined when it may run.
   */
  async refusal(envelope: Envelope): Promise<PermanentError | undefined> {
    const flowId = envelope.flow?.thenOf;
    if (flowId === undefined || this.#ledger === undefined) return undefined;
    return (await loadFlows()).refusalOf(await this.#ledger(), flowId);
  }

  /**
   * Counts a flow's child that reached a final state, and sends the continuation if it was the
   * last. Returns false when that could not be done: the caller leaves the message for another
   * delivery, which counts again (a count is idempotent).
   */
  async counted(envelope: Envelope, status: CountedStatus): Promise<boolean> {
    const flow = envelope.flow;
    if (flow?.flowId === undefined || flow.index === undefined || this.#ledger === undefined) return true;
    try {
      const ledger = await this.#ledger();
      const sqs = await this.#sqs();
      await (await loadFlows()).countAndRelease(ledger, sqs, {
        flowId: flow.flowId,
        index: flow.index,
        status,
      });
      return true;
    } catch (error) {
      this.#log.error("sqs-jobs could not count a flow's child; its message is left for another delivery", {
        flowId: flow.flowId,
        index: flow.index,
        error: describeError(error).message,
      });
      return false;
    }
  }

  /** The route sends with the consumer's SQS link, which loads the SDK on the first child sent. */
  async #ownRoute(queueUrl: string): Promise<SendRoute> {
    let route = this.#own.get(queueUrl);
    if (route === undefined) {
      route = (await loadFlows()).ownRoute(queueUrl, this.#sqs, this.#ledger);
      this.#own.set(queueUrl, route);
    }
    return route;
  }
}
