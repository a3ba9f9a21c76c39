import { PayloadTooLargeError, ValidationError, type ValidationIssue } from "../core/errors.ts";
import type { JobDefinition, JobInput } from "../core/job.ts";
import { type JobIdentity, type PreparedMessage, prepareMessage, type SendOptions } from "./message.ts";
import { publishedMessage } from "./published-message.ts";
import type { MessageTrace } from "./send-trace.ts";

/** What the validate and size steps check a payload against. */
export interface PrepareTarget {
  readonly fifo: boolean;
  /** The queue's maximum message size, or SNS's for a publish. */
  readonly maxMessageBytes: number;
  /** A publish: the topic's name. Each job then carries its declared attributes and the topic's. */
  readonly topic?: string;
  /**
   * One job (`send`): its problems are the call's (issue paths start in the payload, an oversize
   * job throws `PayloadTooLargeError`); else issue paths start with the item's index.
   */
  readonly single: boolean;
  /** Jobs of a flow: each payload's derived id and place (same order as the payloads). */
  readonly identities?: readonly JobIdentity[] | undefined;
  /** The producer's trace context every message carries, when tracing is on. */
  readonly trace?: MessageTrace | undefined;
}

/**
 * The send pipeline's validate and size steps: every payload is validated and encoded, and
 * measured against the queue's limit, before any network call. Every problem of every payload is
 * reported at once.
 *
 * @throws {ValidationError} a payload fails its schema or is too large (nothing sent)
 * @throws {PayloadTooLargeError} the one job of a `send` is too large (nothing sent)
 */
export async function prepareJobs<J extends JobDefinition>(
  job: J,
  payloads: readonly JobInput<J>[],
  options: SendOptions,
  target: PrepareTarget,
): Promise<PreparedMessage[]> {
  const messages: PreparedMessage[] = [];
  const issues: ValidationIssue[] = [];
  for (const [index, payload] of payloads.entries()) {
    const identity = target.identities?.[index];
    let prepared = await prepareMessage(job, payload, options, target.fifo, target.trace, identity);
    if (prepared.ok && target.topic !== undefined)
      prepared = publishedMessage(job, prepared.message, target.topic);
    if (!prepared.ok) {
      if (target.single) throw new ValidationError(job.name, prepared.issues);
      for (const issue of prepared.issues) issues.push({ ...issue, path: [index, ...issue.path] });
      continue;
    }
    // The size step: where a payload above the limit could take another way (S3) instead.
    const { sizeBytes } = prepared.message;
    if (sizeBytes <= target.maxMessageBytes) messages.push(prepared.message);
    else if (target.single) {
      const to = target.topic === undefined ? "queue" : "topic";
      throw new PayloadTooLargeError(job.name, sizeBytes, target.maxMessageBytes, to);
    } else {
      issues.push({
        path: [index],
        kind: "too_large",
        message: `message is ${sizeBytes} bytes, above the limit of ${target.maxMessageBytes}`,
      });
    }
  }
  if (issues.length > 0) {
    const bad = new Set(issues.map((i) => i.path[0]));
    throw new ValidationError(job.name, issues, {
      subject: `${bad.size} of ${payloads.length} payloads for job "${job.name}" are`,
    });
  }
  return messages;
}
