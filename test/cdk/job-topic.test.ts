import { Match, Template } from "aws-cdk-lib/assertions";
import * as kms from "aws-cdk-lib/aws-kms";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { z } from "zod/mini";
import { JobQueue, JobTopic, JobTopicConfigError } from "../../cdk/lib/index.ts";
import { subscriptionFilter } from "../../cdk/lib/job-topic-filter.ts";
import { JOB_NAME_ATTRIBUTE } from "../../src/core/job-name-attribute.ts";
import { ConfigError, defineJob } from "../../src/index.ts";
import { FIXTURE_ENTRY, grantsOf, inlineFunction, type Resources, testStack } from "./stack.ts";

const reportReady = defineJob({
  name: "report.ready",
  schema: z.object({ reportId: z.string(), region: z.string() }),
  attributes: { region: (p) => p.region },
});
const plain = defineJob({ name: "plain", schema: z.object({ id: z.string() }) });

function app(options: { fifo?: boolean; encryptionKey?: boolean } = {}) {
  const stack = testStack();
  const fifo = options.fifo === true ? { fifo: true } : {};
  const topic = new JobTopic(stack, "Events", {
    name: "events",
    ...fifo,
    ...(options.encryptionKey === true ? { encryptionKey: new kms.Key(stack, "TopicKey") } : {}),
  });
  const queue = (id: string, jobs = [reportReady, plain]) =>
    new JobQueue(stack, id, { name: id.toLowerCase(), jobs, entry: FIXTURE_ENTRY, ...fifo });
  return { stack, topic, queue };
}

describe("JobTopic", () => {
  // Given a topic, a queue for EU reports and a queue for every report
  const { stack, topic, queue } = app();
  const eu = queue("Eu");
  const all = queue("All");
  topic.subscribe(eu, { jobs: [reportReady], filter: { region: ["eu"] } });
  topic.subscribe(all, { jobs: [reportReady, plain] });
  const publisher = inlineFunction(stack, "Publisher");
  topic.grantPublishJobs(publisher);
  const template = Template.fromStack(stack);

  it("is an SNS topic encrypted with SNS's key, with a TLS-only policy", () => {
    template.resourceCountIs("AWS::SNS::Topic", 3); // ours and the two queues' alarm topics
    const ours = template.findResources("AWS::SNS::Topic", { Metadata: { "sqs-jobs": { topic: "events" } } });
    expect(JSON.stringify(Object.values(ours)[0]?.Properties?.KmsMasterKeyId)).toContain(":alias/aws/sns");
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      }),
    });
  });

  it("subscribes each queue with raw delivery and a filter on the job name and the declared attributes", () => {
    const subs = Object.values(template.findResources("AWS::SNS::Subscription") as Resources);
    const policies = subs.map((s) => s.Properties?.FilterPolicy);
    expect(
      subs.every((s) => s.Properties?.RawMessageDelivery === true && s.Properties?.Protocol === "sqs"),
    ).toBe(true);
    expect(policies).toEqual(
      expect.arrayContaining([
        { [JOB_NAME_ATTRIBUTE]: ["report.ready"], region: ["eu"] },
        { [JOB_NAME_ATTRIBUTE]: ["report.ready", "plain"] },
      ]),
    );
    expect(subs).toHaveLength(2);
  });

  it("lets the topic, and only it, send to each subscribed queue", () => {
    const policies = Object.values(template.findResources("AWS::SQS::QueuePolicy") as Resources);
    const fromTopic = policies.filter((p) => JSON.stringify(p.Properties).includes("sns.amazonaws.com"));
    expect(fromTopic).toHaveLength(2);
    for (const p of fromTopic) {
      expect(JSON.stringify(p.Properties)).toContain('"aws:SourceArn":{"Ref":"EventsTopic');
    }
  });

  it("grants publishers sns:Publish and sets the topic's variable", () => {
    expect(grantsOf(template, "PublisherServiceRole")).toEqual([
      { actions: ["sns:Publish"], resource: expect.stringContaining('"Ref":"EventsTopic') },
    ]);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: { SQS_JOBS_EVENTS_TOPIC_ARN: { Ref: Match.stringLikeRegexp("^EventsTopic") } },
      },
    });
  });

  it("passes cdk-nag AwsSolutions with nothing acknowledged", () => {
    const report = new AwsSolutionsChecks(topic.node.root).validateScope(topic);
    expect(report.violations).toEqual([]);
  });
});

describe("JobTopic subscriptions that cannot work fail at synth", () => {
  it("a filter on an attribute a job does not declare is a JobTopicConfigError naming the job", () => {
    // Given a topic and a queue carrying a job without attributes
    const { topic, queue } = app();
    const q = queue("Q");
    // When a subscription filters that job on "region"
    const subscribe = () => topic.subscribe(q, { jobs: [reportReady, plain], filter: { region: ["eu"] } });
    // Then synth fails with a typed error that says which job and what to do
    expect(subscribe).toThrow(JobTopicConfigError);
    expect(subscribe).toThrow(/filter names attribute "region", which job "plain" does not declare/);
    expect(subscribe).toThrow(ConfigError);
  });

  it("reports every problem at once: a job the queue lacks, FIFO mixed with standard, too many keys", () => {
    const queue = { name: "q", fifo: true, jobNames: ["report.ready"] };
    const { problems } = subscriptionFilter(false, queue, {
      jobs: [reportReady, plain],
      filter: { region: ["eu"], a: ["1"], b: ["1"], c: ["1"], [JOB_NAME_ATTRIBUTE]: ["x"] },
    });
    expect(problems).toEqual([
      expect.stringContaining("a standard topic cannot deliver to FIFO queue"),
      expect.stringContaining('does not carry job "plain"'),
      expect.stringContaining('filter names attribute "region", which job "plain"'),
      expect.stringContaining('filter names attribute "a"'),
      expect.stringContaining('filter names attribute "b"'),
      expect.stringContaining('filter names attribute "c"'),
      expect.stringContaining(`filter may not name ${JOB_NAME_ATTRIBUTE}`),
      expect.stringContaining("at most 4 attributes"),
    ]);
  });

  it("a FIFO topic subscribes FIFO queues, with a customer key granted to publishers", () => {
    const { stack, topic, queue } = app({ fifo: true, encryptionKey: true });
    topic.subscribe(queue("Ordered"), { jobs: [reportReady] });
    const publisher = inlineFunction(stack, "Publisher");
    topic.grantPublishJobs(publisher);
    const template = Template.fromStack(stack);
    template.hasResourceProperties("AWS::SNS::Topic", { FifoTopic: true });
    template.hasResourceProperties("AWS::SQS::Queue", { FifoQueue: true });
    const actions = grantsOf(template, "PublisherServiceRole").flatMap((g) => g.actions);
    expect(actions).toEqual(expect.arrayContaining(["sns:Publish", "kms:GenerateDataKey*", "kms:Decrypt"]));
  });
});
