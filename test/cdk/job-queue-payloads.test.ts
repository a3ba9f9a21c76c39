import { Match, Template } from "aws-cdk-lib/assertions";
import * as s3 from "aws-cdk-lib/aws-s3";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { JobQueue } from "../../cdk/lib/index.ts";
import { FIXTURE_ENTRY, grantsOf, iamActions, inlineFunction, job, testStack } from "./stack.ts";

describe("JobQueue with payloads", () => {
  // Given a queue whose large payloads go through S3, and a producer granted to send
  const stack = testStack();
  const q = new JobQueue(stack, "Reports", {
    name: "reports",
    jobs: [job("build-report")],
    entry: FIXTURE_ENTRY,
    payloads: {},
  });
  const producer = inlineFunction(stack, "Producer");
  q.grantSendJobs(producer);
  const template = Template.fromStack(stack);
  const bucket = stack.getLogicalId(q.payloadBucket?.node.defaultChild as s3.CfnBucket);

  it("creates an encrypted, TLS-only, private bucket whose objects outlive the DLQ", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      // 4 days on the queue + 14 in the DLQ + 1 day's margin, under the prefix sqs-jobs writes
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ Prefix: "sqs-jobs/", ExpirationInDays: 19, Status: "Enabled" })],
      },
    });
    const policy = JSON.stringify(template.findResources("AWS::S3::BucketPolicy"));
    expect(policy).toContain('"aws:SecureTransport":"false"');
  });

  it("lets producers put under the prefix and tells them the bucket; the consumer gets, deletes, puts results and lists", () => {
    const objects = (g: { resource: string }) => g.resource.includes("sqs-jobs/*");
    expect(grantsOf(template, "ProducerServiceRole").filter(objects)).toEqual([
      { actions: ["s3:PutObject"], resource: expect.stringContaining(bucket) },
    ]);
    const consumer = grantsOf(template, "ReportsConsumerRole").filter((g) =>
      g.actions.some((a) => a.startsWith("s3:")),
    );
    expect(consumer).toEqual([
      {
        actions: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        resource: expect.stringContaining("sqs-jobs/*"),
      },
      { actions: ["s3:ListBucket"], resource: bucket },
    ]);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({ SQS_JOBS_REPORTS_PAYLOAD_BUCKET: { Ref: bucket } }),
      },
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ SQS_JOBS_PAYLOAD_BUCKET: { Ref: bucket } }) },
    });
  });

  it("grants no wildcard action and passes cdk-nag AwsSolutions", () => {
    expect(iamActions(template).filter((a) => a.includes("*"))).toEqual([]);
    const nag = new AwsSolutionsChecks(stack.node.root);
    expect(nag.validateScope(q).violations).toEqual([]);
  });

  it("takes a bucket of yours and creates none", () => {
    const other = testStack();
    const mine = s3.Bucket.fromBucketName(other, "Mine", "my-bucket");
    const q2 = new JobQueue(other, "Reports", {
      jobs: [job("build-report")],
      entry: FIXTURE_ENTRY,
      payloads: { bucket: mine },
    });
    expect(q2.payloadBucket).toBe(mine);
    Template.fromStack(other).resourceCountIs("AWS::S3::Bucket", 0);
  });

  it("without payloads: no bucket, no S3 right", () => {
    const other = testStack();
    new JobQueue(other, "Reports", { jobs: [job("build-report")], entry: FIXTURE_ENTRY });
    const t = Template.fromStack(other);
    t.resourceCountIs("AWS::S3::Bucket", 0);
    expect(iamActions(t).filter((a) => a.startsWith("s3:"))).toEqual([]);
  });
});
