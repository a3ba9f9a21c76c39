import { LambdaClient } from "@aws-sdk/client-lambda";
import { inject } from "vitest";
import type { DurableCallbackCompletion } from "../../tools/src/local/durable-callbacks.ts";
import { createTestQueue, queueArn, testSqs } from "../helpers/sqs.ts";
import { ledgerFixture } from "../ledger/fixture.ts";

/** SQS, the ledger and the Lambda API of the run's local stack, for the durable tests. */
export function durableFixture() {
  const endpoint = inject("sqsEndpoint");
  const sqs = testSqs();
  const { client: dynamodb, newLedger } = ledgerFixture();
  const lambda = new LambdaClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
  });
  return {
    endpoint,
    sqs,
    dynamodb,
    newLedger,
    lambda,
    /** A queue and its DLQ, fresh for the test. */
    async queues(label: string) {
      const dlqUrl = await createTestQueue(sqs, `${label}-dlq`);
      const queueUrl = await createTestQueue(sqs, label);
      return { queueUrl, dlqUrl, arn: await queueArn(sqs, queueUrl) };
    },
    /** What the local Lambda API recorded for a callback (our local read, not a Lambda API). */
    async completionOf(callbackId: string): Promise<DurableCallbackCompletion | undefined> {
      const answer = await fetch(
        `${endpoint}/2025-12-01/durable-execution-callbacks/${encodeURIComponent(callbackId)}`,
      );
      return answer.status === 404 ? undefined : ((await answer.json()) as DurableCallbackCompletion);
    },
  };
}
