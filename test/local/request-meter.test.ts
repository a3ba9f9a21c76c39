import { describe, expect, it } from "vitest";
import { meterDynamoDbRequest, meterRequest } from "../../tools/src/local/request-meter.ts";

const scope = (service: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=AKID/20261207/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
});

describe("the local endpoint's request meter", () => {
  it("names each service's call from what the SDK puts on the wire", () => {
    const sqs = meterRequest("POST", "/", {
      "x-amz-target": "AmazonSQS.SendMessageBatch",
      "content-length": "70000",
      "user-agent": "aws-sdk-js/3 app/cost-bench-producer",
    });
    expect(sqs).toEqual({
      service: "sqs",
      action: "SendMessageBatch",
      bytes: 70_000,
      userAgent: "aws-sdk-js/3 app/cost-bench-producer",
    });
    expect(meterRequest("POST", "/schedules/s1", scope("scheduler"))).toMatchObject({
      service: "scheduler",
      action: "CreateSchedule",
    });
    expect(meterRequest("POST", "/2015-03-31/functions/f/invocations", scope("lambda"))).toMatchObject({
      service: "lambda",
      action: "Invoke",
    });
    expect(meterRequest("PUT", "/bucket/key/part", scope("s3"))).toMatchObject({
      service: "s3",
      action: "PutObject",
    });
    expect(meterRequest("GET", "/bucket/key", scope("s3"))).toMatchObject({
      service: "s3",
      action: "GetObject",
    });
  });

  it("counts a DynamoDB write's units: one per item, two in a transaction, and the list index's", () => {
    const queued = JSON.stringify({
      RequestItems: {
        ledger: [
          { PutRequest: { Item: { pk: { S: "job#1" }, listKey: { S: "q#queued#3" } } } },
          { PutRequest: { Item: { pk: { S: "job#2" }, listKey: { S: "q#queued#4" } } } },
        ],
      },
    });
    expect(meterDynamoDbRequest("BatchWriteItem", queued, {})).toMatchObject({
      writeUnits: 2,
      indexWrites: 2,
    });

    const claim = JSON.stringify({
      Key: { pk: { S: "job#1" } },
      UpdateExpression: "SET #status = :running, #listKey = :listKey, updatedAt = :now",
    });
    expect(meterDynamoDbRequest("UpdateItem", claim, {})).toMatchObject({ writeUnits: 1, indexWrites: 2 });

    // A unique key's item is not in the index, whatever its update names
    const confirm = JSON.stringify({
      Key: { pk: { S: "unique#job#k" } },
      UpdateExpression: "SET updatedAt = :now",
    });
    expect(meterDynamoDbRequest("UpdateItem", confirm, {})).toMatchObject({ writeUnits: 1, indexWrites: 0 });

    const transaction = JSON.stringify({
      TransactItems: [{ Put: { Item: { pk: { S: "x" } } } }, { Delete: {} }],
    });
    expect(meterDynamoDbRequest("TransactWriteItems", transaction, {})).toMatchObject({ writeUnits: 4 });

    expect(meterDynamoDbRequest("GetItem", "{}", {})).toEqual({
      service: "dynamodb",
      action: "GetItem",
      bytes: 2,
      userAgent: "",
    });
  });
});
