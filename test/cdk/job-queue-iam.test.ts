import { Match, Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import { describe, expect, it } from "vitest";
import { JobQueue } from "../../cdk/lib/index.ts";
import { FIXTURE_ENTRY, grantsOf, iamActions, inlineFunction, job, testStack } from "./stack.ts";

describe("JobQueue permissions", () => {
  // Given a queue and a producer function granted to send
  const stack = testStack();
  const q = new JobQueue(stack, "Reports", {
    name: "reports",
    jobs: [job("build-report")],
    entry: FIXTURE_ENTRY,
  });
  const producer = inlineFunction(stack, "Producer");
  q.grantSendJobs(producer);
  const template = Template.fromStack(stack);

  it("lets the consumer receive, delete, change visibility and read attributes on its queue, send to its DLQ and read its size, and write its logs", () => {
    expect(grantsOf(template, "ReportsConsumerRole")).toEqual([
      {
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resource: expect.stringMatching(/^ReportsConsumerLogs/),
      },
      {
        actions: [
          "sqs:ChangeMessageVisibility",
          "sqs:DeleteMessage",
          "sqs:GetQueueAttributes",
          "sqs:ReceiveMessage",
        ],
        resource: expect.stringMatching(/^ReportsQueue/),
      },
      // GetQueueAttributes: the DLQ's MaximumMessageSize, which dead-letter copies are fitted to
      {
        actions: ["sqs:GetQueueAttributes", "sqs:SendMessage"],
        resource: expect.stringMatching(/^ReportsDeadLetterQueue/),
      },
    ]);
  });

  it("lets a producer only send, and tells it the queue URL", () => {
    expect(grantsOf(template, "ProducerServiceRole")).toEqual([
      { actions: ["sqs:SendMessage"], resource: expect.stringMatching(/^ReportsQueue/) },
    ]);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Handler: "index.handler",
      Environment: {
        Variables: { SQS_JOBS_REPORTS_QUEUE_URL: { Ref: Match.stringLikeRegexp("^ReportsQueue") } },
      },
    });
  });

  it("gives the consumer a role of its own, with no managed policy", () => {
    template.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: "lambda.amazonaws.com" } })],
      }),
      Description: 'Consumer of job queue "reports"',
      ManagedPolicyArns: Match.absent(),
    });
  });

  it("grants no wildcard action anywhere", () => {
    const actions = iamActions(template);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => a.includes("*"))).toEqual([]);
  });

  it("grants a non-Lambda principal send rights without touching any environment", () => {
    const role = new iam.Role(stack, "Sender", {
      assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
    });
    const grant = q.grantSendJobs(role);
    expect(grant.success).toBe(true);
  });
});

describe("JobQueue permissions with a customer-managed key", () => {
  it("adds exactly the key actions consumers and producers need", () => {
    // Given a queue encrypted with a KMS key, and a producer
    const stack = testStack();
    const encryptionKey = new kms.Key(stack, "Key");
    const q = new JobQueue(stack, "Secure", { jobs: [job("secure")], entry: FIXTURE_ENTRY, encryptionKey });
    q.grantSendJobs(inlineFunction(stack, "Producer"));
    const template = Template.fromStack(stack);
    // Then the producer may make data keys and send, and the consumer may also decrypt
    const key = { actions: ["kms:Decrypt", "kms:GenerateDataKey"], resource: expect.stringMatching(/^Key/) };
    expect(grantsOf(template, "ProducerServiceRole")).toEqual([
      { actions: ["sqs:SendMessage"], resource: expect.stringMatching(/^SecureQueue/) },
      key,
    ]);
    expect(grantsOf(template, "SecureConsumerRole")).toContainEqual(key);
    expect(iamActions(template).filter((a) => a.includes("*"))).toEqual([]);
  });
});
