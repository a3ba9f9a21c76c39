import { Duration } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import type * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import { describe, expect, it } from "vitest";
import { JobQueue } from "../../cdk/lib/index.ts";
import { ENV } from "../../src/core/env.ts";
import { FIXTURE_ENTRY, inlineFunction, job, type Resources, testStack } from "./stack.ts";

describe("JobQueue defaults", () => {
  // Given a queue with one job of default settings (timeout 30 s, 5 attempts)
  const stack = testStack();
  const q = new JobQueue(stack, "Reports", { jobs: [job("build-report")], entry: FIXTURE_ENTRY });
  const template = Template.fromStack(stack);

  it("derives the function timeout from the job timeout plus a margin", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Timeout: 40,
      MemorySize: 512,
      Runtime: "nodejs24.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
    });
    expect(q.settings.functionTimeoutSeconds).toBe(40);
  });

  it("derives the visibility timeout as 6 x the function timeout", () => {
    template.hasResourceProperties("AWS::SQS::Queue", { VisibilityTimeout: 240 });
  });

  it("derives maxReceiveCount with headroom for receives that ran no attempt, and keeps the DLQ 14 days", () => {
    // 5 attempts + max(5, 5) receives that may return a record unprocessed
    template.hasResourceProperties("AWS::SQS::Queue", {
      RedrivePolicy: { maxReceiveCount: 10, deadLetterTargetArn: Match.anyValue() },
    });
    template.hasResourceProperties("AWS::SQS::Queue", { MessageRetentionPeriod: 1_209_600 });
  });

  it("encrypts both queues with SQS-managed keys and refuses plain HTTP", () => {
    const queues = Object.values(template.findResources("AWS::SQS::Queue") as Resources);
    expect(queues).toHaveLength(2);
    for (const queue of queues) expect(queue.Properties?.SqsManagedSseEnabled).toBe(true);
    template.resourceCountIs("AWS::SQS::QueuePolicy", 2);
    template.allResourcesProperties("AWS::SQS::QueuePolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Action: "sqs:*",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
  });

  it("always turns on partial batch responses", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: Match.absent(),
      ScalingConfig: Match.absent(),
    });
  });

  it("gives the consumer the queue URL, the DLQ URL and the job names", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          [ENV.queueUrl]: { Ref: Match.stringLikeRegexp("^ReportsQueue") },
          [ENV.dlqUrl]: { Ref: Match.stringLikeRegexp("^ReportsDeadLetterQueue") },
          NODE_OPTIONS: "--enable-source-maps",
        }),
      },
    });
    expect(q.queueUrlEnvVar).toBe("SQS_JOBS_REPORTS_QUEUE_URL");
  });

  it("alarms on any dead-lettered job, on messages older than an hour, on dead jobs near expiry, on cancelled and throttled runs", () => {
    template.resourceCountIs("AWS::CloudWatch::Alarm", 5);
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Metrics: Match.arrayWith([Match.objectLike({ Expression: "visible + inFlight" })]),
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateAgeOfOldestMessage",
      Threshold: 3600,
      Dimensions: [
        {
          Name: "QueueName",
          Value: { "Fn::GetAtt": [Match.stringLikeRegexp("^ReportsQueue"), "QueueName"] },
        },
      ],
    });
    template.resourceCountIs("AWS::CloudWatch::Dashboard", 0);
  });

  it("keeps the consumer's logs a month and describes the queue for tools", () => {
    template.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
    const queues = template.findResources("AWS::SQS::Queue") as Record<
      string,
      { Metadata?: Record<string, unknown> }
    >;
    const described = Object.values(queues).map((r) => r.Metadata?.["sqs-jobs"]);
    expect(described).toContainEqual(
      expect.objectContaining({
        queue: "Reports",
        role: "queue",
        jobs: ["build-report"],
        handler: "handler",
      }),
    );
    expect(described).toContainEqual({ queue: "Reports", role: "dlq" });
  });
});

describe("JobQueue derived values", () => {
  it.each([
    [1, 6],
    [3, 8],
    [5, 10],
    [8, 16],
    [100, 200],
  ])("keeps maxReceiveCount headroom above %i attempts: %i receives", (maxAttempts, expected) => {
    // Receives that run no attempt (behind a failing FIFO record, past Lambda's time cut-off, handed
    // back at shutdown) still count: sqs-jobs must reach maxAttempts real failures before SQS's redrive.
    const stack = testStack();
    const q = new JobQueue(stack, "Q", { jobs: [job("j", 30, maxAttempts)], entry: FIXTURE_ENTRY });
    expect(q.settings.maxReceiveCount).toBe(expected);
  });

  it.each([
    [5, 10, 46],
    [3, 10, 26],
    [5, 1, 10],
  ])(
    "on FIFO, %i attempts with batches of %i keep %i receives: room to be returned behind every failing attempt ahead",
    (maxAttempts, batchSize, expected) => {
      // A FIFO record's attempt is its receive count; it is returned unstarted behind each failing
      // attempt of a record ahead of it in its group (docs/guarantees.md).
      const stack = testStack();
      const q = new JobQueue(stack, "Q", {
        jobs: [job("j", 30, maxAttempts)],
        entry: FIXTURE_ENTRY,
        fifo: true,
        batchSize,
      });
      expect(q.settings.maxReceiveCount).toBe(expected);
    },
  );

  it("warns when an explicit maxReceiveCount leaves less headroom than the default", () => {
    const stack = testStack();
    new JobQueue(stack, "Q", { jobs: [job("j", 30, 5)], entry: FIXTURE_ENTRY, maxReceiveCount: 7 });
    Annotations.fromStack(stack).hasWarning(
      "*",
      Match.stringLikeRegexp("maxReceiveCount of 7 leaves 2 receives"),
    );
  });

  it("uses the longest job timeout and the largest maxAttempts", () => {
    // Given jobs with different policies
    const stack = testStack();
    new JobQueue(stack, "Mixed", {
      jobs: [job("fast", 5, 10), job("slow", 120, 3)],
      entry: FIXTURE_ENTRY,
      maxBatchingWindow: Duration.seconds(20),
    });
    // Then the function fits the slowest job, and visibility adds the batching window
    const template = Template.fromStack(stack);
    template.hasResourceProperties("AWS::Lambda::Function", { Timeout: 130 });
    template.hasResourceProperties("AWS::SQS::Queue", {
      VisibilityTimeout: 6 * 130 + 20,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 20 }),
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ [ENV.queueUrl]: Match.anyValue() }) },
    });
  });

  it("caps the function timeout at 15 minutes and warns that no margin is left", () => {
    const stack = testStack();
    new JobQueue(stack, "Long", { jobs: [job("long", 900)], entry: FIXTURE_ENTRY });
    Template.fromStack(stack).hasResourceProperties("AWS::Lambda::Function", { Timeout: 900 });
    Annotations.fromStack(stack).hasWarning("*", Match.stringLikeRegexp("no margin"));
  });
});

describe("JobQueue options", () => {
  it("sets every option it is given", () => {
    // Given every option
    const stack = testStack();
    const key = new kms.Key(stack, "Key");
    const topic = new sns.Topic(stack, "Alarms");
    const q = new JobQueue(stack, "Tuned", {
      name: "tuned-queue",
      queueName: "tuned",
      jobs: [job("tuned")],
      entry: FIXTURE_ENTRY,
      handler: "main",
      timeout: Duration.seconds(60),
      memorySize: 1024,
      architecture: lambda.Architecture.X86_64,
      runtime: lambda.Runtime.NODEJS_22_X,
      environment: { EXTRA: "1" },
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(5),
      maxConcurrency: 20,
      pollers: { min: 2, max: 50 },
      visibilityTimeout: Duration.seconds(600),
      maxReceiveCount: 9,
      retentionPeriod: Duration.days(7),
      encryptionKey: key,
      alarms: { dlqDepthThreshold: 5, ageOfOldestMessage: Duration.minutes(10), topic },
      dashboard: true,
    });
    const template = Template.fromStack(stack);
    // Then the template carries each of them
    template.hasResourceProperties("AWS::Lambda::Function", {
      Timeout: 60,
      MemorySize: 1024,
      Runtime: "nodejs22.x",
      Architectures: ["x86_64"],
      Handler: "index.main",
      Environment: { Variables: Match.objectLike({ EXTRA: "1" }) },
    });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 20 },
      ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 50 },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    template.hasResourceProperties("AWS::SQS::Queue", {
      QueueName: "tuned",
      VisibilityTimeout: 600,
      MessageRetentionPeriod: 7 * 86_400,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 9 }),
      KmsMasterKeyId: { "Fn::GetAtt": [Match.stringLikeRegexp("^Key"), "Arn"] },
    });
    template.hasResourceProperties("AWS::SQS::Queue", {
      MessageRetentionPeriod: 1_209_600,
      KmsMasterKeyId: Match.anyValue(),
    });
    const topicRef = { Ref: Match.stringLikeRegexp("^Alarms") };
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: "visible + inFlight" })]),
      Threshold: 5,
      AlarmActions: [topicRef],
      OKActions: [topicRef],
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateAgeOfOldestMessage",
      Threshold: 600,
      AlarmActions: [topicRef],
    });
    template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    expect(q.queueUrlEnvVar).toBe("SQS_JOBS_TUNED_QUEUE_QUEUE_URL");
  });

  it("makes a FIFO queue with a FIFO DLQ and content-based deduplication", () => {
    const stack = testStack();
    new JobQueue(stack, "Email", {
      jobs: [job("send-email")],
      entry: FIXTURE_ENTRY,
      fifo: true,
      contentBasedDeduplication: true,
      queueName: "email",
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties("AWS::SQS::Queue", {
      QueueName: "email.fifo",
      FifoQueue: true,
      ContentBasedDeduplication: true,
    });
    const queues = Object.values(template.findResources("AWS::SQS::Queue") as Resources);
    expect(queues.map((r) => r.Properties?.FifoQueue)).toEqual([true, true]);
  });

  it("can leave out the alarms", () => {
    const stack = testStack();
    new JobQueue(stack, "Quiet", { jobs: [job("quiet")], entry: FIXTURE_ENTRY, alarms: { enabled: false } });
    Template.fromStack(stack).resourceCountIs("AWS::CloudWatch::Alarm", 0);
  });
});

describe("JobQueue with an existing function", () => {
  it("reads the function's timeout and sets the variables on it", () => {
    // Given a function with a 2-minute timeout
    const stack = testStack();
    const fn = inlineFunction(stack, "ExistingFn", Duration.minutes(2));
    new JobQueue(stack, "Existing", { jobs: [job("existing", 60)], consumer: fn });
    // Then visibility is derived from it and no other function is created
    const template = Template.fromStack(stack);
    template.resourceCountIs("AWS::Lambda::Function", 1);
    template.hasResourceProperties("AWS::SQS::Queue", { VisibilityTimeout: 720 });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ [ENV.queueUrl]: Match.anyValue() }) },
    });
  });

  it("warns when an explicit visibility timeout is below 6 x the function timeout", () => {
    const stack = testStack();
    const fn = inlineFunction(stack, "Fn", Duration.seconds(60));
    new JobQueue(stack, "Tight", {
      jobs: [job("tight")],
      consumer: fn,
      visibilityTimeout: Duration.seconds(90),
    });
    Annotations.fromStack(stack).hasWarning("*", Match.stringLikeRegexp("recommended 6 × function timeout"));
  });

  it("accepts an imported function given a visibility timeout, and says which variables to set", () => {
    const stack = testStack();
    const fn = lambda.Function.fromFunctionArn(
      stack,
      "ImportedFn",
      "arn:aws:lambda:us-east-1:123456789012:function:f",
    );
    new JobQueue(stack, "Imported", {
      jobs: [job("imported")],
      consumer: fn,
      visibilityTimeout: Duration.minutes(6),
    });
    Template.fromStack(stack).hasResourceProperties("AWS::SQS::Queue", { VisibilityTimeout: 360 });
    Annotations.fromStack(stack).hasWarning("*", Match.stringLikeRegexp("SQS_JOBS_QUEUE_URL"));
  });
});

describe("JobQueue metrics", () => {
  it("exposes the queue's and the DLQ's metrics for alarms and dashboards of your own", () => {
    // Given a queue
    const stack = testStack();
    const q = new JobQueue(stack, "Metrics", { jobs: [job("m")], entry: FIXTURE_ENTRY });
    // Then each helper names its SQS metric, on the right queue, at its maximum
    expect(q.metricVisibleMessages().metricName).toBe("ApproximateNumberOfMessagesVisible");
    expect(q.metricInFlightMessages().metricName).toBe("ApproximateNumberOfMessagesNotVisible");
    expect(q.metricAgeOfOldestMessage().metricName).toBe("ApproximateAgeOfOldestMessage");
    expect(q.metricDlqDepth().expression).toBe("visible + inFlight");
    expect(
      Object.values(q.metricDlqDepth().usingMetrics).map((m) => (m as cloudwatch.Metric).dimensions),
    ).toEqual([{ QueueName: q.deadLetterQueue.queueName }, { QueueName: q.deadLetterQueue.queueName }]);
    expect(q.metricDlqAgeOfOldestMessage().dimensions).toEqual({ QueueName: q.deadLetterQueue.queueName });
    expect(q.metricVisibleMessages().statistic).toBe("Maximum");
    expect(q.metricDlqDepth({ period: Duration.minutes(5) }).period.toMinutes()).toBe(5);
    expect(q.dashboardWidgets()).toHaveLength(4);
  });
});
