import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { LOCAL_ACCOUNT } from "./app-model.ts";
import type { TableModel } from "./table-model.ts";

export interface LocalTable {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly indexes: readonly string[];
  readonly timeToLiveAttribute: string | undefined;
}

/**
 * Creates each table of the templates, on demand whatever the template bills (capacity means
 * nothing locally), and turns its TTL on. Idempotent: with `--persist` a table is there from the
 * last run, with its items, and is kept as it is.
 */
export async function createTables(
  dynamodb: DynamoDBClient,
  models: readonly TableModel[],
  region: string,
): Promise<LocalTable[]> {
  const created: LocalTable[] = [];
  for (const table of models) {
    try {
      await dynamodb.send(
        new CreateTableCommand({
          TableName: table.name,
          KeySchema: table.keySchema,
          AttributeDefinitions: table.attributeDefinitions,
          BillingMode: "PAY_PER_REQUEST",
          ...(table.globalSecondaryIndexes.length > 0
            ? { GlobalSecondaryIndexes: table.globalSecondaryIndexes }
            : {}),
          ...(table.localSecondaryIndexes.length > 0
            ? { LocalSecondaryIndexes: table.localSecondaryIndexes }
            : {}),
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    if (table.timeToLiveAttribute !== undefined) {
      const { TimeToLiveDescription: ttl } = await dynamodb.send(
        new DescribeTimeToLiveCommand({ TableName: table.name }),
      );
      if (ttl?.TimeToLiveStatus !== "ENABLED" || ttl.AttributeName !== table.timeToLiveAttribute) {
        // The template moved TTL to another attribute since the last run: off, then on again.
        if (ttl?.TimeToLiveStatus === "ENABLED" && ttl.AttributeName !== undefined) {
          await dynamodb.send(
            new UpdateTimeToLiveCommand({
              TableName: table.name,
              TimeToLiveSpecification: { Enabled: false, AttributeName: ttl.AttributeName },
            }),
          );
        }
        await dynamodb.send(
          new UpdateTimeToLiveCommand({
            TableName: table.name,
            TimeToLiveSpecification: { Enabled: true, AttributeName: table.timeToLiveAttribute },
          }),
        );
      }
    }
    created.push({
      logicalId: table.logicalId,
      name: table.name,
      arn: `arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT}:table/${table.name}`,
      indexes: [...table.globalSecondaryIndexes, ...table.localSecondaryIndexes].flatMap((i) =>
        i.IndexName === undefined ? [] : [i.IndexName],
      ),
      timeToLiveAttribute: table.timeToLiveAttribute,
    });
  }
  return created;
}
