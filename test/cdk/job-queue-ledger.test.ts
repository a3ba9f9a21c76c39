import { Duration } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { JobLedger, JobQueue } from "../../cdk/lib/index.ts";
import { LEDGER_RETENTION_ENV, LEDGER_TABLE_ENV, LIST_INDEX } from "../../src/ledger/table-layout.ts";
import { FIXTURE_ENTRY, grantsOf, iamActions, inlineFunction, job, testStack } from "./stack.ts";

describe("JobQueue with a ledger", () => {
  // Given a queue recording its jobs in a ledger, and a producer granted to send
  const stack = testStack();
  const ledger = new JobLedger(stack, "Ledger", { retentionDays: 7 });
  const q = new JobQueue(stack, "Reports", { jobs: [job("build-report")], entry: FIXTURE_ENTRY, ledger });
  const producer = inlineFunction(stack, "Producer");
  q.grantSendJobs(producer);
  const template = Template.fromStack(stack);
  const table = stack.getLogicalId(ledger.table.node.defaultChild as never);
  const ledgerVariables = {
    [LEDGER_TABLE_ENV]: { Ref: table },
    [LEDGER_RETENTION_ENV]: "7",
  };

  it("tells the consumer the ledger's table and retention, beside its queue", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Handler: "index.handler",
      Environment: {
        Variables: Match.objectLike({ SQS_JOBS_QUEUE_URL: Match.anyValue(), ...ledgerVariables }),
      },
    });
    expect(q.ledger).toBe(ledger);
  });

  it("gives the consumer the ledger's consumer rights on top of its queue rights", () => {
    const grants = grantsOf(template, "ReportsConsumerRole");
    expect(grants).toContainEqual({
      actions: [
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
      ],
      resource: table,
    });
    expect(grants.filter((g) => g.actions.some((a) => a.startsWith("sqs:")))).toHaveLength(2);
  });

  it("gives a producer the ledger's producer rights and variables with grantSendJobs", () => {
    expect(grantsOf(template, "ProducerServiceRole")).toEqual([
      { actions: ["sqs:SendMessage"], resource: expect.stringMatching(/^ReportsQueue/) },
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
      { actions: ["dynamodb:Query"], resource: expect.stringContaining(`/index/${LIST_INDEX}`) },
    ]);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Handler: "index.handler",
      Environment: {
        Variables: Match.objectLike({ SQS_JOBS_REPORTS_QUEUE_URL: Match.anyValue(), ...ledgerVariables }),
      },
    });
  });

  it("grants no wildcard action and passes cdk-nag AwsSolutions", () => {
    expect(iamActions(template).filter((a) => a.includes("*"))).toEqual([]);
    // The queue and the ledger: the inline test producer's own role is not theirs to fix.
    const nag = new AwsSolutionsChecks(stack.node.root);
    expect([...nag.validateScope(q).violations, ...nag.validateScope(ledger).violations]).toEqual([]);
  });
});

describe("JobQueue without a ledger", () => {
  it("touches no table and sets no ledger variable", () => {
    const stack = testStack();
    const q = new JobQueue(stack, "Reports", { jobs: [job("build-report")], entry: FIXTURE_ENTRY });
    q.grantSendJobs(inlineFunction(stack, "Producer"));
    const template = Template.fromStack(stack);
    expect(iamActions(template).filter((a) => a.startsWith("dynamodb:"))).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toContain(LEDGER_TABLE_ENV);
  });
});

describe("JobQueue with a ledger and an imported consumer", () => {
  it("names the ledger's variables and rights in its warnings, since it can set neither", () => {
    const stack = testStack();
    const ledger = new JobLedger(stack, "Ledger");
    new JobQueue(stack, "Imported", {
      jobs: [job("a-job")],
      consumer: lambda.Function.fromFunctionName(stack, "Fn", "existing-function"),
      visibilityTimeout: Duration.minutes(6),
      ledger,
    });
    const warnings = Annotations.fromStack(stack).findWarning("*", Match.anyValue());
    const text = JSON.stringify(warnings);
    expect(text).toContain(`${LEDGER_TABLE_ENV}, ${LEDGER_RETENTION_ENV} set by hand`);
    expect(text).toContain(
      "dynamodb:GetItem, BatchGetItem, PutItem, BatchWriteItem, UpdateItem and DeleteItem on the ledger's table",
    );
  });
});

describe("JobQueue with a ledger: waits are not attempts", () => {
  it("gives a FIFO queue SQS's largest maxReceiveCount, since the consumer counts runs", () => {
    // Given a FIFO queue with a ledger, whose waits (busy slot, running duplicate) each cost a receive
    const stack = testStack();
    const ledger = new JobLedger(stack, "Ledger");
    const q = new JobQueue(stack, "Q", {
      jobs: [job("a-job", 30, 3)],
      entry: FIXTURE_ENTRY,
      ledger,
      fifo: true,
    });
    // Then SQS's redrive policy leaves the consumer every receive it allows
    expect(q.settings.maxReceiveCount).toBe(1000);
    Template.fromStack(stack).hasResourceProperties("AWS::SQS::Queue", {
      RedrivePolicy: { maxReceiveCount: 1000, deadLetterTargetArn: Match.anyValue() },
    });
    expect(Annotations.fromStack(stack).findWarning("*", Match.stringLikeRegexp("maxReceiveCount"))).toEqual(
      [],
    );
  });

  it("gives a standard queue with a ledger the attempts plus headroom: its waits re-send a fresh copy and cost no receive", () => {
    const stack = testStack();
    const ledger = new JobLedger(stack, "Ledger");
    const q = new JobQueue(stack, "Q", { jobs: [job("a-job", 30, 3)], entry: FIXTURE_ENTRY, ledger });
    // 3 attempts + max(5, 3) receives that run none (crashes, failed hand-backs)
    expect(q.settings.maxReceiveCount).toBe(8);
  });

  it("warns when a FIFO queue with a ledger sets a lower maxReceiveCount: each wait costs a receive", () => {
    const stack = testStack();
    const ledger = new JobLedger(stack, "Ledger");
    new JobQueue(stack, "Q", {
      jobs: [job("a-job", 30, 3)],
      entry: FIXTURE_ENTRY,
      ledger,
      fifo: true,
      maxReceiveCount: 50,
    });
    Annotations.fromStack(stack).hasWarning(
      "*",
      Match.stringLikeRegexp("maxReceiveCount of 50 on a FIFO queue with a ledger.*each wait"),
    );
  });
});
