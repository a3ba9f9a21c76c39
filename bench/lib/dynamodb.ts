import { DynamoDBClient, ScanCommand, type ScanCommandInput } from "@aws-sdk/client-dynamodb";
import type { CallCounter } from "./sqs.ts";

/** Items a write request asks DynamoDB to write: what DynamoDB bills (one write unit per item of up to 1 KB). */
function itemsWritten(command: string, input: unknown): number {
  if (command === "BatchWriteItemCommand") {
    const requests = (input as { RequestItems?: Record<string, readonly unknown[]> }).RequestItems ?? {};
    return Object.values(requests).reduce((n, list) => n + list.length, 0);
  }
  if (command === "TransactWriteItemsCommand") {
    return (input as { TransactItems?: readonly unknown[] }).TransactItems?.length ?? 0;
  }
  return ["PutItemCommand", "UpdateItemCommand", "DeleteItemCommand"].includes(command) ? 1 : 0;
}

/**
 * A DynamoDBClient for an emulator, with dummy credentials. With counters, every request that
 * reaches the wire is counted per command in `calls`, and the items it writes in `items`, in the
 * deserialize step, which sits inside the retry loop: an SDK retry counts again.
 */
export function benchDynamoDbClient(
  endpoint: string,
  counters?: { readonly calls: CallCounter; readonly items?: CallCounter },
): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  if (counters !== undefined) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? "unknown";
        counters.calls.add(command);
        const items = itemsWritten(command, args.input);
        if (items > 0) counters.items?.add(command, items);
        return next(args);
      },
      { step: "deserialize", name: "benchDynamoDbCounter" },
    );
  }
  return client;
}

/** Items of a table that match a filter (all without one): a full scan, for checks off the clock. */
export async function countItems(
  client: DynamoDBClient,
  tableName: string,
  filter: Pick<
    ScanCommandInput,
    "FilterExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"
  > = {},
): Promise<number> {
  let count = 0;
  let start: ScanCommandInput["ExclusiveStartKey"];
  do {
    const out = await client.send(
      new ScanCommand({ TableName: tableName, Select: "COUNT", ExclusiveStartKey: start, ...filter }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start !== undefined);
  return count;
}
