import type { AddressInfo } from "node:net";
import { buildApp } from "fauxqs";
import { awsRuleViolation, violationResponse } from "../../src/local/aws-rules.ts";
import { isDynamoDbRequest, startLocalDynamoDb } from "../../src/local/dynamodb.ts";
import { readBody } from "../../src/local/local-request.ts";
import { deliverToLocalQueues, LocalScheduler } from "../../src/local/scheduler.ts";
import { handleSchedulerApi, isSchedulerRequest } from "../../src/local/scheduler-api.ts";

export interface TestEmulator {
  /** `http://127.0.0.1:<port>`: SQS, SNS and S3 (fauxqs), DynamoDB (dynalite). */
  readonly endpoint: string;
  /** The address the server is bound to, as the socket reports it. */
  readonly address: AddressInfo;
  /** EventBridge Scheduler (ours), served on the endpoint too; its clock can be moved. */
  readonly scheduler: LocalScheduler;
  stop(): Promise<void>;
}

/**
 * fauxqs on a free loopback port with {@link awsRuleViolation} applied before each request is
 * handled (fauxqs's own `startFauxqs` binds 0.0.0.0, which would expose test queues to the network),
 * and DynamoDB calls handed to an in-memory dynalite, as `sqs-jobs dev`'s endpoint does, so one
 * AWS_ENDPOINT_URL serves every client of a test.
 */
export async function startTestEmulator(): Promise<TestEmulator> {
  const dynamodb = await startLocalDynamoDb();
  const app = buildApp({ logger: false });
  let scheduler: LocalScheduler | undefined;
  // Before fauxqs parses the body: the request goes to dynalite (or the scheduler) as it came.
  app.addHook("onRequest", async (request, reply) => {
    const url = new URL(request.raw.url ?? "/", "http://local");
    if (scheduler !== undefined && isSchedulerRequest(url.pathname, request.headers)) {
      reply.hijack();
      const local = scheduler;
      const res = reply.raw;
      readBody(request.raw)
        .then((body) =>
          handleSchedulerApi(local, request.raw.method ?? "GET", url, body, request.raw.socket.remoteAddress),
        )
        .then(
          (answer) => res.writeHead(answer.status, answer.headers).end(answer.body),
          (error: unknown) => res.writeHead(500).end(String(error)),
        );
      return;
    }
    if (!isDynamoDbRequest(request.headers)) return;
    reply.hijack();
    dynamodb.handle(request.raw, reply.raw);
  });
  app.addHook("preHandler", async (request, reply) => {
    const target = request.headers["x-amz-target"];
    const violation = awsRuleViolation(typeof target === "string" ? target : undefined, request.body);
    if (violation === undefined) return;
    const answer = violationResponse(violation);
    return reply
      .code(answer.status)
      .headers(answer.headers ?? {})
      .send(answer.body);
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  scheduler = new LocalScheduler({ deliver: deliverToLocalQueues(endpoint) });
  scheduler.start();
  const started = scheduler;
  return {
    endpoint,
    address,
    scheduler: started,
    async stop() {
      started.stop();
      await app.close();
      await dynamodb.stop();
    },
  };
}
