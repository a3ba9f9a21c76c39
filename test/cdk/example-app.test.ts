import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { App, Token, Validations } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import { SqsJobsExampleStack } from "../../cdk/example-stack.ts";
import { LEDGER_RETENTION_ENV, LEDGER_TABLE_ENV } from "../../src/ledger/table-layout.ts";
import { grantsOf, iamActions } from "./stack.ts";

// One full synth for the whole file: it runs esbuild on every handler (the report-audit and
// digest queues share report-ready.ts, one bundle).
const app = new App();
const stack = new SqsJobsExampleStack(app, "SqsJobsExample");
const template = Template.fromStack(stack);
const assembly = app.synth();

describe("the example app", () => {
  it("bundles each handler locally into a small ESM file that leaves the AWS SDK to the runtime", () => {
    const bundles = readdirSync(assembly.directory)
      .filter((d) => d.startsWith("asset."))
      .map((d) => path.join(assembly.directory, d, "index.mjs"));
    // reports, email, the API, report-ready, and the site audit's three queues
    expect(bundles).toHaveLength(7);
    for (const bundle of bundles) {
      // 180 KB: wave 3 (flows, durable callbacks, S3 payloads, traces, pacing, cancel and progress)
      // took the largest consumer bundle from 96 KB to 168 KB of sqs-jobs' own code, which every
      // consumer carries whatever features its jobs use (docs/jobs.md, "Schema libraries and bundle size").
      expect(statSync(bundle).size).toBeLessThan(180_000);
      const code = readFileSync(bundle, "utf8");
      // A dependency bundled by mistake: the OpenTelemetry API the example leaves out (cdk/untraced.ts).
      expect(code).not.toMatch(/"DiagAPI"/);
      // The AWS SDK is external, and sqs-jobs imports its clients on first use only
      // (test/structure/lazy-sdk-bundle.test.ts): at load a bundle imports at most the S3 client
      // of the example's own store (handlers/object-store.ts), which every consumer job uses.
      expect(code).toMatch(/import\("@aws-sdk\/client-sqs"\)/);
      const atLoad = [...code.matchAll(/from\s*"(@aws-sdk\/[^"]+)"/g)].map((m) => m[1]);
      expect(atLoad.filter((m) => m !== "@aws-sdk/client-s3")).toEqual([]);
    }
  });

  it("needs no account or region to synthesize", () => {
    expect(Token.isUnresolved(stack.account)).toBe(true);
    expect(Token.isUnresolved(stack.region)).toBe(true);
  });

  it("has a standard reports queue and a FIFO email queue, each with partial batch responses", () => {
    // each queue, its DLQ, and the DLQ of its Scheduler deliveries; the site audit's three queues and the report-audit and digest queues, with their DLQs
    template.resourceCountIs("AWS::SQS::Queue", 16);
    template.resourceCountIs("AWS::Lambda::EventSourceMapping", 7);
    template.allResourcesProperties("AWS::Lambda::EventSourceMapping", {
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    template.hasResourceProperties("AWS::SQS::Queue", { FifoQueue: true, RedrivePolicy: Match.anyValue() });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it("derives the reports settings from the build-report job (60 s, 4 attempts) and its ledger", () => {
    template.hasResourceProperties("AWS::Lambda::Function", { Timeout: 70, MemorySize: 1024 });
    // A standard queue: 4 attempts + max(5, 4) receives that run none (its waits re-send a copy)
    template.hasResourceProperties("AWS::SQS::Queue", {
      VisibilityTimeout: 420,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 9 }),
    });
  });

  it("tells the producer where both queues are and protects it with IAM auth", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          SQS_JOBS_REPORTS_QUEUE_URL: { Ref: Match.stringLikeRegexp("^ReportsQueue") },
          SQS_JOBS_EMAIL_QUEUE_URL: { Ref: Match.stringLikeRegexp("^EmailQueue") },
        }),
      },
    });
    template.hasResourceProperties("AWS::Lambda::Url", { AuthType: "AWS_IAM" });
  });

  it("gives the consumers their bucket", () => {
    const consumers = template.findResources("AWS::Lambda::Function", {
      Properties: {
        Environment: { Variables: { EXAMPLE_BUCKET: { Ref: Match.stringLikeRegexp("^Bucket") } } },
      },
    });
    expect(Object.keys(consumers)).toHaveLength(7);
  });

  it("publishes report.ready from the report builder to the audit queue, and long reports to the digest queue", () => {
    const subscriptions = Object.values(template.findResources("AWS::SNS::Subscription")).map(
      (s) => (s as { Properties: { FilterPolicy: unknown; RawMessageDelivery: boolean } }).Properties,
    );
    expect(subscriptions).toEqual(
      expect.arrayContaining([
        { ...subscriptions[0], FilterPolicy: { "sqs-jobs.job": ["report.ready"] } },
        {
          ...subscriptions[1],
          FilterPolicy: { "sqs-jobs.job": ["report.ready"], words: [{ numeric: [">=", 1000] }] },
        },
      ]),
    );
    expect(subscriptions.every((s) => s.RawMessageDelivery)).toBe(true);
    expect(iamActionsOf(template, "ReportsConsumer")).toContain("sns:Publish");
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          SQS_JOBS_EVENTS_TOPIC_ARN: { Ref: Match.stringLikeRegexp("^EventsTopic") },
        }),
      },
    });
  });

  it("notifies one topic from every alarm and outputs its ARN to subscribe to", () => {
    template.resourceCountIs("AWS::SNS::Topic", 2); // the alarms' and the events'
    template.resourceCountIs("AWS::CloudWatch::Alarm", 37);
    template.allResourcesProperties("AWS::CloudWatch::Alarm", {
      AlarmActions: [{ Ref: Match.stringLikeRegexp("^AlarmTopic") }],
    });
    template.hasOutput("AlarmTopicArn", {
      Value: { Ref: Match.stringLikeRegexp("^AlarmTopic") },
      Description: Match.stringLikeRegexp("aws sns subscribe"),
    });
  });

  it("records both queues' jobs in one ledger: consumers and the producer know its table and may use it", () => {
    template.resourceCountIs("AWS::DynamoDB::Table", 1);
    const withLedger = template.findResources("AWS::Lambda::Function", {
      Properties: {
        Environment: {
          Variables: Match.objectLike({
            [LEDGER_TABLE_ENV]: { Ref: Match.stringLikeRegexp("^LedgerTable") },
            [LEDGER_RETENTION_ENV]: "14",
          }),
        },
      },
    });
    expect(Object.keys(withLedger).sort()).toEqual([
      expect.stringMatching(/^Api/),
      expect.stringMatching(/^AuditConsumer/),
      expect.stringMatching(/^DigestConsumer/),
      expect.stringMatching(/^EmailConsumer/),
      expect.stringMatching(/^ReportsConsumer/),
      expect.stringMatching(/^SiteAuditConsumer/),
      expect.stringMatching(/^SiteAuditExtractConsumer/),
      expect.stringMatching(/^SiteAuditFetchConsumer/),
    ]);
    const api = iamActionsOf(template, "ApiRole");
    // UpdateItem for DELETE /reports/<jobId> (grantCancelJobs) only: never Scan, never BatchGetItem
    expect(api).toEqual(
      expect.arrayContaining([
        "dynamodb:PutItem",
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
      ]),
    );
    expect(api).not.toContain("dynamodb:Scan");
    template.hasOutput("LedgerTableName", { Value: { Ref: Match.stringLikeRegexp("^LedgerTable") } });
  });

  it("builds a report every night at 03:00 Berlin time, skipping a night whose previous run still works", () => {
    template.resourceCountIs("AWS::Scheduler::Schedule", 1);
    const schedule = Object.values(template.findResources("AWS::Scheduler::Schedule"))[0] as {
      Properties: {
        ScheduleExpression: string;
        ScheduleExpressionTimezone: string;
        Target: { Input: string };
      };
    };
    expect(schedule.Properties.ScheduleExpression).toBe("cron(0 3 * * ? *)");
    expect(schedule.Properties.ScheduleExpressionTimezone).toBe("Europe/Berlin");
    expect(JSON.parse(schedule.Properties.Target.Input)).toMatchObject({
      job: "build-report",
      schedule: { name: "NightlyReport", overlap: "skip" },
      payload: { inputKey: "inputs/sample.txt" },
    });
  });

  it("lets the producer schedule emails for later with the email queue's Scheduler role", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          SQS_JOBS_EMAIL_SCHEDULER_ROLE_ARN: {
            "Fn::GetAtt": [Match.stringLikeRegexp("^EmailSchedulerRole"), "Arn"],
          },
        }),
      },
    });
    expect(iamActionsOf(template, "ApiRole")).toEqual(
      expect.arrayContaining(["scheduler:CreateSchedule", "scheduler:DeleteSchedule", "iam:PassRole"]),
    );
  });

  it("grants no wildcard action and attaches no managed policy", () => {
    expect(iamActions(template).filter((a) => a.includes("*"))).toEqual([]);
    template.allResourcesProperties("AWS::IAM::Role", { ManagedPolicyArns: Match.absent() });
  });
});

describe("cdk-nag AwsSolutions on the example app", () => {
  it("reports nothing that is not acknowledged", () => {
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  it("has a written reason for each acknowledged finding", () => {
    const acknowledged = acknowledgements(stack);
    expect(acknowledged.map((a) => a.id).sort()).toEqual([
      expect.stringMatching(/\/audit\/\*\]$/),
      expect.stringMatching(/\/audits\/\*\]$/),
      expect.stringMatching(/\/digests\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<Bucket\w+\.Arn>\/inputs\/\*\]$/),
      expect.stringMatching(/\/outbox\/\*\]$/),
      expect.stringMatching(/\/reports\/\*\]$/),
      // the site audit: the site, and snapshots written by the fetch stage, read by the extract stage
      expect.stringMatching(/\/site\/\*\]$/),
      expect.stringMatching(/\/snapshots\/\*\]$/),
      expect.stringMatching(/\/snapshots\/\*\]$/),
      // the payload bucket's prefix, once per policy that grants on it (producers put, the reports
      // consumer gets and deletes)
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<ReportsPayloadsBucket\w+\.Arn>\/sqs-jobs\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<ReportsPayloadsBucket\w+\.Arn>\/sqs-jobs\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<ReportsPayloadsBucket\w+\.Arn>\/sqs-jobs\/\*\]$/),
      "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/default/sqs-jobs-*]",
      // the example's bucket and the payload bucket
      "AwsSolutions-S1",
      "AwsSolutions-S1",
      // the Scheduler DLQs of both queues
      "AwsSolutions-SQS3",
      "AwsSolutions-SQS3",
    ]);
    for (const { reason } of acknowledged) expect(reason.length).toBeGreaterThan(60);
  });
});

/** Every `Validations.of(...).acknowledge(...)` in the tree, with its reason. */
function acknowledgements(root: IConstruct): { id: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => ({ id: id.replace(/^annotation::/i, ""), reason })),
  );
}

/** The actions granted to the role whose logical id starts with `rolePrefix`. */
function iamActionsOf(template: Template, rolePrefix: string): string[] {
  return grantsOf(template, rolePrefix).flatMap((g) => g.actions);
}
