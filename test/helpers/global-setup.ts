import { startFauxqs } from "fauxqs";
import type { TestProject } from "vitest/node";

/**
 * Starts one in-process fauxqs on a free loopback port for the whole run, unless
 * AWS_ENDPOINT_URL already points somewhere (LocalStack via `npm run test:localstack`).
 * Tests isolate themselves by creating uniquely named queues, so files run in parallel.
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
  const server = await startFauxqs({ port: 0, logger: false });
  const endpoint = `http://127.0.0.1:${server.port}`;
  process.env.AWS_ENDPOINT_URL = endpoint;
  project.provide("sqsEndpoint", endpoint);
  return async () => {
    await server.stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    sqsEndpoint: string;
  }
}
