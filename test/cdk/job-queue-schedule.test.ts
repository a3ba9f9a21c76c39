import { Duration } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { z } from "zod/mini";
import { JobLedger, JobQueue, JobQueueConfigError } from "../../cdk/lib/index.ts";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import { defineJob } from "../../src/index.ts";
import { FIXTURE_ENTRY, grantsOf, inlineFunction, type Resources, testStack } from "./stack.ts";

const buildReport = defineJob({
  name: "build-report",
  schema: z.object({ inputKey: z.string(), pages: z.optional(z.number()) }),
});
const sendEmail = defineJob({
  name: "send-email",
  schema: z.object({ to: z.string(), subject: z.string() }),
  fifo: { groupId: (p) => `to:${p.to}` },
});

function reportsQueue(options: { ledger?: boolean; encryptionKey?: boolean } = {}) {
  const stack = testStack();
  const ledger = options.ledger === false ? undefined : new JobLedger(stack, "Ledger");
  const encryptionKey =
    options.encryptionKey === true ? new kms.Key(stack, "Key", { enableKeyRotation: true }) : undefined;
  const queue = new JobQueue(stack, "Reports", {
    name: "reports",
    jobs: [buildReport],
    entry: FIXTURE_ENTRY,
    ledger,
    encryptionKey,
  });
  return { stack, queue };
}

function emailQueue(props: { contentBasedDeduplication?: boolean } = {}) {
  const stack = testStack();
  const queue = new JobQueue(stack, "Email", {
    name: "email",
    jobs: [sendEmail],
    entry: FIXTURE_ENTRY,
    fifo: true,
    ledger: new JobLedger(stack, "Ledger"),
    ...props,
  });
  return { stack, queue };
}

const nightly = {
  job: buildReport,
  payload: { inputKey: "inputs/sample.txt" },
  cron: "0 3 * * ? *",
  timezone: "Europe/Berlin",
};

interface ScheduleProperties {
  readonly ScheduleExpression: string;
  readonly GroupName: unknown;
  readonly Target: {
    readonly Arn: unknown;
    readonly Input: string;
    readonly RoleArn: unknown;
    readonly DeadLetterConfig: unknown;
    readonly RetryPolicy: unknown;
    readonly SqsParameters?: unknown;
  };
}

type WithMetadata = Record<string, { Metadata?: Record<string, Record<string, unknown>> }>;

/** The only schedule of a template, its properties. */
function theSchedule(template: Template): ScheduleProperties {
  const schedules = Object.values(template.findResources("AWS::Scheduler::Schedule") as Resources);
  expect(schedules).toHaveLength(1);
  return schedules[0]?.Properties as unknown as ScheduleProperties;
}

describe("JobQueue.schedule", () => {
  // Given a queue with a ledger and a nightly report in Berlin time
  const { stack, queue } = reportsQueue();
  queue.schedule("NightlyReport", nightly);
  const template = Template.fromStack(stack);
  const schedule = theSchedule(template);
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);

  it("fires at AWS's cron expression in the given time zone, on time (no flexible window)", () => {
    expect(schedule).toMatchObject({
      ScheduleExpression: "cron(0 3 * * ? *)",
      ScheduleExpressionTimezone: "Europe/Berlin",
      FlexibleTimeWindow: { Mode: "OFF" },
      State: "ENABLED",
      Description: 'sqs-jobs: job "build-report" on queue "reports"',
    });
  });

  it("targets the queue with the job's envelope, each run its own job with Scheduler's id and time", () => {
    expect(schedule.Target.Arn).toEqual({ "Fn::GetAtt": [logicalId(queue.queue), "Arn"] });
    const input: string = schedule.Target.Input;
    expect(input).toContain('"id":"<aws.scheduler.execution-id>"');
    expect(input).toContain('"enqueuedAt":"<aws.scheduler.scheduled-time>"');
    // What the consumer decodes once Scheduler has filled them in
    const body = input
      .replace("<aws.scheduler.execution-id>", "d32c5kddcf5bb8c3")
      .replace("<aws.scheduler.scheduled-time>", "2026-12-01T02:00:00Z");
    expect(decodeEnvelope(body)).toEqual({
      sqsJobs: 1,
      job: "build-report",
      id: "d32c5kddcf5bb8c3",
      enqueuedAt: "2026-12-01T02:00:00Z",
      schedule: { name: "NightlyReport", overlap: "skip" },
      payload: { inputKey: "inputs/sample.txt" },
    });
  });

  it("sends with a role of its own that may only send to this queue and the schedules' DLQ", () => {
    expect(grantsOf(template, "ReportsSchedulerRole")).toEqual([
      { actions: ["sqs:SendMessage"], resource: logicalId(queue.queue) },
      { actions: ["sqs:SendMessage"], resource: logicalId(queue.schedulerDeadLetterQueue as never) },
    ]);
    expect(schedule.Target.RoleArn).toEqual({
      "Fn::GetAtt": [logicalId(queue.schedulerRole as never), "Arn"],
    });
  });

  it("lets only EventBridge Scheduler, on behalf of this account, assume the role", () => {
    template.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: "sts:AssumeRole",
            Effect: "Allow",
            Principal: { Service: "scheduler.amazonaws.com" },
            Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
          },
        ],
      },
      Description: 'EventBridge Scheduler sends the jobs of queue "reports"',
    });
  });

  it("puts runs it could not send in a standard, encrypted, TLS-only DLQ kept 14 days, after a documented retry policy", () => {
    const dlq = logicalId(queue.schedulerDeadLetterQueue as never);
    expect(schedule.Target.DeadLetterConfig).toEqual({ Arn: { "Fn::GetAtt": [dlq, "Arn"] } });
    expect(schedule.Target.RetryPolicy).toEqual({
      MaximumEventAgeInSeconds: 86_400,
      MaximumRetryAttempts: 185,
    });
    const queues = template.findResources("AWS::SQS::Queue") as Resources;
    expect(queues[dlq]?.Properties).toEqual({
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [{ Ref: dlq }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ],
      },
    });
  });

  it("alarms on that DLQ like on the queue's own, notifying the same topic", () => {
    expect(queue.schedulerDlqDepthAlarm).toBeDefined();
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmDescription: Match.stringLikeRegexp(
        'EventBridge Scheduler could not send jobs to queue "reports"',
      ),
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp("^ReportsAlarmTopic") }],
      OKActions: [{ Ref: Match.stringLikeRegexp("^ReportsAlarmTopic") }],
    });
  });

  it("keeps periodic schedules in a group of their own, removed with the stack", () => {
    template.resourceCountIs("AWS::Scheduler::ScheduleGroup", 1);
    const groups = Object.values(template.findResources("AWS::Scheduler::ScheduleGroup") as Resources);
    expect(groups[0]).toMatchObject({ DeletionPolicy: "Delete" });
    expect(schedule.GroupName).toEqual(groups[0]?.Properties?.Name);
  });

  it("describes each schedule in the queue's metadata, for sqs-jobs dev and the CLI", () => {
    const queues = template.findResources("AWS::SQS::Queue") as WithMetadata;
    expect(queues[logicalId(queue.queue)]?.Metadata?.["sqs-jobs"]?.schedules).toEqual([
      {
        name: "NightlyReport",
        job: "build-report",
        expression: "cron(0 3 * * ? *)",
        timezone: "Europe/Berlin",
        overlap: "skip",
        enabled: true,
        logicalId: expect.stringMatching(/^ReportsScheduleNightlyReport/),
      },
    ]);
    const schedules = template.findResources("AWS::Scheduler::Schedule") as WithMetadata;
    expect(Object.values(schedules)[0]?.Metadata).toEqual({
      "sqs-jobs": {
        queue: "reports",
        role: "schedule",
        schedule: "NightlyReport",
        job: "build-report",
        overlap: "skip",
      },
    });
  });

  it("passes cdk-nag AwsSolutions, with only the Scheduler DLQ's SQS3 acknowledged", () => {
    const report = new AwsSolutionsChecks(stack.node.root).validateScope(stack);
    expect(report.violations).toEqual([]);
  });
});

describe("JobQueue.schedule options", () => {
  it.each([
    [Duration.minutes(5), "rate(5 minutes)"],
    [Duration.minutes(1), "rate(1 minute)"],
    [Duration.hours(1), "rate(1 hour)"],
    [Duration.minutes(90), "rate(90 minutes)"],
    [Duration.days(1), "rate(1 day)"],
    [Duration.hours(48), "rate(2 days)"],
  ])("writes a rate of %s as %s", (rate, expression) => {
    const { stack, queue } = reportsQueue();
    queue.schedule("Often", { job: buildReport, payload: { inputKey: "k" }, rate, overlap: "allow" });
    expect(theSchedule(Template.fromStack(stack)).ScheduleExpression).toBe(expression);
  });

  it("reads cron in UTC by default, and takes a description, a disabled state and a retry policy", () => {
    const { stack, queue } = reportsQueue();
    queue.schedule("Weekly", {
      job: buildReport,
      payload: { inputKey: "k" },
      cron: "0 6 ? * MON *",
      description: "Monday report",
      enabled: false,
      maxEventAge: Duration.hours(1),
      retryAttempts: 10,
    });
    expect(theSchedule(Template.fromStack(stack))).toMatchObject({
      ScheduleExpressionTimezone: "UTC",
      Description: "Monday report",
      State: "DISABLED",
      Target: { RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 10 } },
    });
  });

  it("makes one role, one DLQ, one alarm and one group per queue, however many schedules", () => {
    const { stack, queue } = reportsQueue();
    queue.schedule("A", nightly);
    queue.schedule("B", { ...nightly, cron: "0 4 * * ? *" });
    const template = Template.fromStack(stack);
    template.resourceCountIs("AWS::Scheduler::Schedule", 2);
    template.resourceCountIs("AWS::Scheduler::ScheduleGroup", 1);
    template.resourceCountIs("AWS::SQS::Queue", 3);
    expect(
      Object.keys(
        template.findResources("AWS::IAM::Role", {
          Properties: { Description: Match.stringLikeRegexp("Scheduler") },
        }),
      ),
    ).toHaveLength(1);
  });

  it("gives the role exactly the key actions a send needs when the queue has a customer-managed key", () => {
    const { stack, queue } = reportsQueue({ encryptionKey: true });
    queue.schedule("NightlyReport", nightly);
    const grants = grantsOf(Template.fromStack(stack), "ReportsSchedulerRole");
    expect(grants).toContainEqual({
      actions: ["kms:Decrypt", "kms:GenerateDataKey"],
      resource: stack.getLogicalId(queue.encryptionKey?.node.defaultChild as never),
    });
    expect(grants.flatMap((g) => g.actions).filter((a) => a.includes("*"))).toEqual([]);
  });
});

describe("JobQueue.schedule on a FIFO queue", () => {
  it("turns on content-based deduplication and sends in the job's message group for the payload", () => {
    const { stack, queue } = emailQueue();
    queue.schedule("Digest", {
      job: sendEmail,
      payload: { to: "ops@example.com", subject: "digest" },
      cron: "0 8 * * ? *",
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties("AWS::SQS::Queue", {
      FifoQueue: true,
      ContentBasedDeduplication: true,
      RedrivePolicy: Match.anyValue(),
    });
    expect(theSchedule(template).Target.SqsParameters).toEqual({ MessageGroupId: "to:ops@example.com" });
    // Scheduler takes no FIFO queue as its DLQ
    const dlq = stack.getLogicalId(queue.schedulerDeadLetterQueue?.node.defaultChild as never);
    expect(
      (template.findResources("AWS::SQS::Queue") as Resources)[dlq]?.Properties?.FifoQueue,
    ).toBeUndefined();
  });

  it("takes a message group as an option", () => {
    const { stack, queue } = emailQueue();
    queue.schedule("Digest", {
      job: sendEmail,
      payload: { to: "a@example.com", subject: "s" },
      cron: "0 8 * * ? *",
      groupId: "digests",
    });
    expect(theSchedule(Template.fromStack(stack)).Target.SqsParameters).toEqual({
      MessageGroupId: "digests",
    });
  });

  it("warns when it overrides contentBasedDeduplication: false", () => {
    const { stack, queue } = emailQueue({ contentBasedDeduplication: false });
    queue.schedule("Digest", {
      job: sendEmail,
      payload: { to: "a@example.com", subject: "s" },
      cron: "0 8 * * ? *",
    });
    Template.fromStack(stack).hasResourceProperties("AWS::SQS::Queue", {
      ContentBasedDeduplication: true,
      RedrivePolicy: Match.anyValue(),
    });
    Annotations.fromStack(stack).hasWarning(
      "/Test/Email",
      Match.stringLikeRegexp("contentBasedDeduplication: false was overridden"),
    );
  });

  it("deduplicates by content on a FIFO queue a producer may schedule jobs for (grantScheduleJobs, no periodic schedule)", () => {
    // Given a FIFO queue whose producer sends jobs for later (one-time schedules)
    const { stack, queue } = emailQueue();
    queue.grantScheduleJobs(inlineFunction(stack, "Producer"));
    // Then Scheduler's sends, which carry no deduplication id, are accepted
    Template.fromStack(stack).hasResourceProperties("AWS::SQS::Queue", {
      FifoQueue: true,
      ContentBasedDeduplication: true,
      RedrivePolicy: Match.anyValue(),
    });
  });

  it("leaves a queue without schedules as it was", () => {
    const { stack } = emailQueue();
    Template.fromStack(stack).hasResourceProperties("AWS::SQS::Queue", {
      FifoQueue: true,
      ContentBasedDeduplication: false,
      RedrivePolicy: Match.anyValue(),
    });
  });
});

describe("JobQueue.schedule refuses at synth time", () => {
  function problemsOf(act: () => void): readonly string[] {
    try {
      act();
    } catch (error) {
      expect(error).toBeInstanceOf(JobQueueConfigError);
      return (error as JobQueueConfigError).problems;
    }
    throw new Error("no error thrown");
  }

  it('overlap "skip" (the default) on a queue without a ledger, saying how to fix it', () => {
    const { queue } = reportsQueue({ ledger: false });
    expect(problemsOf(() => queue.schedule("NightlyReport", nightly))).toEqual([
      expect.stringMatching(
        /overlap "skip" \(the default\) needs the job ledger.*pass a JobLedger as the queue's ledger, or overlap: "allow"/,
      ),
    ]);
    // and takes "allow" there
    queue.schedule("NightlyReport", { ...nightly, overlap: "allow" });
  });

  it("a payload the job's schema refuses, naming each field, never the value", () => {
    const { queue } = reportsQueue();
    const problems = problemsOf(() =>
      queue.schedule("NightlyReport", {
        ...nightly,
        payload: { inputKey: 42, pages: "secret-value" } as never,
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/payload does not match job "build-report"'s schema: inputKey: .*; pages: /),
    ]);
    expect(problems.join()).not.toContain("secret-value");
  });

  it("every problem at once", () => {
    const { queue } = reportsQueue({ ledger: false });
    const other = defineJob({ name: "other", schema: z.object({}) });
    const problems = problemsOf(() =>
      queue.schedule("bad name!", {
        job: other,
        payload: { x: Number.NaN } as never,
        cron: "0 3 * * *",
        timezone: "Mars/Olympus",
        maxEventAge: Duration.seconds(30),
        retryAttempts: 200,
        groupId: "g",
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/schedule's id.*"bad name!"/),
      expect.stringMatching(/job "other" is not one of queue "reports"'s jobs \(build-report\)/),
      expect.stringMatching(/overlap "skip"/),
      expect.stringMatching(/AWS's six fields.*5 were provided/),
      expect.stringMatching(/IANA time zone.*"Mars\/Olympus"/),
      expect.stringMatching(/maxEventAge .* 30 was provided/),
      expect.stringMatching(/retryAttempts .* 200 was provided/),
      expect.stringMatching(/payload cannot be sent as JSON: x: is NaN/),
      expect.stringMatching(/groupId applies to FIFO queues only/),
    ]);
  });

  it.each([
    [
      "both cron and rate",
      { cron: "0 3 * * ? *", rate: Duration.hours(1) },
      /exactly one of cron.*both were/,
    ],
    ["neither cron nor rate", {}, /exactly one of cron.*neither was/],
    ["a cron() wrapper", { cron: "cron(0 3 * * ? *)" }, /without "cron\(\.\.\.\)"/],
    ["no ? in the day fields", { cron: "0 3 * * * *" }, /"\?" in exactly one of day-of-month/],
    ["? in both day fields", { cron: "0 3 ? * ? *" }, /"\?" in exactly one of day-of-month/],
    ["a stray character", { cron: "0 3 * * ? *;" }, /cron fields may hold/],
    ["a rate in seconds", { rate: Duration.seconds(90) }, /whole number of minutes.*90 seconds/],
    [
      "a timezone with a rate",
      { rate: Duration.hours(1), timezone: "Europe/Berlin" },
      /timezone applies to cron schedules only/,
    ],
  ])("%s", (_, when, message) => {
    const { queue } = reportsQueue();
    const options = { job: buildReport, payload: { inputKey: "k" }, overlap: "allow" as const, ...when };
    expect(problemsOf(() => queue.schedule("S", options)).join("\n")).toMatch(message);
  });

  it("a payload too large for SQS", () => {
    const { queue } = reportsQueue();
    const problems = problemsOf(() =>
      queue.schedule("Big", { ...nightly, payload: { inputKey: "x".repeat(1_048_576) } }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/would be 1,048,[0-9]{3} bytes, but SQS accepts at most 1,048,576/),
    ]);
  });

  it("a payload that fits SQS but leaves no room for a dead-letter reason", () => {
    // Given the payload length that makes each run's message 10 bytes short of SQS's 1 MiB
    const { queue } = reportsQueue();
    const [tooLarge] = problemsOf(() =>
      queue.schedule("Big", { ...nightly, payload: { inputKey: "x".repeat(1_048_576) } }),
    );
    const bytes = Number(/would be ([0-9,]+) bytes/.exec(tooLarge ?? "")?.[1]?.replaceAll(",", ""));
    const length = 1_048_576 - (bytes - 1_048_576) - 10;
    // When it is scheduled
    const problems = problemsOf(() =>
      queue.schedule("Big", { ...nightly, payload: { inputKey: "x".repeat(length) } }),
    );
    // Then it is refused: its dead-letter copy could not carry its reason
    expect(problems).toEqual([expect.stringMatching(/would be 1,048,566 bytes.*dead-letter reason/)]);
  });

  it("a second schedule of the same name", () => {
    const { queue } = reportsQueue();
    queue.schedule("NightlyReport", nightly);
    expect(problemsOf(() => queue.schedule("NightlyReport", nightly))).toEqual([
      expect.stringMatching(/already has a schedule named "NightlyReport"/),
    ]);
  });

  it("a FIFO schedule without a message group", () => {
    const plain = defineJob({ name: "plain", schema: z.object({}) });
    const stack = testStack();
    const queue = new JobQueue(stack, "Q", {
      jobs: [plain],
      entry: FIXTURE_ENTRY,
      fifo: true,
      ledger: new JobLedger(stack, "L"),
    });
    expect(problemsOf(() => queue.schedule("S", { job: plain, payload: {}, cron: "0 3 * * ? *" }))).toEqual([
      expect.stringMatching(
        /FIFO queue needs a message group: pass groupId, or define fifo.groupId on job "plain"/,
      ),
    ]);
  });

  it("but only warns on a schema that validates asynchronously, saying how to check it", () => {
    const asyncJob = defineJob({
      name: "async-job",
      schema: {
        "~standard": { version: 1, vendor: "test", validate: async (value: unknown) => ({ value }) },
      },
    });
    const stack = testStack();
    const queue = new JobQueue(stack, "Q", {
      jobs: [asyncJob],
      entry: FIXTURE_ENTRY,
      ledger: new JobLedger(stack, "L"),
    });
    queue.schedule("S", { job: asyncJob, payload: {}, cron: "0 3 * * ? *" });
    Annotations.fromStack(stack).hasWarning(
      "/Test/Q",
      Match.stringLikeRegexp("validates asynchronously.*~standard.*validate"),
    );
  });
});

describe("JobQueue.grantScheduleJobs", () => {
  // Given a queue whose producer sends jobs for later
  const { stack, queue } = reportsQueue();
  const producer = inlineFunction(stack, "Producer");
  queue.grantScheduleJobs(producer);
  const template = Template.fromStack(stack);
  const role = stack.getLogicalId(queue.schedulerRole?.node.defaultChild as never);

  it("lets it create, read and delete one-time sqs-jobs-* schedules of the default group, pass the role to Scheduler only, and send", () => {
    const policies = Object.values(template.findResources("AWS::IAM::Policy") as Resources);
    const policy = policies.find((p) => JSON.stringify(p.Properties?.Roles).includes('"ProducerServiceRole'));
    const statements =
      (policy?.Properties?.PolicyDocument as { Statement: { Action: unknown }[] } | undefined)?.Statement ??
      [];
    expect(statements.slice(0, 3)).toEqual([
      {
        Action: ["scheduler:CreateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"],
        Effect: "Allow",
        Resource: {
          "Fn::Join": [
            "",
            [
              "arn:",
              { Ref: "AWS::Partition" },
              ":scheduler:",
              { Ref: "AWS::Region" },
              ":",
              { Ref: "AWS::AccountId" },
              ":schedule/default/sqs-jobs-*",
            ],
          ],
        },
      },
      {
        Action: "iam:PassRole",
        Condition: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
        Effect: "Allow",
        Resource: { "Fn::GetAtt": [role, "Arn"] },
      },
      {
        Action: "sqs:SendMessage",
        Effect: "Allow",
        Resource: { "Fn::GetAtt": [stack.getLogicalId(queue.queue.node.defaultChild as never), "Arn"] },
      },
    ]);
    // the rest is the ledger's producer rights, as grantSendJobs gives them
    const rest = statements.slice(3);
    expect(JSON.stringify(rest.map((s) => s.Action))).toMatch(/^\[\["dynamodb:/);
  });

  it("tells it the role, the schedules' DLQ and the queue URL", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Handler: "index.handler",
      Environment: {
        Variables: {
          SQS_JOBS_REPORTS_SCHEDULER_ROLE_ARN: { "Fn::GetAtt": [role, "Arn"] },
          SQS_JOBS_REPORTS_SCHEDULER_DLQ_ARN: {
            "Fn::GetAtt": [
              stack.getLogicalId(queue.schedulerDeadLetterQueue?.node.defaultChild as never),
              "Arn",
            ],
          },
          SQS_JOBS_REPORTS_QUEUE_URL: Match.anyValue(),
          SQS_JOBS_LEDGER_TABLE: Match.anyValue(),
          SQS_JOBS_LEDGER_RETENTION_DAYS: Match.anyValue(),
        },
      },
    });
  });

  it("makes the role and DLQ without any periodic schedule, and no schedule group", () => {
    template.resourceCountIs("AWS::Scheduler::Schedule", 0);
    template.resourceCountIs("AWS::Scheduler::ScheduleGroup", 0);
    expect(queue.schedulerRole).toBeDefined();
  });

  it("leaves cdk-nag only the test function's managed policy, the schedule-name wildcard acknowledged with its reason", () => {
    const other = testStack();
    const q = new JobQueue(other, "Reports", {
      name: "reports",
      jobs: [buildReport],
      entry: FIXTURE_ENTRY,
      ledger: new JobLedger(other, "L"),
    });
    const grantee = new iam.Role(other, "Api", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
    });
    q.grantScheduleJobs(grantee);
    expect(new AwsSolutionsChecks(other.node.root).validateScope(other).violations).toEqual([]);
  });
});
