import type {
  AttributeDefinition,
  GlobalSecondaryIndex,
  KeySchemaElement,
  LocalSecondaryIndex,
} from "@aws-sdk/client-dynamodb";

export interface TableModel {
  readonly stackName: string;
  readonly logicalId: string;
  readonly name: string;
  readonly keySchema: KeySchemaElement[];
  readonly attributeDefinitions: AttributeDefinition[];
  readonly globalSecondaryIndexes: GlobalSecondaryIndex[];
  readonly localSecondaryIndexes: LocalSecondaryIndex[];
  /** The TTL attribute, when the template turns TTL on. */
  readonly timeToLiveAttribute: string | undefined;
}

type Props = Record<string, unknown>;

const isObject = (value: unknown): value is Props =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const list = (value: unknown): Props[] => (Array.isArray(value) ? value.filter(isObject) : []);

function keySchema(value: unknown): KeySchemaElement[] {
  return list(value).map((k) => ({
    AttributeName: String(k.AttributeName),
    KeyType: k.KeyType === "RANGE" ? "RANGE" : "HASH",
  }));
}

/**
 * An index as CreateTable takes it: its name, keys and projection. Capacity settings (provisioned or
 * on-demand throughput, warm throughput) are dropped: they mean nothing locally.
 */
function index(props: Props): { IndexName: string; KeySchema: KeySchemaElement[]; Projection: Props } {
  return {
    IndexName: String(props.IndexName),
    KeySchema: keySchema(props.KeySchema),
    Projection: isObject(props.Projection) ? props.Projection : { ProjectionType: "ALL" },
  };
}

/** Reads an `AWS::DynamoDB::Table`'s keys, indexes and TTL from its template properties. */
export function tableModel(stackName: string, logicalId: string, name: string, props: Props): TableModel {
  const ttl = props.TimeToLiveSpecification;
  const ttlOn = isObject(ttl) && (ttl.Enabled === true || ttl.Enabled === "true");
  return {
    stackName,
    logicalId,
    name,
    keySchema: keySchema(props.KeySchema),
    attributeDefinitions: list(props.AttributeDefinitions).map((a) => ({
      AttributeName: String(a.AttributeName),
      AttributeType: a.AttributeType === "N" ? "N" : a.AttributeType === "B" ? "B" : "S",
    })),
    globalSecondaryIndexes: list(props.GlobalSecondaryIndexes).map(index),
    localSecondaryIndexes: list(props.LocalSecondaryIndexes).map(index),
    timeToLiveAttribute: ttlOn && typeof ttl.AttributeName === "string" ? ttl.AttributeName : undefined,
  };
}
