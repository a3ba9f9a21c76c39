import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
} from "@aws-sdk/client-cloudwatch";
import { DEFAULT_METRICS_NAMESPACE } from "sqs-jobs/internal/consumer/metrics";
import { describeAwsError } from "sqs-jobs/internal/core/aws-errors";
import type { JobOutcomesPoint, QueueRates, RatePoint, RateQueue, RateSource } from "./rates.ts";

const MINUTE = 60_000;
/** GetMetricData answers at most 500 queries a call. */
const QUERIES_PER_CALL = 500;

/**
 * The metrics read per queue, and where each goes on the page: AWS/SQS's by `QueueName`, and the
 * sqs-jobs consumer's EMF outcomes by `queue` (src/consumer/metrics.ts) in the consumer's namespace.
 */
const METRICS = [
  { key: "sent", metric: "NumberOfMessagesSent", stat: "Sum", from: "sqs" },
  { key: "processed", metric: "NumberOfMessagesDeleted", stat: "Sum", from: "sqs" },
  { key: "received", metric: "NumberOfMessagesReceived", stat: "Sum", from: "sqs" },
  { key: "oldest", metric: "ApproximateAgeOfOldestMessage", stat: "Maximum", from: "sqs" },
  { key: "succeeded", metric: "succeeded", stat: "Sum", from: "consumer" },
  { key: "failed", metric: "failed", stat: "Sum", from: "consumer" },
  { key: "dead", metric: "dead", stat: "Sum", from: "consumer" },
  { key: "throttled", metric: "throttled", stat: "Sum", from: "consumer" },
  { key: "cancelled", metric: "cancelled", stat: "Sum", from: "consumer" },
] as const;

type Metric = (typeof METRICS)[number];
type MetricKey = Metric["key"];
type OutcomeKey = Extract<Metric, { from: "consumer" }>["key"];
const OUTCOMES = METRICS.filter((m): m is Extract<Metric, { from: "consumer" }> => m.from === "consumer").map(
  (m) => m.key,
);

/**
 * Per-minute rates on AWS, from CloudWatch's AWS/SQS metrics: `sent` is NumberOfMessagesSent,
 * `processed` NumberOfMessagesDeleted (a consumer deletes a message when it is done with it:
 * succeeded or dead-lettered by sqs-jobs), `failed` what was received and not deleted that minute
 * (returned for retry or still in flight); the oldest message's age is
 * ApproximateAgeOfOldestMessage, which SQS's own attributes do not give.
 *
 * Beside them, `jobs`: what the queue's sqs-jobs Lambda consumer did with its jobs (succeeded,
 * failed and to be retried, dead, throttled, cancelled), from its EMF metrics per queue.
 *
 * One `GetMetricData` call for every queue of a refresh (9 queries a queue, 500 a call, so one
 * call up to 55 queues; more queues take another call per 500 queries), kept for a minute:
 * CloudWatch's metrics are per minute, so reading them more often shows nothing new and costs
 * more ($0.01 per 1,000 metrics requested in us-east-1: docs/dashboard.md).
 */
export class CloudWatchRates implements RateSource {
  readonly #cloudwatch: CloudWatchClient;
  readonly #keepMinutes: number;
  readonly #maxAgeMs: number;
  readonly #namespace: string;
  #cache: { readonly key: string; readonly at: number; readonly rates: Map<string, QueueRates> } | undefined;
  #reading: Promise<Map<string, QueueRates>> | undefined;

  constructor(
    cloudwatch: CloudWatchClient,
    options: {
      readonly keepMinutes?: number;
      readonly maxAgeMs?: number;
      /** The consumers' metrics namespace (`createSqsHandler`'s `metrics.namespace`). @default "SqsJobs" */
      readonly namespace?: string;
    } = {},
  ) {
    this.#cloudwatch = cloudwatch;
    this.#keepMinutes = options.keepMinutes ?? 15;
    this.#maxAgeMs = options.maxAgeMs ?? MINUTE;
    this.#namespace = options.namespace ?? DEFAULT_METRICS_NAMESPACE;
  }

  async read(queues: readonly RateQueue[], now: Date): Promise<ReadonlyMap<string, QueueRates>> {
    const key = queues.map((q) => q.arn).join(" ");
    const cached = this.#cache;
    if (cached !== undefined && cached.key === key && now.getTime() - cached.at < this.#maxAgeMs) {
      return cached.rates;
    }
    // Pages open in three tabs share one reading.
    this.#reading ??= this.#fetch(queues, now)
      .then((rates) => {
        this.#cache = { key, at: now.getTime(), rates };
        return rates;
      })
      .catch((error: unknown) =>
        unavailable(queues, `CloudWatch could not be read: ${describeAwsError(error)}`),
      )
      .finally(() => {
        this.#reading = undefined;
      });
    return this.#reading;
  }

  async #fetch(queues: readonly RateQueue[], now: Date): Promise<Map<string, QueueRates>> {
    const end = Math.floor(now.getTime() / MINUTE) * MINUTE + MINUTE;
    const start = end - this.#keepMinutes * MINUTE;
    const queries = queues.flatMap((q, i) => METRICS.map((m) => queryOf(q, i, m, this.#namespace)));
    const results = new Map<string, MetricDataResult>();
    for (let first = 0; first < queries.length; first += QUERIES_PER_CALL) {
      let nextToken: string | undefined;
      do {
        const answer = await this.#cloudwatch.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries.slice(first, first + QUERIES_PER_CALL),
            StartTime: new Date(start),
            EndTime: new Date(end),
            NextToken: nextToken,
          }),
        );
        for (const result of answer.MetricDataResults ?? []) {
          if (result.Id === undefined) continue;
          const known = results.get(result.Id);
          results.set(result.Id, known === undefined ? result : merged(known, result));
        }
        nextToken = answer.NextToken;
      } while (nextToken !== undefined);
    }
    return new Map(
      queues.map((q, i) => [q.arn, ratesOfQueue(i, results, start, this.#keepMinutes)] as const),
    );
  }
}

function queryOf(queue: RateQueue, index: number, m: Metric, namespace: string): MetricDataQuery {
  const metric =
    m.from === "sqs"
      ? { Namespace: "AWS/SQS", Dimensions: [{ Name: "QueueName", Value: queue.name }] }
      : { Namespace: namespace, Dimensions: [{ Name: "queue", Value: queue.name }] };
  return {
    Id: idOf(index, m.key),
    MetricStat: { Metric: { ...metric, MetricName: m.metric }, Period: 60, Stat: m.stat },
    ReturnData: true,
  };
}

/** Query ids must start with a lower-case letter and hold only letters, digits and `_`. */
const idOf = (index: number, key: MetricKey): string => `${key}_${index}`;

function merged(a: MetricDataResult, b: MetricDataResult): MetricDataResult {
  return {
    ...a,
    Timestamps: [...(a.Timestamps ?? []), ...(b.Timestamps ?? [])],
    Values: [...(a.Values ?? []), ...(b.Values ?? [])],
  };
}

function byMinute(result: MetricDataResult | undefined): Map<number, number> {
  const values = new Map<number, number>();
  const times = result?.Timestamps ?? [];
  times.forEach((time, i) => {
    const value = result?.Values?.[i];
    if (value !== undefined) values.set(Math.floor(new Date(time).getTime() / MINUTE) * MINUTE, value);
  });
  return values;
}

function ratesOfQueue(
  index: number,
  results: ReadonlyMap<string, MetricDataResult>,
  start: number,
  minutes: number,
): QueueRates {
  const series = (key: MetricKey) => byMinute(results.get(idOf(index, key)));
  const sent = series("sent");
  const processed = series("processed");
  const received = series("received");
  const oldest = series("oldest");
  const points: RatePoint[] = [];
  for (let i = 0; i < minutes; i++) {
    const at = start + i * MINUTE;
    const done = processed.get(at) ?? 0;
    points.push({
      at: new Date(at).toISOString(),
      sent: sent.get(at) ?? 0,
      processed: done,
      failed: Math.max(0, (received.get(at) ?? 0) - done),
    });
  }
  const latestOldest = [...oldest.entries()].sort(([a], [b]) => b - a)[0]?.[1];
  return {
    source: "cloudwatch",
    why: null,
    points,
    jobs: jobsOfQueue(series, start, minutes),
    oldestAgeSeconds: latestOldest ?? null,
  };
}

/** Null when the consumer wrote no outcome for the queue in the window: not an sqs-jobs consumer, or idle. */
function jobsOfQueue(
  series: (key: MetricKey) => Map<number, number>,
  start: number,
  minutes: number,
): JobOutcomesPoint[] | null {
  const outcomes = new Map(OUTCOMES.map((key) => [key, series(key)] as const));
  if ([...outcomes.values()].every((values) => values.size === 0)) return null;
  const at = (key: OutcomeKey, minute: number) => outcomes.get(key)?.get(minute) ?? 0;
  return Array.from({ length: minutes }, (_, i) => {
    const minute = start + i * MINUTE;
    return {
      at: new Date(minute).toISOString(),
      succeeded: at("succeeded", minute),
      failed: at("failed", minute),
      dead: at("dead", minute),
      throttled: at("throttled", minute),
      cancelled: at("cancelled", minute),
    };
  });
}

function unavailable(queues: readonly RateQueue[], why: string): Map<string, QueueRates> {
  return new Map(
    queues.map((q) => [q.arn, { source: null, why, points: [], jobs: null, oldestAgeSeconds: null }]),
  );
}
