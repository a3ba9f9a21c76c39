import type { AppModel } from "../../tools/src/local/app-model.ts";
import { type DevStack, startDevStack } from "../../tools/src/local/dev-stack.ts";

/** No queue, table or function: each test makes its own, uniquely named, on the shared endpoint. */
const NOTHING: AppModel = {
  queues: [],
  functions: [],
  eventSources: [],
  buckets: [],
  tables: [],
  schedules: [],
  topics: [],
  subscriptions: [],
  outputs: [],
};

/**
 * The local stack `sqs-jobs dev` and the testing kit run, on a free loopback port, for an app with
 * nothing in it: the same one endpoint (fauxqs for SQS, SNS and S3 with SQS's rules in front,
 * dynalite for DynamoDB, our Scheduler and Lambda APIs), routed by the same code, so the tests
 * exercise the product's routing instead of a copy of it.
 */
export function startTestEmulator(): Promise<DevStack> {
  return startDevStack({ model: NOTHING, port: 0 });
}
