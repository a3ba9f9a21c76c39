export { sqsJobsBundling, sqsJobsBundlingEnvironment } from "./bundling.ts";
export { JobQueue } from "./job-queue.ts";
export { JobQueueConfigError } from "./job-queue-error.ts";
export type { JobQueueAlarmOptions, JobQueueProps } from "./job-queue-props.ts";
export type { JobQueueSettings } from "./settings.ts";
