import type { TestProject } from "vitest/node";
import { startTestEmulator } from "./aws-rules.ts";

/**
 * Starts one in-process fauxqs on a free loopback port for the whole run, with SQS's rules on
 * bodies and attributes that fauxqs does not check (./aws-rules.ts), and DynamoDB (dynalite) on the
 * same endpoint, unless AWS_ENDPOINT_URL already points somewhere (LocalStack via
 * `npm run test:localstack`, which applies its own). Tests isolate themselves by creating uniquely
 * named queues and tables (./ledger-table.ts), so files run in parallel.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.AWS_REGION ??= "us-east-1";
  process.env.AWS_ACCESS_KEY_ID ??= "test";
  process.env.AWS_SECRET_ACCESS_KEY ??= "test";
  const given = process.env.AWS_ENDPOINT_URL;
  if (given !== undefined && given !== "") {
    project.provide("sqsEndpoint", given);
    return async () => {};
  }
  const emulator = await startTestEmulator();
  process.env.AWS_ENDPOINT_URL = emulator.endpoint;
  project.provide("sqsEndpoint", emulator.endpoint);
  return () => emulator.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    sqsEndpoint: string;
  }
}
