import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
} from "@aws-sdk/client-cloudwatch";
import { describeAwsError } from "sqs-jobs/internal/core/aws-errors";
import type { QueueRates, RatePoint, RateQueue, RateSource } from "./rates.ts";

const MINUTE = 60_000;
/** GetMetricData answers at most 500 queries a call. */
const QUERIES_PER_CALL = 500;

/** The AWS/SQS metrics read per queue, and where each goes on the page. */
const METRICS = [
  { key: "sent", metric: "NumberOfMessagesSent", stat: "Sum" },
  { key: "processed", metric: "NumberOfMessagesDeleted", stat: "Sum" },
  { key: "received", metric: "NumberOfMessagesReceived", stat: "Sum" },
  { key: "oldest", metric: "ApproximateAgeOfOldestMessage", stat: "Maximum" },
] as const;

type MetricKey = (typeof METRICS)[number]["key"];

/**
 * Per-minute rates on AWS, from CloudWatch's AWS/SQS metrics: `sent` is NumberOfMessagesSent,
 * `processed` NumberOfMessagesDeleted (a consumer deletes a message when it is done with it:
 * succeeded or dead-lettered by sqs-jobs), `failed` what was received and not deleted that minute
 * (returned for retry or still in flight); the oldest message's age is
 * ApproximateAgeOfOldestMessage, which SQS's own attributes do not give.
 *
 * One `GetMetricData` call for every queue of a refresh (4 queries a queue, 500 a call, so one
 * call up to 125 queues), kept for a minute: CloudWatch's SQS metrics are per minute, so reading
 * them more often shows nothing new and costs more ($0.01 per 1,000 metrics requested in
 * us-east-1: docs/dashboard.md).
 */
export class CloudWatchRates implements RateSource {
  readonly #cloudwatch: CloudWatchClient;
  readonly #keepMinutes: number;
  readonly #maxAgeMs: number;
  #cache: { readonly key: string; readonly at: number; readonly rates: Map<string, QueueRates> } | undefined;
  #reading: Promise<Map<string, QueueRates>> | undefined;

  constructor(
    cloudwatch: CloudWatchClient,
    options: { readonly keepMinutes?: number; readonly maxAgeMs?: number } = {},
  ) {
    this.#cloudwatch = cloudwatch;
    this.#keepMinutes = options.keepMinutes ?? 15;
    this.#maxAgeMs = options.maxAgeMs ?? MINUTE;
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
    const queries = queues.flatMap((q, i) => METRICS.map((m) => queryOf(q, i, m)));
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

function queryOf(queue: RateQueue, index: number, m: (typeof METRICS)[number]): MetricDataQuery {
  return {
    Id: idOf(index, m.key),
    MetricStat: {
      Metric: {
        Namespace: "AWS/SQS",
        MetricName: m.metric,
        Dimensions: [{ Name: "QueueName", Value: queue.name }],
      },
      Period: 60,
      Stat: m.stat,
    },
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
  return { source: "cloudwatch", why: null, points, oldestAgeSeconds: latestOldest ?? null };
}

function unavailable(queues: readonly RateQueue[], why: string): Map<string, QueueRates> {
  return new Map(queues.map((q) => [q.arn, { source: null, why, points: [], oldestAgeSeconds: null }]));
}
