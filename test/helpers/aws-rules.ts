import type { AddressInfo } from "node:net";
import { buildApp } from "fauxqs";
import { isDynamoDbRequest, startLocalDynamoDb } from "../../src/local/dynamodb.ts";
import { readBody } from "../../src/local/local-request.ts";
import { deliverToLocalQueues, LocalScheduler } from "../../src/local/scheduler.ts";
import { handleSchedulerApi, isSchedulerRequest } from "../../src/local/scheduler-api.ts";

/**
 * What fauxqs lets through and SQS refuses, for the sends sqs-jobs makes. The suite runs against
 * an emulator that applies these rules, so a message AWS would refuse (a NUL in a dead-letter
 * attribute, a surrogate pair cut in half by a truncation) fails a test instead of a deployment.
 */

/** The characters SQS accepts in a body and in a String attribute value (XML 1.0's). */
const INVALID_CHARACTER = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ALLOWED = "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF";
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[\x20-\x7e]+)?$/;
const MAX_ATTRIBUTES = 10;

export interface AwsRuleViolation {
  /** The error code SQS answers with (`__type` after the `#`). */
  readonly code: "InvalidParameterValue" | "InvalidMessageContents";
  readonly message: string;
}

interface SendEntry {
  readonly MessageBody?: unknown;
  readonly MessageAttributes?: Record<string, { DataType?: unknown; StringValue?: unknown }>;
}

function hex(text: string, at: number): string {
  return `#x${(text.codePointAt(at) ?? 0).toString(16).toUpperCase()}`;
}

function entryViolation(entry: SendEntry): AwsRuleViolation | undefined {
  if (typeof entry.MessageBody === "string") {
    const bad = INVALID_CHARACTER.exec(entry.MessageBody);
    if (bad !== null) {
      return {
        code: "InvalidMessageContents",
        message: `Invalid binary character '${hex(entry.MessageBody, bad.index)}' was found in the message body, the set of allowed characters is ${ALLOWED}`,
      };
    }
  }
  const attributes = Object.entries(entry.MessageAttributes ?? {});
  if (attributes.length > MAX_ATTRIBUTES) {
    return {
      code: "InvalidParameterValue",
      message: `Number of message attributes [${attributes.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
    };
  }
  for (const [name, value] of attributes) {
    if (
      !ATTRIBUTE_NAME.test(name) ||
      name.startsWith(".") ||
      name.endsWith(".") ||
      name.includes("..") ||
      /^(aws|amazon)\./i.test(name)
    ) {
      return {
        code: "InvalidParameterValue",
        message: `Message (user) attribute name '${name}' is invalid.`,
      };
    }
    const type = value.DataType;
    if (typeof type !== "string" || type.length > 256 || !DATA_TYPE.test(type)) {
      return {
        code: "InvalidParameterValue",
        message: `The type of message (user) attribute '${name}' is invalid.`,
      };
    }
    if (type.startsWith("Binary")) continue;
    const text = value.StringValue;
    if (typeof text !== "string" || text === "") {
      return {
        code: "InvalidParameterValue",
        message: `Message (user) attribute '${name}' must contain a non-empty value of type '${type}'.`,
      };
    }
    const bad = INVALID_CHARACTER.exec(text);
    if (bad !== null) {
      return {
        code: "InvalidParameterValue",
        message: `Message (user) attribute '${name}' value contains invalid binary character '${hex(text, bad.index)}'. You must use only the following supported characters: ${ALLOWED}.`,
      };
    }
    if (type.startsWith("Number") && !Number.isFinite(Number(text))) {
      return {
        code: "InvalidParameterValue",
        message: `Could not cast message attribute '${name}' value to number.`,
      };
    }
  }
  return undefined;
}

/**
 * The first rule a JSON-protocol request breaks, or undefined. Only SendMessage and
 * SendMessageBatch are checked: the only calls that carry bodies and attributes. A batch with one
 * bad entry is refused whole, which is stricter than needed but enough to fail a test.
 */
export function awsRuleViolation(target: string | undefined, body: unknown): AwsRuleViolation | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  if (target === "AmazonSQS.SendMessage") return entryViolation(body as SendEntry);
  if (target === "AmazonSQS.SendMessageBatch") {
    const entries: unknown = (body as { Entries?: unknown }).Entries;
    if (!Array.isArray(entries)) return undefined;
    for (const entry of entries as SendEntry[]) {
      const violation = entryViolation(entry);
      if (violation !== undefined) return violation;
    }
  }
  return undefined;
}

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
    // As SQS answers in the AWS JSON 1.0 protocol the SDK speaks. Both codes are common errors,
    // whose legacy query code (which the SDK takes as the error's name) has no
    // "AWS.SimpleQueueService." prefix.
    return reply
      .code(400)
      .header("content-type", "application/x-amz-json-1.0")
      .header("x-amzn-query-error", `${violation.code};Sender`)
      .send({ __type: `com.amazonaws.sqs#${violation.code}`, message: violation.message });
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
