import { RemovalPolicy } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { JobLedger, JobLedgerConfigError, type JobLedgerProps } from "../../cdk/lib/index.ts";
import { ConfigError } from "../../src/index.ts";
import { ledgerTableInput } from "../../src/ledger/ledger-table-input.ts";
import {
  LEDGER_KEY,
  LEDGER_RETENTION_ENV,
  LEDGER_TABLE_ENV,
  LEDGER_TTL_ATTRIBUTE,
  LIST_INDEX,
  LIST_INDEX_ATTRIBUTES,
} from "../../src/ledger/table-layout.ts";
import { grantsOf, iamActions, inlineFunction, testStack } from "./stack.ts";

function synth(props?: JobLedgerProps) {
  const stack = testStack();
  const ledger = new JobLedger(stack, "Ledger", props);
  return { stack, ledger, template: Template.fromStack(stack) };
}

describe("JobLedger defaults", () => {
  // Given a ledger with no props
  const { ledger, template } = synth();

  it("is one on-demand table keyed by the ledger layout's partition key only", () => {
    template.resourceCountIs("AWS::DynamoDB::Table", 1);
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [{ AttributeName: LEDGER_KEY, KeyType: "HASH" }],
      TimeToLiveSpecification: { AttributeName: LEDGER_TTL_ATTRIBUTE, Enabled: true },
    });
  });

  it("has the list index, projecting only the listing attributes, as the local stack and the test rig create it", () => {
    const local = ledgerTableInput("any");
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      AttributeDefinitions: Match.arrayWith(local.AttributeDefinitions?.slice(1) ?? []),
      GlobalSecondaryIndexes: local.GlobalSecondaryIndexes,
    });
    expect(local.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: LIST_INDEX,
      Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: [...LIST_INDEX_ATTRIBUTES] },
    });
  });

  it("has point-in-time recovery and the AWS-managed key, and is retained when it leaves the stack", () => {
    template.hasResource("AWS::DynamoDB::Table", {
      Properties: Match.objectLike({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      }),
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    });
  });

  it("keeps finished jobs 14 days and says so in its environment", () => {
    expect(ledger.retentionDays).toBe(14);
    expect(Object.keys(ledger.environment).sort()).toEqual([LEDGER_RETENTION_ENV, LEDGER_TABLE_ENV]);
    expect(ledger.environment[LEDGER_RETENTION_ENV]).toBe("14");
  });

  it("passes cdk-nag AwsSolutions with nothing acknowledged", () => {
    const report = new AwsSolutionsChecks(ledger.node.root).validateScope(ledger);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });
});

describe("JobLedger props", () => {
  it("takes a name, a retention, a customer-managed key and a removal policy", () => {
    // Given every prop set
    const stack = testStack();
    const encryptionKey = new kms.Key(stack, "Key");
    const ledger = new JobLedger(stack, "Ledger", {
      tableName: "jobs-ledger",
      retentionDays: 30,
      encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const template = Template.fromStack(stack);
    // Then the table has them
    template.hasResource("AWS::DynamoDB::Table", {
      Properties: Match.objectLike({
        TableName: "jobs-ledger",
        SSESpecification: {
          SSEEnabled: true,
          SSEType: "KMS",
          KMSMasterKeyId: { "Fn::GetAtt": [Match.stringLikeRegexp("^Key"), "Arn"] },
        },
      }),
      DeletionPolicy: "Delete",
    });
    expect(ledger.retentionDays).toBe(30);
    expect(ledger.environment[LEDGER_RETENTION_ENV]).toBe("30");
    expect(ledger.encryptionKey).toBe(encryptionKey);
  });

  it.each<[string, JobLedgerProps, RegExp]>([
    [
      "a retention of 0 days",
      { retentionDays: 0 },
      /retentionDays must be an integer between 1 and 3,650, but 0/,
    ],
    [
      "a fractional retention",
      { retentionDays: 1.5 },
      /retentionDays must be an integer .* but 1.5 was provided/,
    ],
    ["a short table name", { tableName: "ab" }, /tableName must be 3-255 letters.* but "ab" was provided/],
    ["a table name with a space", { tableName: "job ledger" }, /tableName must be .* but "job ledger"/],
  ])("refuses %s with a clear error", (_, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  it("reports every problem at once, as a ConfigError", () => {
    let thrown: unknown;
    try {
      synth({ retentionDays: -1, tableName: "x" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JobLedgerConfigError);
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as JobLedgerConfigError).problems).toHaveLength(2);
    expect((thrown as Error).message).toMatch(/^JobLedger Test\/Ledger has 2 problems:\n {2}- retentionDays/);
  });
});

describe("JobLedger grants", () => {
  // Given a producer and a consumer function granted on a ledger
  const stack = testStack();
  const ledger = new JobLedger(stack, "Ledger");
  const producer = inlineFunction(stack, "Producer");
  const consumer = inlineFunction(stack, "Consumer");
  ledger.grantProducer(producer);
  ledger.grantConsumer(consumer);
  const template = Template.fromStack(stack);
  const table = stack.getLogicalId(ledger.table.node.defaultChild as never);

  it("lets a producer write queued jobs, reserve and release unique keys, read status and query the list index only", () => {
    expect(grantsOf(template, "ProducerServiceRole")).toEqual([
      {
        actions: [
          "dynamodb:BatchGetItem",
          "dynamodb:BatchWriteItem",
          "dynamodb:DeleteItem",
          "dynamodb:GetItem",
          "dynamodb:PutItem",
        ],
        resource: table,
      },
      {
        actions: ["dynamodb:Query"],
        resource: JSON.stringify({
          "Fn::Join": ["", [{ "Fn::GetAtt": [table, "Arn"] }, `/index/${LIST_INDEX}`]],
        }),
      },
    ]);
  });

  it("lets a consumer read, claim, update and delete items of the table, and no query", () => {
    expect(grantsOf(template, "ConsumerServiceRole")).toEqual([
      {
        actions: [
          "dynamodb:BatchGetItem",
          "dynamodb:BatchWriteItem",
          "dynamodb:DeleteItem",
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
        ],
        resource: table,
      },
    ]);
  });

  it("tells both functions the table's name and the retention", () => {
    const functions = template.findResources("AWS::Lambda::Function", {
      Properties: {
        Environment: {
          Variables: {
            [LEDGER_TABLE_ENV]: { Ref: Match.stringLikeRegexp("^LedgerTable") },
            [LEDGER_RETENTION_ENV]: "14",
          },
        },
      },
    });
    expect(Object.keys(functions).sort()).toEqual([
      expect.stringMatching(/^Consumer/),
      expect.stringMatching(/^Producer/),
    ]);
  });

  it("grants no wildcard action or resource", () => {
    expect(iamActions(template).filter((a) => a.includes("*"))).toEqual([]);
    expect(JSON.stringify(template.findResources("AWS::IAM::Policy"))).not.toMatch(/\*/);
  });

  it("grants a non-Lambda principal without touching any environment", () => {
    const role = new iam.Role(stack, "Worker", {
      assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
    });
    expect(ledger.grantConsumer(role).success).toBe(true);
    expect(ledger.grantProducer(role).success).toBe(true);
  });

  it("adds the key rights, spelled out, when the table has a customer-managed key", () => {
    const keyed = testStack();
    const encryptionKey = new kms.Key(keyed, "Key");
    new JobLedger(keyed, "Ledger", { encryptionKey }).grantConsumer(inlineFunction(keyed, "Consumer"));
    const t = Template.fromStack(keyed);
    expect(grantsOf(t, "ConsumerServiceRole")).toContainEqual({
      actions: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
      resource: expect.stringMatching(/^Key/),
    });
    expect(iamActions(t).filter((a) => a.includes("*"))).toEqual([]);
  });
});
