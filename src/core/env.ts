import { ConfigError } from "./errors.ts";

/**
 * Environment variable names shared by the library and the CDK construct: the construct sets
 * them on every function it creates or grants, so handler code needs no hand-written config.
 */
export const ENV = {
  /** The queue a consumer function reads (set by `JobQueue` on its consumer). */
  queueUrl: "SQS_JOBS_QUEUE_URL",
  /** The dead-letter queue of that queue (set by `JobQueue` on its consumer). */
  dlqUrl: "SQS_JOBS_DLQ_URL",
} as const;

/**
 * The variable holding the URL of a named queue, as `JobQueue` sets it on producers:
 * `reports` → `SQS_JOBS_REPORTS_QUEUE_URL`, `email-outbox` → `SQS_JOBS_EMAIL_OUTBOX_QUEUE_URL`.
 */
export function queueUrlEnvVar(queueName?: string): string {
  if (queueName === undefined) return ENV.queueUrl;
  return `SQS_JOBS_${envKey(queueName)}_QUEUE_URL`;
}

/**
 * The variable holding the name of a queue's consumer function, for `JobClient.call`:
 * `reports` → `SQS_JOBS_REPORTS_FUNCTION_NAME`, no queue → `SQS_JOBS_FUNCTION_NAME`.
 */
export function functionNameEnvVar(queueName?: string): string {
  return queueName === undefined ? "SQS_JOBS_FUNCTION_NAME" : `SQS_JOBS_${envKey(queueName)}_FUNCTION_NAME`;
}

/**
 * The variable holding the ARN of the role EventBridge Scheduler assumes to send a queue's
 * scheduled jobs (`JobClient.send(..., { at })`): `email` → `SQS_JOBS_EMAIL_SCHEDULER_ROLE_ARN`,
 * no queue → `SQS_JOBS_SCHEDULER_ROLE_ARN`. The `JobQueue` construct sets it on producers.
 */
export function schedulerRoleArnEnvVar(queueName?: string): string {
  return queueName === undefined
    ? "SQS_JOBS_SCHEDULER_ROLE_ARN"
    : `SQS_JOBS_${envKey(queueName)}_SCHEDULER_ROLE_ARN`;
}

/**
 * The variable holding the queue where EventBridge Scheduler puts a named queue's jobs it could not
 * deliver (the schedules' `DeadLetterConfig`), as `JobQueue.grantScheduleJobs` sets it:
 * `reports` → `SQS_JOBS_REPORTS_SCHEDULER_DLQ_ARN`.
 */
export function schedulerDlqArnEnvVar(queueName?: string): string {
  return queueName === undefined
    ? "SQS_JOBS_SCHEDULER_DLQ_ARN"
    : `SQS_JOBS_${envKey(queueName)}_SCHEDULER_DLQ_ARN`;
}

/**
 * The variable holding the S3 bucket a queue's large payloads go through (docs/payloads.md), as
 * `JobQueue({ payloads })` sets it on producers: `reports` → `SQS_JOBS_REPORTS_PAYLOAD_BUCKET`,
 * no queue → `SQS_JOBS_PAYLOAD_BUCKET`.
 */
export function payloadBucketEnvVar(queueName?: string): string {
  return queueName === undefined ? "SQS_JOBS_PAYLOAD_BUCKET" : `SQS_JOBS_${envKey(queueName)}_PAYLOAD_BUCKET`;
}

/**
 * The variable holding the S3 bucket a topic's large publishes go through, as
 * `JobTopic({ payloads }).grantPublishJobs` sets it on publishers: `events` →
 * `SQS_JOBS_EVENTS_TOPIC_PAYLOAD_BUCKET` (its own name: a queue may be called as the topic).
 */
export function topicPayloadBucketEnvVar(topicName: string): string {
  return `SQS_JOBS_${envKey(topicName)}_TOPIC_PAYLOAD_BUCKET`;
}

/**
 * The variable holding the ARN of a named topic, as `JobTopic.grantPublishJobs` sets it on
 * publishers: `events` → `SQS_JOBS_EVENTS_TOPIC_ARN`, no topic → `SQS_JOBS_TOPIC_ARN`.
 */
export function topicArnEnvVar(topicName?: string): string {
  return topicName === undefined ? "SQS_JOBS_TOPIC_ARN" : `SQS_JOBS_${envKey(topicName)}_TOPIC_ARN`;
}

function envKey(queueName: string): string {
  const key = queueName
    .replace(/\.fifo$/, "")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toUpperCase();
  if (key === "")
    throw new ConfigError(`queue name "${queueName}" has no letters or digits to name a variable`);
  return key;
}

/** Reads a required variable; a {@link ConfigError} names it when it is missing. */
export function requireEnv(name: string, what: string): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === "") {
    throw new ConfigError(
      `${what} is not configured: pass it as an option or set the environment variable ${name} (JobQueue sets it for you on AWS)`,
    );
  }
  return value.trim();
}

/** An optional variable, trimmed; blank counts as unset. */
export function optionalEnv(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/** The services sqs-jobs creates clients for, as `AWS_ENDPOINT_URL_<SERVICE>` names them. */
export type AwsService = "SQS" | "LAMBDA" | "DYNAMODB" | "SCHEDULER" | "CLOUDWATCH" | "S3" | "SNS";

/** The endpoint every client sqs-jobs creates talks to, if one is set (LocalStack, `sqs-jobs dev`). */
export function endpointFromEnv(service: AwsService): string | undefined {
  return optionalEnv(`AWS_ENDPOINT_URL_${service}`) ?? optionalEnv("AWS_ENDPOINT_URL");
}
