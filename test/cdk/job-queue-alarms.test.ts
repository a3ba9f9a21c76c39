import { Duration, type Stack } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import * as sns from "aws-cdk-lib/aws-sns";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { JobQueue, JobQueueConfigError, type JobQueueProps } from "../../cdk/lib/index.ts";
import { FIXTURE_ENTRY, job, type Resources, testStack } from "./stack.ts";

type Alarm = { Properties: Record<string, unknown> };

function synth(props: Partial<JobQueueProps> = {}): { stack: Stack; q: JobQueue; template: Template } {
  const stack = testStack();
  const q = new JobQueue(stack, "Reports", { jobs: [job("build-report")], entry: FIXTURE_ENTRY, ...props });
  return { stack, q, template: Template.fromStack(stack) };
}

function alarms(template: Template): Alarm[] {
  return Object.values(template.findResources("AWS::CloudWatch::Alarm")) as Alarm[];
}

describe("JobQueue alarm notifications", () => {
  it("creates a topic by default, notifies it from every alarm and outputs its ARN", () => {
    // Given a queue with no alarm options
    const { q, template } = synth();
    // Then one TLS-only topic exists, every alarm notifies it on ALARM and on OK
    template.resourceCountIs("AWS::SNS::Topic", 1);
    const topicRef = { Ref: Match.stringLikeRegexp("^ReportsAlarmTopic") };
    const all = alarms(template);
    expect(all).toHaveLength(5);
    for (const alarm of all) {
      expect(alarm.Properties.AlarmActions).toEqual([expect.objectContaining({ Ref: expect.any(String) })]);
      expect(alarm.Properties.OKActions).toEqual(alarm.Properties.AlarmActions);
    }
    template.hasResourceProperties("AWS::CloudWatch::Alarm", { AlarmActions: [topicRef] });
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
    // And the topic's ARN is a stack output that says how to subscribe
    const outputs = Object.values(template.findOutputs("*"));
    expect(outputs).toContainEqual(
      expect.objectContaining({
        Value: { Ref: expect.stringMatching(/^ReportsAlarmTopic/) },
        Description: expect.stringContaining("aws sns subscribe"),
      }),
    );
    expect(q.alarmTopic).toBeDefined();
  });

  it("notifies a topic it is given instead of creating one", () => {
    const stack = testStack();
    const topic = new sns.Topic(stack, "Shared", { enforceSSL: true });
    const q = new JobQueue(stack, "Reports", {
      jobs: [job("build-report")],
      entry: FIXTURE_ENTRY,
      alarms: { topic },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs("AWS::SNS::Topic", 1);
    for (const alarm of alarms(template)) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Shared/) }]);
    }
    expect(Object.keys(template.findOutputs("*"))).toEqual([]);
    expect(q.alarmTopic).toBe(topic);
  });

  it("leaves the alarms without actions only when told to with topic: false", () => {
    const { q, template } = synth({ alarms: { topic: false } });
    template.resourceCountIs("AWS::SNS::Topic", 0);
    expect(alarms(template)).toHaveLength(5);
    for (const alarm of alarms(template)) expect(alarm.Properties.AlarmActions).toBeUndefined();
    expect(q.alarmTopic).toBeUndefined();
  });

  it("creates no topic when the alarms are off", () => {
    const { template } = synth({ alarms: { enabled: false } });
    template.resourceCountIs("AWS::SNS::Topic", 0);
    template.resourceCountIs("AWS::CloudWatch::Alarm", 0);
  });
});

describe("JobQueue DLQ alarms", () => {
  it("counts visible and in-flight DLQ messages, so a peek or an export does not flip the depth alarm", () => {
    const { q, template } = synth();
    const depth = alarms(template).filter(
      (a) => Array.isArray(a.Properties.Metrics) && JSON.stringify(a.Properties.Metrics).includes("inFlight"),
    );
    expect(depth).toHaveLength(1);
    const props = depth[0]?.Properties ?? {};
    expect(props.Threshold).toBe(1);
    expect(props.ComparisonOperator).toBe("GreaterThanOrEqualToThreshold");
    const metrics = props.Metrics as { Id: string; Expression?: string; MetricStat?: unknown }[];
    const expression = metrics.find((m) => m.Expression !== undefined);
    expect(expression?.Expression).toBe("visible + inFlight");
    const names = metrics
      .filter((m) => m.MetricStat !== undefined)
      .map((m) => (m.MetricStat as { Metric: { MetricName: string } }).Metric.MetricName)
      .sort();
    expect(names).toEqual(["ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesVisible"]);
    const dimensions = metrics
      .filter((m) => m.MetricStat !== undefined)
      .map((m) => (m.MetricStat as { Metric: { Dimensions: unknown } }).Metric.Dimensions);
    for (const d of dimensions) {
      expect(d).toEqual([
        { Name: "QueueName", Value: { "Fn::GetAtt": [expect.stringMatching(/DeadLetter/), "QueueName"] } },
      ]);
    }
    expect(q.dlqDepthAlarm).toBeDefined();
  });

  it("warns two days before the DLQ's 14-day retention drops a dead job for good", () => {
    const { q, template } = synth();
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateAgeOfOldestMessage",
      Threshold: 12 * 86_400,
      Statistic: "Maximum",
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Dimensions: [
        { Name: "QueueName", Value: { "Fn::GetAtt": [Match.stringLikeRegexp("DeadLetter"), "QueueName"] } },
      ],
    });
    expect(q.dlqExpiryAlarm).toBeDefined();
    expect(q.settings.dlqAgeOfOldestMessageSeconds).toBe(12 * 86_400);
  });

  it("takes the DLQ age threshold from the options and checks it against the DLQ's retention", () => {
    const { template } = synth({ alarms: { dlqAgeOfOldestMessage: Duration.days(10) } });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateAgeOfOldestMessage",
      Threshold: 10 * 86_400,
    });
    expect(() => synth({ alarms: { dlqAgeOfOldestMessage: Duration.days(14) } })).toThrow(
      JobQueueConfigError,
    );
    expect(() => synth({ alarms: { dlqAgeOfOldestMessage: Duration.days(15) } })).toThrow(
      /alarms\.dlqAgeOfOldestMessage must be an integer between 60 and 1,209,599 seconds/,
    );
  });
});

describe("cdk-nag AwsSolutions on a JobQueue with every default", () => {
  it("reports nothing", () => {
    const { stack } = synth();
    const report = new AwsSolutionsChecks(stack.node.root).validateScope(stack);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  it("reports nothing with the alarms' own topic left out", () => {
    const { stack, template } = synth({ alarms: { topic: false } });
    expect(Object.keys(template.findResources("AWS::SNS::Topic") as Resources)).toEqual([]);
    expect(new AwsSolutionsChecks(stack.node.root).validateScope(stack).violations).toEqual([]);
  });
});

describe("JobQueue cancelled and throttled runs alarms", () => {
  it("sum the consumer's cancelled and throttled EMF metrics over the queue's jobs, 5 minutes at a time", () => {
    // Given a queue of two jobs and a lower cancelled threshold
    const stack = testStack();
    new JobQueue(stack, "Reports", {
      jobs: [job("build-report"), job("send-report")],
      entry: FIXTURE_ENTRY,
      alarms: { cancelledRuns: 3 },
    });
    const template = Template.fromStack(stack);
    // Then each alarm adds one SqsJobs metric per job name
    const byMetric = (name: string) =>
      alarms(template).find((a) =>
        JSON.stringify(a.Properties.Metrics ?? []).includes(`"MetricName":"${name}"`),
      );
    const cancelled = byMetric("cancelled")?.Properties ?? {};
    const throttled = byMetric("throttled")?.Properties ?? {};
    expect([cancelled.Threshold, throttled.Threshold]).toEqual([3, 100]);
    const metrics = cancelled.Metrics as {
      Expression?: string;
      MetricStat?: { Metric: Record<string, unknown>; Period: number };
    }[];
    expect(metrics.find((m) => m.Expression !== undefined)?.Expression).toBe("FILL(m0, 0) + FILL(m1, 0)");
    const stats = metrics.flatMap((m) => (m.MetricStat === undefined ? [] : [m.MetricStat]));
    expect(stats.map((s) => [s.Metric.Namespace, s.Metric.Dimensions, s.Period])).toEqual([
      ["SqsJobs", [{ Name: "jobName", Value: "build-report" }], 300],
      ["SqsJobs", [{ Name: "jobName", Value: "send-report" }], 300],
    ]);
  });

  it("refuses thresholds below 1 and warns when the queue has more jobs than one alarm can read", () => {
    expect(() => synth({ alarms: { cancelledRuns: 0, throttledRuns: 0.5 } })).toThrow(
      /alarms\.cancelledRuns must be an integer between 1 and 1,000,000, but 0 was provided[\s\S]*alarms\.throttledRuns/,
    );
    const stack = testStack();
    new JobQueue(stack, "Many", {
      jobs: Array.from({ length: 11 }, (_, i) => job(`job-${i}`)),
      entry: FIXTURE_ENTRY,
    });
    Annotations.fromStack(stack).hasWarning(
      "*",
      Match.stringLikeRegexp("read the first 10 of the queue's 11 jobs"),
    );
  });
});
