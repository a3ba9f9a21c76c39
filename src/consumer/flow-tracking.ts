import type { Envelope } from "../core/envelope.ts";
import { PermanentError } from "../core/errors.ts";
import { plural } from "../core/plural.ts";
import { isFifoQueue } from "../core/queue-url.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";
import { SQS_MAX_MESSAGE_BYTES } from "../core/sqs-limits.ts";
import { type FlowContext, flowContext } from "../flow/flow-context.ts";
import type { JobRoute } from "../flow/flow-spec.ts";
import { releaseContinuation } from "../flow/release.ts";
import { routeFor } from "../flow/routes.ts";
import { memberAt, readCounts, readFlow } from "../ledger/flow-reads.ts";
import { type CountedStatus, countChild } from "../ledger/flow-writes.ts";
import type { LedgerConnect } from "../ledger/ledger-options.ts";
import { SchedulerLink } from "../producer/send-later.ts";
import type { SendRoute } from "../producer/send-pipeline.ts";
import { describeError } from "./describe-error.ts";
import type { LevelLogger } from "./logger.ts";

/** Dead children a `fail` continuation's reason names, at most. */
const NAMED_DEAD = 5;

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
    // Checked now, so a route listed twice fails the consumer's start.
    routeFor(this.#routes, () => this.#ownRoute(""));
  }

  /** The flow methods of a run's context. */
  contextFor(jobId: string, envelope: Envelope, queueUrl: string): FlowContext {
    return flowContext({
      parent: { jobId, rootId: envelope.flow?.rootId ?? jobId },
      thenOf: envelope.flow?.thenOf,
      routeFor: routeFor(this.#routes, () => this.#ownRoute(queueUrl)),
      ledger: this.#ledger,
    });
  }

  /**
   * A continuation under the `fail` policy whose flow has dead children: the error that
   * dead-letters it, naming them. Undefined when it may run.
   */
  async refusal(envelope: Envelope): Promise<PermanentError | undefined> {
    const flowId = envelope.flow?.thenOf;
    if (flowId === undefined || this.#ledger === undefined) return undefined;
    const ledger = await this.#ledger();
    const flow = await readFlow(ledger, flowId);
    if (flow?.policy !== "fail") return undefined;
    const { dead, deadSlots } = await readCounts(ledger, flow);
    if (dead === 0) return undefined;
    const named = await Promise.all(deadSlots.slice(0, NAMED_DEAD).map((i) => memberAt(ledger, flowId, i)));
    const names = named.map((m) => (m === undefined ? "?" : `${m.job} ${m.jobId} (key ${m.key})`));
    const more = dead > names.length ? ` and ${dead - names.length} more` : "";
    return new PermanentError(
      `flow ${flowId} has ${plural(dead, "dead child", "dead children")} (onChildFailure "fail"): ${names.join(", ")}${more}; redrive them, then this job`,
    );
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
      const complete = await countChild(ledger, flow.flowId, flow.index, status);
      if (complete) await releaseContinuation(ledger, (await this.#sqs()).client, flow.flowId);
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

  /** The consumer's SQS client reaches the route on the first child sent (no SDK load before). */
  async #ownRoute(queueUrl: string): Promise<SendRoute> {
    let route = this.#own.get(queueUrl);
    if (route === undefined) {
      const connect = this.#ledger;
      route = {
        queueUrl,
        fifo: isFifoQueue(queueUrl),
        sqs: (await this.#sqs()).client,
        maxMessageBytes: SQS_MAX_MESSAGE_BYTES,
        ledgerFor: async () => (connect === undefined ? undefined : connect()),
        scheduler: new SchedulerLink(undefined, undefined),
      };
      this.#own.set(queueUrl, route);
    }
    return route;
  }
}
