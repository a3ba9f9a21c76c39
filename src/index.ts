export type { HandledJob, JobContext, JobHandler } from "./consumer/handle.ts";
export { handle } from "./consumer/handle.ts";
export type {
  AfterJobInfo,
  ConsumerHooks,
  DeadLetterInfo,
  FailureInfo,
  HookJobInfo,
  JobOutcome,
} from "./consumer/hooks.ts";
export { JobTimeoutError } from "./consumer/job-timeout-error.ts";
export type { SqsHandlerOptions, SqsJobsHandler } from "./consumer/lambda-handler.ts";
export { createSqsHandler } from "./consumer/lambda-handler.ts";
export type {
  LambdaContext,
  SqsBatchResponse,
  SqsEvent,
  SqsMessageAttribute,
  SqsRecord,
  SqsRecordAttributes,
} from "./consumer/lambda-types.ts";
export type { Logger, LogLevel } from "./consumer/logger.ts";
export { ProgressError } from "./consumer/progress-value.ts";
export { startWorker } from "./consumer/worker.ts";
export type { Worker, WorkerOptions } from "./consumer/worker-options.ts";
export type { CallErrorFields, CallEvent, CallResponse } from "./core/call-event.ts";
export type { DeadLetterReason } from "./core/dead-letter-attributes.ts";
export { DLQ_ATTRIBUTES } from "./core/dead-letter-attributes.ts";
export type { SqsJobsErrorCode, ValidationIssue } from "./core/errors.ts";
export {
  ConfigError,
  EnvelopeError,
  InvalidOptionError,
  PayloadMissingError,
  PayloadTooLargeError,
  PermanentError,
  QueueNotFoundError,
  SendError,
  SqsJobsError,
  TopicNotFoundError,
  ValidationError,
} from "./core/errors.ts";
export type {
  ConcurrencyOptions,
  FifoOptions,
  JobDefinition,
  JobInput,
  JobOptions,
  JobPayload,
  JobResult,
  JobResultInput,
  UniqueOptions,
} from "./core/job.ts";
export { defineJob } from "./core/job.ts";
export type { JobAttributes, JobAttributeValue } from "./core/job-attributes.ts";
export type { JobPayloadOptions } from "./core/job-payloads.ts";
export type { DebounceOptions, RateLimitOptions } from "./core/pacing-options.ts";
export type { BackoffPolicy, RetryPolicy } from "./core/retry.ts";
export type { JobSchema } from "./core/schema.ts";
export { publishedCopyId } from "./core/topic-attribute.ts";
export type { DurableDuration, DurableWaitContext, WaitForJobOptions } from "./durable/wait-for-job.ts";
export { CallbackResultTooLargeError, waitForJob } from "./durable/wait-for-job.ts";
export type { ChildBatchOptions, ChildSendOptions, FlowContext } from "./flow/flow-context.ts";
export type {
  ChildResultsOptions,
  FlowChild,
  FlowFailurePolicy,
  FlowJob,
  FlowProgress,
  FlowSpec,
  FlowStarted,
  JobRoute,
} from "./flow/flow-spec.ts";
export { Chain, chain, child } from "./flow/flow-spec.ts";
export { JobCancelledError, JobDeadError, WaitTimeoutError } from "./ledger/errors.ts";
export type { JobFailure, JobState, JobStatus } from "./ledger/job-state.ts";
export type { LedgerOptions } from "./ledger/ledger-options.ts";
export type { CancelResult } from "./ledger/run-flags.ts";
export type { CallOptions } from "./producer/job-call.ts";
export { CallError, CallNotStartedError } from "./producer/job-call.ts";
export { JobClient } from "./producer/job-client.ts";
export type {
  JobClientOptions,
  PublishBatchOptions,
  PublishOptions,
  SchedulerOptions,
  SendBatchOptions,
} from "./producer/job-client-options.ts";
export type { WaitOptions } from "./producer/job-status.ts";
export type { SendOptions } from "./producer/message.ts";
export type { PayloadOptions } from "./producer/payload-offload.ts";
export type {
  PublishResult,
  SendBatchItemResult,
  SendBatchResult,
  SendResult,
  SentJob,
} from "./producer/send-result.ts";
