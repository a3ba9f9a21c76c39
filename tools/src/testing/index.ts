export type { DevEvent, LocalQueue, LocalTopic } from "../local/dev-stack.ts";
export type { DurableCallbackCompletion } from "../local/durable-callbacks.ts";
export type { DeadJob } from "./dead-job.ts";
export type { BusyPart } from "./errors.ts";
export { DrainTimeoutError } from "./errors.ts";
export type { TestQueueOptions } from "./queue-model.ts";
export type {
  CdkTestAppOptions,
  QueuesTestAppOptions,
  TestAppOptions,
} from "./start-test-app.ts";
export { startTestApp } from "./start-test-app.ts";
export type { DrainOptions, TestApp, TestAwsConfig, TestSendOptions } from "./test-app.ts";
