import { childJobId } from "../core/child-id.ts";
import type { EnvelopeFlow } from "../core/envelope.ts";
import { encodeEnvelopeJson } from "../core/envelope-text.ts";
import { JOB_NAME_ATTRIBUTE } from "../core/job-name-attribute.ts";
import { queueNameOf } from "../core/queue-url.ts";
import type { SqsLink } from "../core/sqs-connect.ts";
import { type FlowRecord, readChildJobs, readFlow, readMembers } from "../ledger/flow-reads.ts";
import { declareFlow, markFlowComplete, recordChildren } from "../ledger/flow-writes.ts";
import { payloadHash } from "../ledger/job-key.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { queueChannel } from "../producer/delivery-channel.ts";
import type { PreparedMessage } from "../producer/message.ts";
import { sendNow } from "../producer/send-now.ts";

/**
 * Sends a flow's continuation once every child is final. Idempotent, so the consumer of any
 * delivery of the last child may call it again: the continuation has a derived id, its entry is
 * recorded only while no consumer took it, and a continuation already taken is not sent again (a
 * second copy, when a consumer stopped between send and record, runs once: the claim sees to it).
 * A chain's next step is built here from the result of the step before, as the one child of the
 * chain's next flow.
 *
 * @throws what SQS or DynamoDB threw: the caller leaves the child's message for another delivery
 */
export async function releaseContinuation(ledger: Ledger, sqs: SqsLink, flowId: string): Promise<void> {
  const flow = await readFlow(ledger, flowId);
  if (flow === undefined || flow.completedAt !== undefined) return;
  const then = flow.continuation;
  const place: EnvelopeFlow = { parentId: flow.parentId, rootId: flow.rootId, thenOf: flowId };
  if (then.body !== undefined) {
    await sendOnce(ledger, sqs, { jobId: then.jobId, job: then.job, queueUrl: then.queueUrl }, then, {
      body: then.body,
      place,
    });
  } else await releaseChainStep(ledger, sqs, flow);
  await markFlowComplete(ledger, flowId);
}

/** The chain's next step takes the result of the step before (the flow's one child). */
async function releaseChainStep(ledger: Ledger, sqs: SqsLink, flow: FlowRecord): Promise<void> {
  const [member] = await readMembers(ledger, flow.flowId, 0);
  const [before] = member === undefined ? [] : await readChildJobs(ledger, [member]);
  // The step before is dead (a chain fails on a dead step): nothing to hand on.
  if (before?.status !== "succeeded" || member === undefined) return;
  const resultJson = before.resultJson ?? "null";
  const then = flow.continuation;
  const [next, ...rest] = flow.chain ?? [];
  if (next === undefined) {
    const place: EnvelopeFlow = { parentId: member.jobId, rootId: flow.rootId, thenOf: flow.flowId };
    const body = encodeEnvelopeJson(then.job, then.jobId, new Date().toISOString(), resultJson, {
      flow: place,
    });
    await sendOnce(ledger, sqs, then, then, { body, place });
    return;
  }
  // This step is the one child of the chain's next flow, whose continuation is the step after.
  const nextFlowId = childJobId(flow.flowId, "chain");
  const stepId = childJobId(nextFlowId, "0");
  const afterId = childJobId(nextFlowId, "then");
  await declareFlow(ledger, {
    flowId: nextFlowId,
    parentId: member.jobId,
    rootId: flow.rootId,
    policy: "fail",
    continuation: {
      jobId: afterId,
      job: next.job,
      queueUrl: next.queueUrl,
      body: undefined,
      groupId: next.fifo ? nextFlowId : undefined,
      dedupId: next.fifo ? afterId : undefined,
      chainJson: JSON.stringify(rest),
    },
    children: [{ jobId: stepId, key: "0", job: then.job }],
  });
  const place: EnvelopeFlow = { parentId: member.jobId, rootId: flow.rootId, flowId: nextFlowId, index: 0 };
  const body = encodeEnvelopeJson(then.job, stepId, new Date().toISOString(), resultJson, { flow: place });
  await sendOnce(ledger, sqs, { jobId: stepId, job: then.job, queueUrl: then.queueUrl }, then, {
    body,
    place,
  });
}

/**
 * Records a prepared job `queued` (unless a consumer took it already) and sends it with the send
 * pipeline's deliver step for one message.
 */
async function sendOnce(
  ledger: Ledger,
  sqs: SqsLink,
  target: { readonly jobId: string; readonly job: string; readonly queueUrl: string },
  fifo: { readonly groupId: string | undefined; readonly dedupId: string | undefined },
  { body, place }: { readonly body: string; readonly place: EnvelopeFlow },
): Promise<void> {
  const payloadJson = JSON.stringify((JSON.parse(body) as { payload: unknown }).payload);
  const started = await recordChildren(ledger, [
    {
      jobId: target.jobId,
      job: target.job,
      queue: queueNameOf(target.queueUrl),
      payloadHash: payloadHash(payloadJson),
      flow: place,
    },
  ]);
  if (started.size > 0) return;
  const message: PreparedMessage = {
    jobId: target.jobId,
    value: undefined,
    payloadJson,
    body,
    attributes: { [JOB_NAME_ATTRIBUTE]: { DataType: "String", StringValue: target.job } },
    sizeBytes: 0,
    delaySeconds: undefined,
    groupId: fifo.groupId,
    dedupId: fifo.dedupId,
    flow: place,
  };
  const sent = await sendNow(queueChannel(sqs, target.queueUrl), { name: target.job })(message, 0, undefined);
  if (!sent.ok) throw sent.cause;
}
