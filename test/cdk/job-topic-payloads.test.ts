import { Match, Template } from "aws-cdk-lib/assertions";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as sns from "aws-cdk-lib/aws-sns";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { z } from "zod/mini";
import { JobQueue, JobTopic } from "../../cdk/lib/index.ts";
import { defineJob } from "../../src/index.ts";
import { buildAppModel } from "../../tools/src/local/app-model.ts";
import { FIXTURE_ENTRY, grantsOf, inlineFunction, testStack } from "./stack.ts";

const reportReady = defineJob({ name: "report.ready", schema: z.object({ reportId: z.string() }) });

/** The S3 grants of a role, by the resource they name. */
function s3Grants(template: Template, rolePrefix: string) {
  return grantsOf(template, rolePrefix).filter((g) => g.actions.some((a) => a.startsWith("s3:")));
}

describe("JobTopic with payloads", () => {
  // Given a topic whose large publishes go through the bucket of one of the queues it feeds,
  // a second subscribed queue without a bucket of its own, and a publisher granted on the topic
  const stack = testStack();
  const reports = new JobQueue(stack, "Reports", {
    name: "reports",
    jobs: [reportReady],
    entry: FIXTURE_ENTRY,
    payloads: {},
  });
  const digest = new JobQueue(stack, "Digest", { name: "digest", jobs: [reportReady], entry: FIXTURE_ENTRY });
  const topic = new JobTopic(stack, "Events", {
    name: "events",
    payloads: { bucket: reports.payloadBucket },
  });
  topic.subscribe(reports, { jobs: [reportReady] });
  topic.subscribe(digest, { jobs: [reportReady] });
  const publisher = inlineFunction(stack, "Publisher");
  topic.grantPublishJobs(publisher);
  const template = Template.fromStack(stack);
  const bucket = stack.getLogicalId(reports.payloadBucket?.node.defaultChild as s3.CfnBucket);

  it("lets the publisher put under the prefix and tells it the bucket", () => {
    expect(topic.payloadBucket).toBe(reports.payloadBucket);
    expect(s3Grants(template, "PublisherServiceRole")).toEqual([
      { actions: ["s3:PutObject"], resource: expect.stringMatching(new RegExp(`${bucket}.*sqs-jobs/\\*`)) },
    ]);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          SQS_JOBS_EVENTS_TOPIC_ARN: { Ref: Match.stringLikeRegexp("^EventsTopic") },
          SQS_JOBS_EVENTS_TOPIC_PAYLOAD_BUCKET: { Ref: bucket },
        }),
      },
    });
  });

  it("lets each subscribed queue's consumer read the objects, and keeps the queue's own grants", () => {
    expect(s3Grants(template, "DigestConsumerRole")).toEqual([
      { actions: ["s3:GetObject"], resource: expect.stringMatching(new RegExp(`${bucket}.*sqs-jobs/\\*`)) },
      { actions: ["s3:ListBucket"], resource: bucket },
    ]);
    const own = s3Grants(template, "ReportsConsumerRole");
    expect(own).toContainEqual({
      actions: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
      resource: expect.stringContaining("sqs-jobs/*"),
    });
    expect(own).toContainEqual({
      actions: ["s3:GetObject"],
      resource: expect.stringContaining("sqs-jobs/*"),
    });
  });

  it("tells sqs-jobs dev the topic's bucket: its metadata names it, and the local model finds it", () => {
    expect(
      template.toJSON().Resources[stack.getLogicalId(topic.topic.node.defaultChild as sns.CfnTopic)],
    ).toMatchObject({
      Metadata: { "sqs-jobs": { topic: "events", payloadBucket: { Ref: bucket } } },
    });
    const model = buildAppModel(
      [{ stackName: stack.stackName, resources: template.toJSON().Resources, outputs: {} }],
      ".",
    );
    const local = model.buckets.find((b) => b.logicalId === bucket)?.name;
    expect(local).toBeDefined();
    expect(model.topics.filter((t) => t.jobTopic !== undefined)).toEqual([
      expect.objectContaining({ jobTopic: "events", payloadBucket: local }),
    ]);
  });

  it("passes cdk-nag AwsSolutions", () => {
    const report = new AwsSolutionsChecks(stack).validateScope(topic);
    expect(report.violations).toEqual([]);
  });
});

describe("JobTopic with a bucket of its own", () => {
  it("creates an encrypted, TLS-only, private bucket whose objects outlive any copy's queue and DLQ", () => {
    // Given a topic asked for payloads without a bucket, feeding one queue
    const stack = testStack();
    const queue = new JobQueue(stack, "Digest", {
      name: "digest",
      jobs: [reportReady],
      entry: FIXTURE_ENTRY,
    });
    const topic = new JobTopic(stack, "Events", { name: "events", payloads: {} });
    topic.subscribe(queue, { jobs: [reportReady] });
    const template = Template.fromStack(stack);

    // Then: SQS keeps a message at most 14 days, a DLQ 14 more, plus a day's margin
    template.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ Prefix: "sqs-jobs/", ExpirationInDays: 29, Status: "Enabled" })],
      },
    });
    const bucket = stack.getLogicalId(topic.payloadBucket?.node.defaultChild as s3.CfnBucket);
    expect(s3Grants(template, "DigestConsumerRole")).toEqual([
      { actions: ["s3:GetObject"], resource: expect.stringContaining(bucket) },
      { actions: ["s3:ListBucket"], resource: bucket },
    ]);
  });

  it("without payloads, adds no bucket and no S3 grant", () => {
    const stack = testStack();
    const queue = new JobQueue(stack, "Digest", {
      name: "digest",
      jobs: [reportReady],
      entry: FIXTURE_ENTRY,
    });
    const topic = new JobTopic(stack, "Events", { name: "events" });
    topic.subscribe(queue, { jobs: [reportReady] });
    topic.grantPublishJobs(inlineFunction(stack, "Publisher"));
    const template = Template.fromStack(stack);
    template.resourceCountIs("AWS::S3::Bucket", 0);
    expect(topic.payloadBucket).toBeUndefined();
    expect(s3Grants(template, "PublisherServiceRole")).toEqual([]);
    expect(s3Grants(template, "DigestConsumerRole")).toEqual([]);
  });
});
