import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import { DEAD_LETTER_ROOM_BYTES } from "../core/dead-letter-attributes.ts";
import type { JobDefinition } from "../core/job.ts";
import { jobAttributeValues } from "../core/job-attributes.ts";
import { attributesBytes } from "../core/message-size.ts";
import { TOPIC_ATTRIBUTE } from "../core/topic-attribute.ts";
import type { PreparedMessage, PrepareResult } from "./message.ts";

/**
 * A validated job as it is published: the same body, plus the attributes the job declares (what
 * subscriptions filter on) and the topic's name ({@link TOPIC_ATTRIBUTE}: each queue's copy is
 * its own job). Its size is what SNS measures, body and attributes: the copy lands in a queue of
 * up to 1 MiB, where the room for a dead-letter reason is there anyway.
 */
export function publishedMessage(job: JobDefinition, message: PreparedMessage, topic: string): PrepareResult {
  const declared =
    job.attributes === undefined ? undefined : jobAttributeValues(job.attributes, message.value);
  if (declared?.ok === false) return { ok: false, issues: declared.issues };
  const added =
    declared === undefined
      ? topicOnly(topic)
      : withSize({ ...declared.values, [TOPIC_ATTRIBUTE]: { DataType: "String", StringValue: topic } });
  // The body was measured once already: only the added attributes are counted here (their names
  // never meet the message's own, which are all `sqs-jobs.` ones a job may not declare).
  const sizeBytes = message.sizeBytes - DEAD_LETTER_ROOM_BYTES + added.bytes;
  return {
    ok: true,
    message: { ...message, attributes: { ...message.attributes, ...added.values }, sizeBytes },
  };
}

/** Attributes a publish adds, and their share of its size. */
interface Added {
  readonly values: Readonly<Record<string, MessageAttributeValue>>;
  readonly bytes: number;
}

function withSize(values: Record<string, MessageAttributeValue>): Added {
  return { values, bytes: attributesBytes(values) };
}

/** A job that declares no attributes adds only the topic's: the same for every publish to it. */
const topicOnlyByName = new Map<string, Added>();

function topicOnly(topic: string): Added {
  let added = topicOnlyByName.get(topic);
  if (added === undefined) {
    added = withSize({ [TOPIC_ATTRIBUTE]: { DataType: "String", StringValue: topic } });
    topicOnlyByName.set(topic, added);
  }
  return added;
}
