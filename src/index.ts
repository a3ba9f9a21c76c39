export { ENV, queueUrlEnvVar } from "./core/env.ts";
export type { Envelope } from "./core/envelope.ts";
export { decodeEnvelope, ENVELOPE_VERSION } from "./core/envelope.ts";
export type { SqsJobsErrorCode, ValidationIssue } from "./core/errors.ts";
export {
  ConfigError,
  EnvelopeError,
  InvalidOptionError,
  PayloadTooLargeError,
  PermanentError,
  QueueNotFoundError,
  SendError,
  SqsJobsError,
  ValidationError,
} from "./core/errors.ts";
export type { FifoOptions, JobDefinition, JobInput, JobOptions, JobPayload } from "./core/job.ts";
export { defineJob } from "./core/job.ts";
export type { BackoffPolicy, RetryPolicy } from "./core/retry.ts";
export type { JobSchema } from "./core/schema.ts";
export type { JobClientOptions, SendBatchOptions, SendResult } from "./producer/job-client.ts";
export { JobClient } from "./producer/job-client.ts";
export type { SendOptions } from "./producer/message.ts";
export { JOB_NAME_ATTRIBUTE, SQS_MAX_MESSAGE_BYTES } from "./producer/message.ts";
export type { SendBatchItemResult, SendBatchResult } from "./producer/send-batch.ts";
