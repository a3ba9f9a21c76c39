/**
 * The message attribute a published job carries: the topic's name. With raw message delivery
 * SNS hands message attributes on to each subscribed queue, so a consumer can tell a published
 * copy (one of several, one per queue) from a job sent to its queue.
 */
export const TOPIC_ATTRIBUTE = "sqs-jobs.topic";

/**
 * The job id of a queue's copy of a published job: `<queue>:<published id>`. Every subscribed
 * queue receives the same envelope; each copy is its own job (its own attempts, outcome and
 * ledger entry), so two queues that share a ledger never take one copy's entry for the other's.
 * Every delivery of one copy shares it, so the ledger still runs each copy once. A queue name
 * cannot hold `:`.
 *
 * @example
 * publishedCopyId("audit", "0193a1b2-...") // "audit:0193a1b2-..."
 */
export function publishedCopyId(queue: string, publishedId: string): string {
  return `${queue}:${publishedId}`;
}
