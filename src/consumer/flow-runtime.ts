import { PermanentError } from "../core/errors.ts";
import { plural } from "../core/plural.ts";
import { isFifoQueue } from "../core/queue-url.ts";
import type { SqsConnect, SqsLink } from "../core/sqs-connect.ts";
import { SQS_MAX_MESSAGE_BYTES } from "../core/sqs-limits.ts";
import { releaseContinuation } from "../flow/release.ts";
import { memberAt, readCounts, readFlow } from "../ledger/flow-reads.ts";
import { type CountedStatus, countChild } from "../ledger/flow-writes.ts";
import type { Ledger } from "../ledger/ledger.ts";
import type { LedgerConnect } from "../ledger/ledger-options.ts";
import { SchedulerLink } from "../producer/send-later.ts";
import type { SendRoute } from "../producer/send-pipeline.ts";

export { flowContext } from "../flow/flow-context.ts";

/** Dead children a `fail` continuation's reason names, at most. */
const NAMED_DEAD = 5;

/** The `fail` policy's error for a continuation whose flow has dead children, else undefined. */
export async function refusalOf(ledger: Ledger, flowId: string): Promise<PermanentError | undefined> {
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

/** The route of the consumer's own queue: children with no route of their own go there. */
export function ownRoute(queueUrl: string, sqs: SqsConnect, connect: LedgerConnect | undefined): SendRoute {
  return {
    queueUrl,
    fifo: isFifoQueue(queueUrl),
    sqs,
    maxMessageBytes: SQS_MAX_MESSAGE_BYTES,
    ledgerFor: async () => (connect === undefined ? undefined : connect()),
    scheduler: new SchedulerLink(undefined, undefined),
  };
}

/** Counts a final child once; when it completes the flow, sends the continuation (idempotent both). */
export async function countAndRelease(
  ledger: Ledger,
  sqs: SqsLink,
  child: { readonly flowId: string; readonly index: number; readonly status: CountedStatus },
): Promise<void> {
  if (await countChild(ledger, child.flowId, child.index, child.status)) {
    await releaseContinuation(ledger, sqs, child.flowId);
  }
}
