import {
  CreateQueueCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { startFauxqs } from "fauxqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsRuleViolation } from "../../tools/src/local/aws-rules.ts";
import type { DevStack } from "../../tools/src/local/dev-stack.ts";
import { startTestEmulator } from "./emulator.ts";

function client(endpoint: string): SQSClient {
  return new SQSClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
}

async function queue(sqs: SQSClient): Promise<string> {
  const out = await sqs.send(new CreateQueueCommand({ QueueName: `rules-${Date.now()}` }));
  return out.QueueUrl ?? "";
}

const nul = { DataType: "String", StringValue: "before\u0000after" };

describe("the test emulator's AWS rules", () => {
  let emulator: DevStack;
  let sqs: SQSClient;
  let queueUrl: string;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    sqs = client(emulator.endpoint);
    queueUrl = await queue(sqs);
  });
  afterAll(async () => {
    sqs.destroy();
    await emulator.stop();
  });

  it("is bound to loopback only", () => {
    expect(emulator.listeners.length).toBeGreaterThan(0);
    for (const listener of emulator.listeners) expect(listener).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it("refuses a NUL in a String attribute value as SQS does (400 InvalidParameterValue)", async () => {
    const error = await sqs
      .send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "{}", MessageAttributes: { reason: nul } }),
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "InvalidParameterValue", $metadata: { httpStatusCode: 400 } });
    expect((error as Error).message).toContain("'#x0'");
  });

  it("refuses the same in any entry of a batch", async () => {
    const entries = [
      { Id: "ok", MessageBody: "{}" },
      { Id: "bad", MessageBody: "{}", MessageAttributes: { reason: nul } },
    ];
    await expect(
      sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })),
    ).rejects.toMatchObject({
      name: "InvalidParameterValue",
    });
  });

  it("accepts what SQS accepts: astral characters, tabs and newlines, Binary and Number attributes", async () => {
    const out = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: "{}",
        MessageAttributes: {
          "sqs-jobs.error-message": { DataType: "String", StringValue: "line 1\n\tline 2 \u{1F600} \uFFFD" },
          count: { DataType: "Number", StringValue: "3" },
          blob: { DataType: "Binary", BinaryValue: new Uint8Array([0]) },
        },
      }),
    );
    expect(out.MessageId).toBeDefined();
  });

  it("without the rules, fauxqs stores the message SQS would refuse (why the rules exist)", async () => {
    const plain = await startFauxqs({ port: 0, logger: false });
    const plainSqs = client(`http://127.0.0.1:${plain.port}`);
    try {
      const out = await plainSqs.send(
        new SendMessageCommand({
          QueueUrl: await queue(plainSqs),
          MessageBody: "{}",
          MessageAttributes: { reason: nul },
        }),
      );
      expect(out.MessageId).toBeDefined();
    } finally {
      plainSqs.destroy();
      await plain.stop();
    }
  });
});

describe("awsRuleViolation", () => {
  const send = (attributes: Record<string, { DataType: string; StringValue?: string }>, body = "{}") =>
    awsRuleViolation("AmazonSQS.SendMessage", { MessageBody: body, MessageAttributes: attributes });
  const text = (StringValue: string) => ({ DataType: "String", StringValue });

  it.each([
    ["a control character", { a: text("x\u0001") }],
    ["a lone high surrogate (a truncation through a pair)", { a: text("x\uD83D") }],
    ["a lone low surrogate", { a: text("\uDE00x") }],
    ["U+FFFE", { a: text("\uFFFE") }],
    ["an empty value", { a: text("") }],
    ["11 attributes", Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, text("x")]))],
    ["a name with a space", { "a b": text("x") }],
    ["a name starting with AWS.", { "AWS.x": text("x") }],
    ["a name with two periods in a row", { "a..b": text("x") }],
    ["an unknown data type", { a: { DataType: "Text", StringValue: "x" } }],
    ["a Number that is not one", { a: { DataType: "Number", StringValue: "three" } }],
  ])("refuses %s", (_, attributes) => {
    expect(send(attributes)).toMatchObject({ code: "InvalidParameterValue" });
  });

  it("refuses a body with a NUL as InvalidMessageContents", () => {
    expect(send({}, "a\u0000")).toMatchObject({ code: "InvalidMessageContents" });
  });

  it("leaves other actions alone", () => {
    expect(awsRuleViolation("AmazonSQS.ReceiveMessage", { MessageBody: "\u0000" })).toBeUndefined();
  });
});
