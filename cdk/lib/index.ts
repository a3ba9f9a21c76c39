export { sqsJobsBundling, sqsJobsBundlingEnvironment } from "./bundling.ts";
export { JobLedger } from "./job-ledger.ts";
export { JobLedgerConfigError } from "./job-ledger-error.ts";
export type { JobLedgerProps } from "./job-ledger-props.ts";
export { JobQueue } from "./job-queue.ts";
export { JobQueueConfigError } from "./job-queue-error.ts";
export type { JobQueueAlarmOptions, JobQueueProps } from "./job-queue-props.ts";
export type { JobScheduleOptions } from "./job-schedule-props.ts";
export { JobTopic } from "./job-topic.ts";
export { JobTopicConfigError } from "./job-topic-error.ts";
export type {
  JobTopicFilterCondition,
  JobTopicPayloadOptions,
  JobTopicProps,
  JobTopicSubscribeOptions,
} from "./job-topic-props.ts";
export type { JobQueuePayloadOptions } from "./payload-bucket.ts";
export type { JobQueueSettings } from "./settings.ts";
