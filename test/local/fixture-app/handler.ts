import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";

// Relies on AWS_ENDPOINT_URL from the local stack, as user code that builds its own client would.
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });

interface Event {
  Records: { messageId: string; body: string; eventSourceARN: string; attributes: Record<string, string> }[];
}

export async function handler(event: Event) {
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    if (record.body.startsWith("fail")) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    if (record.body === "hang") await new Promise((resolve) => setTimeout(resolve, 10_000));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: process.env.OUT_QUEUE_URL,
        MessageBody: JSON.stringify({
          body: record.body,
          arnMatches: record.eventSourceARN === process.env.WORK_QUEUE_ARN,
          receiveCount: record.attributes.ApproximateReceiveCount,
        }),
      }),
    );
  }
  return { batchItemFailures };
}
