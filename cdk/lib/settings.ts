import { queueUrlEnvVar } from "../../src/core/env.ts";
import { defaultMaxReceiveCount, FUNCTION_TIMEOUT_MARGIN_SECONDS } from "../../src/core/queue-sizing.ts";
import { SQS_MAX_RECEIVE_COUNT } from "../../src/core/sqs-limits.ts";
import { bundlesInDocker } from "./bundling.ts";
import type { JobQueueProps } from "./job-queue-props.ts";
import { MAX_ALARM_METRICS } from "./run-alarms.ts";

/** Lambda's longest function timeout. */
export const MAX_FUNCTION_TIMEOUT_SECONDS = 900;
/** Lambda's default function timeout, for functions created without one. */
const LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3;
const MAX_VISIBILITY_SECONDS = 43_200;
const DEFAULT_RETENTION_SECONDS = 4 * 24 * 3600;
const MAX_RETENTION_SECONDS = 14 * 24 * 3600;
/** The dead-letter queue keeps messages as long as SQS allows: time to read reasons and redrive. */
export const DLQ_RETENTION_SECONDS = MAX_RETENTION_SECONDS;
/** How long before a dead job expires from the DLQ its alarm fires by default: a weekend's notice. */
const DLQ_EXPIRY_WARNING_SECONDS = 2 * 24 * 3600;
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** What the construct knows about the consumer before it creates it. */
export type ConsumerKind =
  /** `esbuildFound`: whether aws-cdk-lib can bundle locally (see `esbuildFound()` in bundling.ts). */
  | { readonly kind: "entry"; readonly esbuildFound: boolean }
  /** `timeoutSeconds` is undefined for imported functions, whose configuration CDK cannot see. */
  | { readonly kind: "function"; readonly timeoutSeconds: number | undefined };

/** Every setting of a JobQueue, derived or given, in plain numbers. */
export interface JobQueueSettings {
  readonly name: string;
  readonly queueUrlEnvVar: string;
  readonly jobNames: readonly string[];
  readonly fifo: boolean;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly maxConcurrency: number | undefined;
  readonly functionTimeoutSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  readonly recommendedVisibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly retentionSeconds: number;
  readonly memorySize: number;
  readonly dlqDepthThreshold: number;
  readonly cancelledRuns: number;
  readonly throttledRuns: number;
  readonly pollers: { readonly min: number; readonly max: number } | undefined;
  readonly ageOfOldestMessageSeconds: number;
  readonly dlqAgeOfOldestMessageSeconds: number;
}

export interface ResolvedSettings {
  readonly settings: JobQueueSettings;
  /** Errors: the construct refuses to synthesize. */
  readonly problems: readonly string[];
  /** Risky but allowed: shown as warning annotations. */
  readonly warnings: readonly string[];
}

const n = (value: number): string => value.toLocaleString("en-US");

function between(field: string, value: number, min: number, max: number, unit = ""): string | undefined {
  if (Number.isInteger(value) && value >= min && value <= max) return undefined;
  return `${field} must be an integer between ${n(min)} and ${n(max)}${unit}, but ${n(value)} was provided`;
}

/**
 * Derives every setting a JobQueue needs from its props and checks them all, so one synth reports
 * every problem at once instead of the first.
 */
export function resolveSettings(id: string, props: JobQueueProps, consumer: ConsumerKind): ResolvedSettings {
  const problems: (string | undefined)[] = [];
  const warnings: string[] = [];
  const jobs = props.jobs ?? [];
  const jobNames = jobs.map((j) => j.name);
  const duplicates = [...new Set(jobNames.filter((name, i) => jobNames.indexOf(name) !== i))];
  const maxJobTimeout = Math.max(1, ...jobs.map((j) => j.timeoutSeconds));
  const maxAttempts = Math.max(1, ...jobs.map((j) => j.retry.maxAttempts));
  const fifo = props.fifo ?? false;

  const name = props.name ?? id;
  let envVar = "";
  try {
    envVar = queueUrlEnvVar(name);
  } catch {
    problems.push(
      `name must contain letters or digits to name an environment variable, but "${name}" was provided`,
    );
  }

  problems.push(
    jobs.length === 0 ? "jobs must list at least one job definition, but none was provided" : undefined,
    duplicates.length > 0
      ? `jobs must have unique names, but ${duplicates.join(", ")} appear more than once`
      : undefined,
  );

  const hasEntry = props.entry !== undefined;
  const hasFunction = props.consumer !== undefined;
  if (hasEntry === hasFunction) {
    problems.push(
      `give exactly one of entry (a handler file to bundle) and consumer (an existing function), but ${hasEntry ? "both were" : "neither was"} provided`,
    );
  }
  if (consumer.kind === "entry" && hasEntry && !consumer.esbuildFound && !bundlesInDocker(props.bundling)) {
    problems.push(
      "entry is bundled with esbuild, which aws-cdk-lib cannot find (CDK would fall back to docker build): run `npm i -D esbuild` in your CDK app, or set bundling.forceDockerBundling to bundle in Docker on purpose",
    );
  }
  if (consumer.kind === "function") {
    for (const field of [
      "timeout",
      "memorySize",
      "architecture",
      "runtime",
      "environment",
      "bundling",
    ] as const) {
      if (props[field] !== undefined) {
        problems.push(
          `${field} applies only to a function created from entry; set it on the consumer function you pass`,
        );
      }
    }
  }

  if (props.queueName !== undefined) {
    const base = props.queueName.replace(/\.fifo$/, "");
    if (!QUEUE_NAME.test(base)) {
      problems.push(
        `queueName must be 1-80 letters, digits, "-" and "_" (plus ".fifo" on FIFO queues), but "${props.queueName}" was provided`,
      );
    }
    if (!fifo && props.queueName.endsWith(".fifo")) {
      problems.push(`queueName ends with ".fifo" but fifo is not set: set fifo: true or drop the suffix`);
    }
  }
  if (props.contentBasedDeduplication === true && !fifo) {
    problems.push("contentBasedDeduplication applies only to FIFO queues: set fifo: true or drop it");
  }

  const batchSize = props.batchSize ?? 10;
  const windowSeconds = props.maxBatchingWindow?.toSeconds() ?? 0;
  problems.push(between("batchSize", batchSize, 1, fifo ? 10 : 10_000, fifo ? " on a FIFO queue" : ""));
  if (fifo && props.maxBatchingWindow !== undefined) {
    problems.push("maxBatchingWindow is not supported on FIFO queues: remove it or use a standard queue");
  } else {
    problems.push(between("maxBatchingWindow", windowSeconds, 0, 300, " seconds"));
  }
  if (!fifo && batchSize > 10 && windowSeconds < 1) {
    problems.push(
      `batchSize above 10 needs a maxBatchingWindow of at least 1 second, but ${n(batchSize)} was provided without one`,
    );
  }
  if (props.maxConcurrency !== undefined) {
    problems.push(between("maxConcurrency", props.maxConcurrency, 2, 1000));
  }
  if (props.pollers !== undefined) {
    const { min, max } = props.pollers;
    problems.push(between("pollers.min", min, 2, 200), between("pollers.max", max, 2, 2000));
    if (min > max)
      problems.push(`pollers.min must be at most pollers.max, but ${n(min)} > ${n(max)} was provided`);
  }

  let functionTimeout: number;
  if (consumer.kind === "entry") {
    const derived = Math.min(MAX_FUNCTION_TIMEOUT_SECONDS, maxJobTimeout + FUNCTION_TIMEOUT_MARGIN_SECONDS);
    functionTimeout = props.timeout?.toSeconds() ?? derived;
    problems.push(between("timeout", functionTimeout, 1, MAX_FUNCTION_TIMEOUT_SECONDS, " seconds"));
    if (props.timeout === undefined && derived < maxJobTimeout + FUNCTION_TIMEOUT_MARGIN_SECONDS) {
      warnings.push(
        `the longest job timeout (${n(maxJobTimeout)} s) leaves the consumer no margin within Lambda's 15 minutes: a job that times out may be cut off before it is retried or dead-lettered`,
      );
    }
  } else {
    functionTimeout = consumer.timeoutSeconds ?? LAMBDA_DEFAULT_TIMEOUT_SECONDS;
    if (consumer.timeoutSeconds === undefined && props.visibilityTimeout === undefined && hasFunction) {
      problems.push(
        "visibilityTimeout is required with an imported consumer function, whose timeout CDK cannot see: pass 6 × its timeout + the batching window",
      );
    }
  }
  if (
    jobs.length > 0 &&
    functionTimeout < maxJobTimeout &&
    !(consumer.kind === "function" && consumer.timeoutSeconds === undefined)
  ) {
    problems.push(
      `the consumer's timeout must be at least the longest job timeout (${n(maxJobTimeout)} seconds), but ${n(functionTimeout)} was provided`,
    );
  }

  const recommended = 6 * functionTimeout + windowSeconds;
  const visibility = props.visibilityTimeout?.toSeconds() ?? Math.min(MAX_VISIBILITY_SECONDS, recommended);
  problems.push(between("visibilityTimeout", visibility, 0, MAX_VISIBILITY_SECONDS, " seconds"));
  if (props.visibilityTimeout !== undefined && visibility < functionTimeout) {
    problems.push(
      `visibilityTimeout must be at least the function timeout (${n(functionTimeout)} seconds; AWS recommends 6 × timeout + batching window = ${n(recommended)}), but ${n(visibility)} was provided`,
    );
  } else if (props.visibilityTimeout !== undefined && visibility < recommended) {
    warnings.push(
      `visibilityTimeout of ${n(visibility)} seconds is below AWS's recommended 6 × function timeout + batching window (${n(recommended)} seconds): a message may be received again while its first invocation still waits its turn`,
    );
  }

  const ledger = props.ledger !== undefined;
  const defaultReceives = defaultMaxReceiveCount({ maxAttempts, fifo, batchSize, ledger });
  const maxReceiveCount = props.maxReceiveCount ?? defaultReceives;
  problems.push(between("maxReceiveCount", maxReceiveCount, 1, SQS_MAX_RECEIVE_COUNT));
  if (maxReceiveCount <= maxAttempts) {
    problems.push(
      `maxReceiveCount must be above the largest retry.maxAttempts of the jobs (${n(maxAttempts)}) so sqs-jobs dead-letters with a reason first, but ${n(maxReceiveCount)} was provided`,
    );
  } else if (ledger && fifo && maxReceiveCount < defaultReceives) {
    warnings.push(
      `maxReceiveCount of ${n(maxReceiveCount)} on a FIFO queue with a ledger: each wait for a busy concurrency slot or a running duplicate costs a receive, so a job that waits that often is moved to the DLQ by SQS, without a reason and without having failed; the ledger counts runs, so the default is ${n(defaultReceives)}`,
    );
  } else if (!ledger && maxReceiveCount < defaultReceives) {
    warnings.push(
      `maxReceiveCount of ${n(maxReceiveCount)} leaves ${n(maxReceiveCount - maxAttempts)} receives above the largest retry.maxAttempts (${n(maxAttempts)}) for receives that run no attempt (FIFO group stops, time cut-offs, shutdown hand-backs): SQS may dead-letter a job, without a reason, before its last attempt; the default is ${n(defaultReceives)}`,
    );
  }

  const retention = props.retentionPeriod?.toSeconds() ?? DEFAULT_RETENTION_SECONDS;
  problems.push(between("retentionPeriod", retention, 60, MAX_RETENTION_SECONDS, " seconds"));

  const memorySize = props.memorySize ?? 512;
  problems.push(between("memorySize", memorySize, 128, 10_240, " MB"));
  if (props.runtime !== undefined) {
    const version = /^nodejs(\d+)\.x$/.exec(props.runtime.name);
    if (version === null || Number(version[1]) < 22) {
      problems.push(
        `runtime must be Node.js 22 or newer (e.g. Runtime.NODEJS_24_X), but ${props.runtime.name} was provided`,
      );
    }
  }

  const dlqDepthThreshold = props.alarms?.dlqDepthThreshold ?? 1;
  const dlqAgeSeconds =
    props.alarms?.dlqAgeOfOldestMessage?.toSeconds() ?? DLQ_RETENTION_SECONDS - DLQ_EXPIRY_WARNING_SECONDS;
  const ageSeconds = props.alarms?.ageOfOldestMessage?.toSeconds() ?? 3600;
  problems.push(between("alarms.dlqDepthThreshold", dlqDepthThreshold, 1, 100_000));
  const cancelledRuns = props.alarms?.cancelledRuns ?? 10;
  const throttledRuns = props.alarms?.throttledRuns ?? 100;
  problems.push(between("alarms.cancelledRuns", cancelledRuns, 1, 1_000_000));
  problems.push(between("alarms.throttledRuns", throttledRuns, 1, 1_000_000));
  if (jobs.length > MAX_ALARM_METRICS && (props.alarms?.enabled ?? true)) {
    warnings.push(
      `the cancelled and throttled runs alarms read the first ${MAX_ALARM_METRICS} of the queue's ${n(jobs.length)} jobs (CloudWatch's limit on one alarm's metrics): watch the others' metrics yourself`,
    );
  }
  problems.push(
    between("alarms.ageOfOldestMessage", ageSeconds, 60, retention, " seconds (up to the retention period)"),
  );
  problems.push(
    between(
      "alarms.dlqAgeOfOldestMessage",
      dlqAgeSeconds,
      60,
      DLQ_RETENTION_SECONDS - 1,
      " seconds (below the dead-letter queue's 14-day retention)",
    ),
  );

  return {
    settings: {
      name,
      queueUrlEnvVar: envVar,
      jobNames,
      fifo,
      batchSize,
      batchingWindowSeconds: windowSeconds,
      maxConcurrency: props.maxConcurrency,
      functionTimeoutSeconds: functionTimeout,
      visibilityTimeoutSeconds: visibility,
      recommendedVisibilityTimeoutSeconds: recommended,
      maxReceiveCount,
      retentionSeconds: retention,
      memorySize,
      dlqDepthThreshold,
      cancelledRuns,
      throttledRuns,
      pollers: props.pollers,
      ageOfOldestMessageSeconds: ageSeconds,
      dlqAgeOfOldestMessageSeconds: dlqAgeSeconds,
    },
    problems: problems.filter((p): p is string => p !== undefined),
    warnings,
  };
}
