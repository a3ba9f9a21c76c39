import { JOB_NAME_ATTRIBUTE } from "../../src/core/job-name-attribute.ts";
import type { JobTopicFilterCondition, JobTopicSubscribeOptions } from "./job-topic-props.ts";

/** SNS's limits on a filter policy: 5 attribute names, 150 combinations of values. */
const MAX_FILTER_KEYS = 5;
const MAX_FILTER_COMBINATIONS = 150;

/** What a subscription needs to know of the queue it delivers to. */
export interface SubscribedQueue {
  readonly name: string;
  readonly fifo: boolean;
  readonly jobNames: readonly string[];
}

/**
 * A subscription's filter policy on message attributes: the job names, then the filter. Returns
 * every problem at once (no policy when there is any), so it is testable without a synth.
 */
export function subscriptionFilter(
  topicFifo: boolean,
  queue: SubscribedQueue,
  { jobs, filter = {} }: JobTopicSubscribeOptions,
): { policy: Record<string, readonly JobTopicFilterCondition[]>; problems: string[] } {
  const problems: string[] = [];
  if (jobs.length === 0) problems.push(`subscribe(${queue.name}) needs at least one job in jobs`);
  if (topicFifo !== queue.fifo) {
    problems.push(
      topicFifo
        ? `a FIFO topic delivers only to FIFO queues, but queue "${queue.name}" is a standard queue`
        : `a standard topic cannot deliver to FIFO queue "${queue.name}": make the topic FIFO (fifo: true)`,
    );
  }
  for (const job of jobs) {
    if (!queue.jobNames.includes(job.name)) {
      problems.push(
        `queue "${queue.name}" does not carry job "${job.name}": add it to the queue's jobs, or its copies would be poison there`,
      );
    }
  }
  const keys = Object.keys(filter);
  for (const key of keys) {
    if (key === JOB_NAME_ATTRIBUTE) {
      problems.push(`filter may not name ${JOB_NAME_ATTRIBUTE}: jobs sets it`);
      continue;
    }
    const undeclared = jobs
      .filter((job) => job.attributes?.[key] === undefined)
      .map((job) => `"${job.name}"`);
    if (undeclared.length > 0) {
      problems.push(
        `filter names attribute "${key}", which job ${undeclared.join(", ")} does not declare: add it to the job's attributes, or its messages would never match`,
      );
    }
    if ((filter[key]?.length ?? 0) === 0) problems.push(`filter.${key} needs at least one condition`);
  }
  if (keys.length + 1 > MAX_FILTER_KEYS) {
    problems.push(
      `filter may name at most ${MAX_FILTER_KEYS - 1} attributes (SNS takes ${MAX_FILTER_KEYS} in a policy, one is the job name), but ${keys.length} were named`,
    );
  }
  const combinations = Object.values(filter).reduce(
    (n, conditions) => n * Math.max(1, conditions.length),
    jobs.length,
  );
  if (combinations > MAX_FILTER_COMBINATIONS) {
    problems.push(
      `the filter policy has ${combinations} combinations of values (jobs × conditions of each attribute), above SNS's ${MAX_FILTER_COMBINATIONS}`,
    );
  }
  return { policy: { [JOB_NAME_ATTRIBUTE]: jobs.map((job) => job.name), ...filter }, problems };
}
