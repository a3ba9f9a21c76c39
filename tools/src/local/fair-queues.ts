/**
 * SQS fair queues, approximated on the local stack. On AWS a standard queue whose messages carry a
 * MessageGroupId (the tenant) serves quiet tenants first once one tenant holds a large share of
 * the messages in flight. fauxqs drops the group id of a standard queue's message and serves
 * messages oldest first, so here (1) the group id a send gave is put back on the stored message
 * (and ReceiveMessage returns it, as AWS does), and (2) every receive from a standard queue
 * picks, message by message, the oldest message of the tenant with the fewest messages in flight
 * (its picks so far counted), a message without a group being a tenant of its own. AWS only steps
 * in past a threshold (a tenant with over 10% of the messages in flight and at least 30 of them):
 * locally the preference always applies, so a local run shows the effect at small scale.
 */

/** A message as fauxqs's SqsQueue keeps it (the fields used here). */
interface StoredMessage {
  readonly messageId: string;
  messageGroupId?: string | undefined;
}

/** fauxqs's SqsQueue, as far as this file reads and patches it. */
export interface FairQueue {
  isFifo(): boolean;
  messages: StoredMessage[];
  readonly delayedMessages: StoredMessage[];
  readonly inflightMessages: Map<string, { readonly message: StoredMessage }>;
  processTimers(): void;
  dequeue(maxCount: number, ...rest: unknown[]): unknown;
}

export interface FairQueueStore {
  allQueues(): Iterable<FairQueue>;
  createQueue(...args: unknown[]): FairQueue;
  getQueue(url: string): FairQueue | undefined;
}

/** The fastify instance fauxqs's buildApp returns, as far as its `onSend` hook goes. */
export interface HookableApp {
  addHook(
    name: "onSend",
    hook: (
      request: { readonly headers: Record<string, unknown>; readonly body: unknown },
      reply: { readonly statusCode: number },
      payload: unknown,
    ) => Promise<unknown>,
  ): unknown;
}

/** ReceiveMessage's most messages per call. */
const MAX_RECEIVE = 10;

/** Queues that were sent a message with a group id: only their receives are reordered. */
const withTenants = new WeakSet<FairQueue>();

/** Makes every standard queue of `store`, present and future, a fair queue as described above. */
export function installFairQueues(app: HookableApp, store: FairQueueStore): void {
  for (const queue of store.allQueues()) preferQuietTenants(queue);
  const createQueue = store.createQueue.bind(store);
  store.createQueue = (...args) => preferQuietTenants(createQueue(...args));
  app.addHook("onSend", async (request, reply, payload) => {
    const target = request.headers["x-amz-target"];
    if (reply.statusCode !== 200 || typeof payload !== "string") return payload;
    if (target !== "AmazonSQS.SendMessage" && target !== "AmazonSQS.SendMessageBatch") return payload;
    const sent = request.body as SendRequest;
    const queue = typeof sent.QueueUrl === "string" ? store.getQueue(sent.QueueUrl) : undefined;
    if (queue === undefined || queue.isFifo()) return payload;
    tagGroups(queue, sentGroups(sent, JSON.parse(payload) as SendAnswer));
    return payload;
  });
}

interface SendRequest {
  readonly QueueUrl?: unknown;
  readonly MessageGroupId?: unknown;
  readonly Entries?: readonly { readonly Id?: unknown; readonly MessageGroupId?: unknown }[];
}

interface SendAnswer {
  readonly MessageId?: string;
  readonly Successful?: readonly { readonly Id?: string; readonly MessageId?: string }[];
}

/** The group id each sent message was given, by message id. */
function sentGroups(sent: SendRequest, answer: SendAnswer): Map<string, string> {
  const groups = new Map<string, string>();
  if (typeof sent.MessageGroupId === "string" && answer.MessageId !== undefined) {
    groups.set(answer.MessageId, sent.MessageGroupId);
  }
  const byEntry = new Map((sent.Entries ?? []).map((e) => [e.Id, e.MessageGroupId]));
  for (const { Id, MessageId } of answer.Successful ?? []) {
    const group = byEntry.get(Id);
    if (typeof group === "string" && MessageId !== undefined) groups.set(MessageId, group);
  }
  return groups;
}

/** Puts the group ids back on the stored messages, newest first: they were just enqueued. */
function tagGroups(queue: FairQueue, groups: Map<string, string>): void {
  let left = groups.size;
  if (left > 0) withTenants.add(queue);
  for (const list of [queue.messages, queue.delayedMessages]) {
    for (let i = list.length - 1; i >= 0 && left > 0; i--) {
      const message = list[i];
      const group = message === undefined ? undefined : groups.get(message.messageId);
      if (message === undefined || group === undefined) continue;
      message.messageGroupId = group;
      left--;
    }
  }
}

function preferQuietTenants(queue: FairQueue): FairQueue {
  if (queue.isFifo()) return queue;
  const dequeue = queue.dequeue.bind(queue);
  queue.dequeue = (maxCount, ...rest) => {
    if (withTenants.has(queue)) {
      queue.processTimers();
      queue.messages = fairOrder(queue, Math.min(maxCount, MAX_RECEIVE));
    }
    return dequeue(maxCount, ...rest);
  };
  return queue;
}

/** The queue's messages with the `count` the next receive should get moved to the front. */
export function fairOrder(
  queue: Pick<FairQueue, "messages" | "inflightMessages">,
  count: number,
): StoredMessage[] {
  const load = new Map<string, number>();
  for (const { message } of queue.inflightMessages.values()) {
    const group = message.messageGroupId;
    if (group !== undefined) load.set(group, (load.get(group) ?? 0) + 1);
  }
  const picked = new Set<StoredMessage>();
  while (picked.size < Math.min(count, queue.messages.length)) {
    let best: StoredMessage | undefined;
    let bestLoad = Number.POSITIVE_INFINITY;
    const seen = new Set<string>();
    for (const message of queue.messages) {
      if (picked.has(message)) continue;
      const group = message.messageGroupId;
      // A message without a group is a tenant of its own, with nothing in flight.
      const groupLoad = group === undefined ? 0 : (load.get(group) ?? 0);
      if (group !== undefined) {
        if (seen.has(group)) continue;
        seen.add(group);
      }
      if (groupLoad < bestLoad) {
        best = message;
        bestLoad = groupLoad;
        if (groupLoad === 0) break;
      }
    }
    if (best === undefined) break;
    picked.add(best);
    if (best.messageGroupId !== undefined) load.set(best.messageGroupId, bestLoad + 1);
  }
  return [...picked, ...queue.messages.filter((message) => !picked.has(message))];
}
