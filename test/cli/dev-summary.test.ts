import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { DevSummary } from "../../tools/src/cli/dev-summary.ts";
import { createTestQueue, testSqs } from "../helpers/sqs.ts";

const sqs = testSqs();
afterAll(() => sqs.destroy());

describe("sqs-jobs dev's DLQ summary", () => {
  it("counts a message a peek is holding, so the peek does not look like a new dead letter", async () => {
    // Given a DLQ with one dead letter the summary has seen
    const dlqUrl = await createTestQueue(sqs, "summary-dlq");
    await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: "{}" }));
    const summary = new DevSummary();
    expect(await summary.readDlqs(sqs, [dlqUrl])).toEqual([expect.stringMatching(/: 1 message \(\+1;/)]);

    // When a receive hides it for a while (as dlq peek and export do while they read)
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, VisibilityTimeout: 2 }));

    // Then the summary sees no change while it is hidden, nor after it reappears
    expect(await summary.readDlqs(sqs, [dlqUrl])).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await summary.readDlqs(sqs, [dlqUrl])).toEqual([]);

    // And a real new dead letter still shows as +1
    await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: "{}" }));
    expect(await summary.readDlqs(sqs, [dlqUrl])).toEqual([expect.stringMatching(/: 2 messages \(\+1;/)]);
  });
});
