import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { DLQ_ATTRIBUTES } from "../../src/core/dead-letter-attributes.ts";
import { createTestQueue, drainQueue, queueArn, queueDepth, testSqs } from "../helpers/sqs.ts";
import { seedDeadLetter, TIMEOUT } from "./dlq-fixtures.ts";
import { runCli } from "./run-cli.ts";

const sqs = testSqs();
afterAll(() => sqs.destroy());

describe("sqs-jobs dlq redrive with one DLQ shared by two queues", () => {
  it("returns each job to the queue it came from and leaves the unattributed one, exit 1", async () => {
    // Given two queues dead-lettering into one DLQ, a dead job from each, and one moved by SQS
    const dlqUrl = await createTestQueue(sqs, "shared-dlq");
    const policy = JSON.stringify({ deadLetterTargetArn: await queueArn(sqs, dlqUrl), maxReceiveCount: 5 });
    const a = await createTestQueue(sqs, "shared-a", { attributes: { RedrivePolicy: policy } });
    const b = await createTestQueue(sqs, "shared-b", { attributes: { RedrivePolicy: policy } });
    await seedDeadLetter(sqs, dlqUrl, a, { ...TIMEOUT, job: "job-a" });
    await seedDeadLetter(sqs, dlqUrl, b, { ...TIMEOUT, job: "job-b" });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: "no source recorded",
        MessageAttributes: {
          [DLQ_ATTRIBUTES.errorMessage]: { DataType: "String", StringValue: "timed out" },
        },
      }),
    );

    // When the DLQ is redriven without --to (filtered, so client-side on every endpoint)
    const run = await runCli(["dlq", "redrive", dlqUrl, "--reason", "timed out"]);

    // Then each job is back in its own queue; the third stays in the DLQ with a warning and exit 1
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("moved 2, 1 failed");
    expect(run.stderr).toContain("does not say which it came from; pass --to");
    const [backA] = await drainQueue(sqs, a, { expect: 1 });
    const [backB] = await drainQueue(sqs, b, { expect: 1 });
    expect(JSON.parse(backA?.Body ?? "{}").job).toBe("job-a");
    expect(JSON.parse(backB?.Body ?? "{}").job).toBe("job-b");
    expect(await queueDepth(sqs, dlqUrl)).toMatchObject({ visible: 1, inFlight: 0 });
  });
});
