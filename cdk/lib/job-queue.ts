import * as path from "node:path";
import { Annotations, Duration, Lazy, Stack, TimeZone, Validations } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import type * as sns from "aws-cdk-lib/aws-sns";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  ENV,
  functionNameEnvVar,
  payloadBucketEnvVar,
  schedulerDlqArnEnvVar,
  schedulerRoleArnEnvVar,
} from "../../src/core/env.ts";
import type { JobDefinition } from "../../src/core/job.ts";
import { createAlarmTopic } from "./alarm-topic.ts";
import { esbuildFound, sqsJobsBundling, sqsJobsBundlingEnvironment } from "./bundling.ts";
import type { JobLedger } from "./job-ledger.ts";
import { JobQueueConfigError } from "./job-queue-error.ts";
import type { JobQueueProps } from "./job-queue-props.ts";
import type { JobScheduleOptions } from "./job-schedule-props.ts";
import { type JobScheduleSettings, resolveSchedule } from "./job-schedule-settings.ts";
import { nagText } from "./nag-text.ts";
import { PayloadBucket } from "./payload-bucket.ts";
import { ScheduleDelivery } from "./schedule-delivery.ts";
import {
  type ConsumerKind,
  DLQ_RETENTION_SECONDS,
  type JobQueueSettings,
  resolveSettings,
} from "./settings.ts";

/**
 * The name prefix of the one-time schedules the runtime creates for `send(..., { at })`, which
 * `grantScheduleJobs` lets producers create and delete; it must match the runtime's.
 */
const ONE_TIME_SCHEDULE_PREFIX = "sqs-jobs-";

/** What the construct leaves in the queue's metadata about each periodic schedule. */
interface ScheduleForTools {
  readonly name: string;
  readonly job: string;
  readonly expression: string;
  readonly timezone: string;
  readonly overlap: string;
  readonly enabled: boolean;
  readonly logicalId: string;
}

/**
 * A job queue: an encrypted, TLS-only SQS queue, its dead-letter queue, a consumer Lambda function
 * with partial batch responses, least-privilege permissions and alarms. Settings are derived from the
 * jobs it carries (function timeout, visibility timeout, redrive count); invalid combinations fail at
 * synth time with every problem listed.
 *
 * @example
 * const reports = new JobQueue(this, "Reports", {
 *   name: "reports",
 *   jobs: [buildReport],
 *   entry: "handlers/build-report.ts",
 * });
 * reports.grantSendJobs(apiFunction); // sets SQS_JOBS_REPORTS_QUEUE_URL on apiFunction
 */
export class JobQueue extends Construct {
  /** The queue jobs are sent to. */
  readonly queue: sqs.Queue;
  /** Where failed jobs end up: by sqs-jobs with a reason, or by SQS's redrive policy after crashes. */
  readonly deadLetterQueue: sqs.Queue;
  /** The function that handles the jobs. */
  readonly consumer: lambda.IFunction;
  /** The event source mapping from the queue to the consumer (ReportBatchItemFailures on). */
  readonly eventSourceMapping: lambda.EventSourceMapping;
  /** Every setting in effect, derived or given. */
  readonly settings: JobQueueSettings;
  /** The variable `grantSendJobs` sets on producers, e.g. `SQS_JOBS_REPORTS_QUEUE_URL`. */
  readonly queueUrlEnvVar: string;
  /** The customer-managed key, when one was given. */
  readonly encryptionKey: kms.IKey | undefined;
  /** The job ledger its jobs are recorded in, when one was given. */
  readonly ledger: JobLedger | undefined;
  /** The bucket large payloads go through, with `payloads` (docs/payloads.md). */
  readonly payloadBucket: s3.IBucket | undefined;
  readonly #payloads: PayloadBucket | undefined;
  /** Fires when the dead-letter queue holds messages (visible or in flight). */
  readonly dlqDepthAlarm: cloudwatch.Alarm | undefined;
  /** Fires when a dead job nears the end of the dead-letter queue's retention. */
  readonly dlqExpiryAlarm: cloudwatch.Alarm | undefined;
  /** The topic the alarms notify: the one given, a new one by default, none with `alarms.topic: false`. */
  readonly alarmTopic: sns.ITopic | undefined;
  /** Fires when the oldest message waits too long. */
  readonly ageOfOldestMessageAlarm: cloudwatch.Alarm | undefined;
  /** The dashboard, when `dashboard` is set. */
  readonly dashboard: cloudwatch.Dashboard | undefined;
  /** Fires when EventBridge Scheduler could not deliver a scheduled job (created with the first schedule or grant). */
  schedulerDlqDepthAlarm: cloudwatch.Alarm | undefined;
  readonly #props: JobQueueProps;
  #scheduleDelivery: ScheduleDelivery | undefined;
  readonly #schedules: ScheduleForTools[] = [];

  constructor(scope: Construct, id: string, props: JobQueueProps) {
    super(scope, id);
    const resolved = resolveSettings(id, props, consumerKind(props));
    if (resolved.problems.length > 0) throw new JobQueueConfigError(this.node.path, resolved.problems);
    for (const warning of resolved.warnings) Annotations.of(this).addWarningV2("sqs-jobs:settings", warning);
    const s = resolved.settings;
    this.settings = s;
    this.queueUrlEnvVar = s.queueUrlEnvVar;
    this.encryptionKey = props.encryptionKey;
    this.ledger = props.ledger;
    this.#props = props;

    const encryption =
      props.encryptionKey === undefined
        ? { encryption: sqs.QueueEncryption.SQS_MANAGED }
        : { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey };
    this.deadLetterQueue = new sqs.Queue(this, "DeadLetterQueue", {
      ...encryption,
      enforceSSL: true,
      // The longest SQS allows: time to read the reasons and redrive.
      retentionPeriod: Duration.seconds(DLQ_RETENTION_SECONDS),
      ...(s.fifo ? { fifo: true } : {}),
    });
    this.queue = new sqs.Queue(this, "Queue", {
      ...encryption,
      enforceSSL: true,
      queueName: fifoName(props.queueName, s.fifo),
      visibilityTimeout: Duration.seconds(s.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(s.retentionSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: s.maxReceiveCount },
      ...(s.fifo ? { fifo: true, contentBasedDeduplication: props.contentBasedDeduplication ?? false } : {}),
    });

    this.#payloads =
      props.payloads === undefined
        ? undefined
        : new PayloadBucket(this, "Payloads", {
            given: props.payloads.bucket,
            retentionSeconds: s.retentionSeconds,
            dlqRetentionSeconds: DLQ_RETENTION_SECONDS,
          });
    this.payloadBucket = this.#payloads?.bucket;
    this.consumer = props.consumer ?? this.#createFunction(props, s);
    const environment: Record<string, string> = {
      [ENV.queueUrl]: this.queue.queueUrl,
      [ENV.dlqUrl]: this.deadLetterQueue.queueUrl,
      ...this.ledger?.environment,
      // Where results too large for the ledger go (docs/payloads.md).
      ...(this.payloadBucket === undefined ? {} : { [payloadBucketEnvVar()]: this.payloadBucket.bucketName }),
    };
    if (this.consumer instanceof lambda.Function) {
      for (const [key, value] of Object.entries(environment)) this.consumer.addEnvironment(key, value);
    } else {
      Annotations.of(this).addWarningV2(
        "sqs-jobs:consumer-environment",
        `the imported consumer needs ${Object.keys(environment).join(", ")} set by hand`,
      );
    }
    this.#grantConsume(this.consumer);

    // Not SqsEventSource: it grants sqs:GetQueueUrl as well and leaves partial batch responses off.
    this.eventSourceMapping = this.consumer.addEventSourceMapping("EventSource", {
      eventSourceArn: this.queue.queueArn,
      batchSize: s.batchSize,
      maxBatchingWindow: s.batchingWindowSeconds > 0 ? Duration.seconds(s.batchingWindowSeconds) : undefined,
      maxConcurrency: s.maxConcurrency,
      reportBatchItemFailures: true,
    });
    this.#describeForTools(props);

    const alarms = props.alarms ?? {};
    if (alarms.enabled ?? true) {
      this.dlqDepthAlarm = this.metricDlqDepth().createAlarm(this, "DlqDepthAlarm", {
        alarmDescription: `Jobs of queue "${s.name}" were dead-lettered: read their reasons with \`sqs-jobs dlq peek\`, fix, then redrive.`,
        threshold: s.dlqDepthThreshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.dlqExpiryAlarm = this.metricDlqAgeOfOldestMessage().createAlarm(this, "DlqExpiryAlarm", {
        alarmDescription: `Dead jobs of queue "${s.name}" are near the end of the dead-letter queue's 14-day retention, after which SQS deletes them for good: redrive them or keep a copy (\`sqs-jobs dlq export\`).`,
        threshold: s.dlqAgeOfOldestMessageSeconds,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.ageOfOldestMessageAlarm = this.metricAgeOfOldestMessage().createAlarm(
        this,
        "AgeOfOldestMessageAlarm",
        {
          alarmDescription: `Jobs of queue "${s.name}" wait too long: the consumer is failing, throttled or too slow.`,
          threshold: s.ageOfOldestMessageSeconds,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      );
      this.alarmTopic = alarms.topic === false ? undefined : (alarms.topic ?? createAlarmTopic(this, s.name));
      if (this.alarmTopic !== undefined) {
        const action = new actions.SnsAction(this.alarmTopic);
        for (const alarm of [this.dlqDepthAlarm, this.dlqExpiryAlarm, this.ageOfOldestMessageAlarm]) {
          alarm.addAlarmAction(action);
          alarm.addOkAction(action);
        }
      }
    }
    if (props.dashboard === true) {
      this.dashboard = new cloudwatch.Dashboard(this, "Dashboard");
      this.dashboard.addWidgets(...this.dashboardWidgets());
    }
  }

  /**
   * Lets `grantee` send jobs: `sqs:SendMessage` on the queue (and the key's data-key rights when the
   * queue uses a customer-managed key). On a Lambda function it also sets the queue URL variable that
   * `new JobClient({ queue: name })` reads. With a `ledger`, also the ledger's producer rights and
   * variables (see `JobLedger.grantProducer`).
   */
  grantSendJobs(grantee: iam.IGrantable): iam.Grant {
    const grant = this.queue.grant(grantee, "sqs:SendMessage");
    this.encryptionKey?.grant(grantee, "kms:GenerateDataKey", "kms:Decrypt");
    this.ledger?.grantProducer(grantee);
    this.#payloads?.grantPut(grantee);
    if (grantee instanceof lambda.Function) grantee.addEnvironment(this.queueUrlEnvVar, this.queue.queueUrl);
    if (grantee instanceof lambda.Function && this.payloadBucket !== undefined) {
      grantee.addEnvironment(payloadBucketEnvVar(this.settings.name), this.payloadBucket.bucketName);
    }
    return grant;
  }

  /**
   * Lets `grantee` run this queue's jobs synchronously with `JobClient.call` (and
   * `{ queue: name }`): permission to invoke the consumer, and on a Lambda function the variable
   * naming it, e.g. `SQS_JOBS_REPORTS_FUNCTION_NAME`.
   */
  grantCallJobs(grantee: iam.IGrantable): iam.Grant {
    // The function itself, not its versions and aliases (`grantInvoke` adds `<arn>:*`).
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ["lambda:InvokeFunction"],
      resourceArns: [this.consumer.functionArn],
    });
    if (grantee instanceof lambda.Function) {
      grantee.addEnvironment(functionNameEnvVar(this.settings.name), this.consumer.functionName);
    }
    return grant;
  }

  /**
   * Lets the queue's consumer (or `grantee`, e.g. a worker's role) complete the callbacks of
   * `durableFunction`'s executions, which `waitForJob` gives its jobs:
   * `lambda:SendDurableExecutionCallbackSuccess` and `...Failure` on `<function arn>:*`, the
   * qualified form Lambda authorizes durable executions against (an unqualified ARN never matches).
   * The durable function itself needs `grantSendJobs`.
   */
  grantCompleteCallbacks(
    durableFunction: lambda.IFunction,
    grantee: iam.IGrantable = this.consumer,
  ): iam.Grant {
    const executions = `${durableFunction.functionArn}:*`;
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ["lambda:SendDurableExecutionCallbackSuccess", "lambda:SendDurableExecutionCallbackFailure"],
      resourceArns: [executions],
    });
    const principal = grantee.grantPrincipal;
    if (principal instanceof Construct) {
      Validations.of(principal).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagText(Stack.of(this).resolve(executions))}]`,
        reason: `The consumer of queue "${this.settings.name}" completes the callbacks of one durable function's executions; Lambda authorizes them against qualified execution ARNs only, so the grant names the function with ":*" (any version), as Lambda's documentation prescribes.`,
      });
    }
    return grant;
  }

  /**
   * Runs `options.job` periodically: an EventBridge Scheduler schedule (`cron` in a time zone, or
   * `rate`) whose runs arrive on this queue as jobs with `payload`, each with its own id. The payload
   * is checked against the job's schema now, at synth time. With `overlap: "skip"` (the default,
   * needs the queue's `ledger`) a run that finds the previous one still working is skipped.
   *
   * The first schedule creates the queue's Scheduler role (send to this queue only), a dead-letter
   * queue for runs Scheduler could not send, with an alarm, and a schedule group. On a FIFO queue it
   * turns on content-based deduplication: Scheduler sends no deduplication id.
   *
   * @example
   * reports.schedule("NightlyReport", {
   *   job: buildReport,
   *   payload: { inputKey: "inputs/sample.txt" },
   *   cron: "0 3 * * ? *",
   *   timezone: "Europe/Berlin",
   * });
   */
  schedule<J extends JobDefinition>(id: string, options: JobScheduleOptions<J>): scheduler.Schedule {
    const s = this.settings;
    const resolved = resolveSchedule(id, options as JobScheduleOptions, {
      name: s.name,
      jobNames: s.jobNames,
      fifo: s.fifo,
      hasLedger: this.ledger !== undefined,
    });
    const problems = [...resolved.problems];
    if (this.#schedules.some((known) => known.name === id)) {
      problems.push(`queue "${s.name}" already has a schedule named "${id}": give each schedule its own id`);
    }
    if (problems.length > 0) throw new JobQueueConfigError(`${this.node.path}/Schedule${id}`, problems);
    for (const warning of resolved.warnings) Annotations.of(this).addWarningV2("sqs-jobs:schedule", warning);
    if (s.fifo) this.#deduplicateContent();

    const settings = resolved.settings;
    const delivery = this.#delivery();
    const schedule = new scheduler.Schedule(this, `Schedule${id}`, {
      schedule: scheduler.ScheduleExpression.expression(
        settings.expression,
        options.rate === undefined ? TimeZone.of(settings.timezone) : undefined,
      ),
      target: this.#scheduleTarget(settings, delivery),
      scheduleGroup: delivery.group,
      description: settings.description,
      enabled: settings.enabled,
      // Runs at their time: a flexible window would let Scheduler move them by up to the window.
      timeWindow: scheduler.TimeWindow.off(),
    });
    const cfnSchedule = schedule.node.defaultChild as scheduler.CfnSchedule;
    cfnSchedule.addMetadata("sqs-jobs", {
      queue: s.name,
      role: "schedule",
      schedule: settings.name,
      job: settings.job,
      overlap: settings.overlap,
    });
    this.#schedules.push({
      name: settings.name,
      job: settings.job,
      expression: settings.expression,
      timezone: settings.timezone,
      overlap: settings.overlap,
      enabled: settings.enabled,
      logicalId: Stack.of(this).getLogicalId(cfnSchedule),
    });
    return schedule;
  }

  /**
   * Lets `grantee` schedule this queue's jobs for later (`send(..., { at })` past SQS's 15 minutes,
   * `cancel`): create, read and delete one-time schedules named `sqs-jobs-*` in the default group,
   * and pass the queue's Scheduler role to Scheduler only. Includes {@link grantSendJobs} (shorter
   * delays are sent straight to SQS). On a Lambda function it also sets the role's ARN
   * (`SQS_JOBS_<QUEUE>_SCHEDULER_ROLE_ARN`) and the schedules' dead-letter queue's
   * (`SQS_JOBS_<QUEUE>_SCHEDULER_DLQ_ARN`).
   */
  grantScheduleJobs(grantee: iam.IGrantable): iam.Grant {
    const delivery = this.#delivery();
    // A one-time schedule's delivery carries no deduplication id either.
    if (this.settings.fifo) this.#deduplicateContent();
    const schedules = Stack.of(this).formatArn({
      service: "scheduler",
      resource: "schedule",
      resourceName: `default/${ONE_TIME_SCHEDULE_PREFIX}*`,
    });
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ["scheduler:CreateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"],
      resourceArns: [schedules],
    })
      .combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ["iam:PassRole"],
          resourceArns: [delivery.role.roleArn],
          conditions: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
        }),
      )
      .combine(this.grantSendJobs(grantee));
    const principal = grantee.grantPrincipal;
    if (principal instanceof Construct) {
      Validations.of(principal).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagText(Stack.of(this).resolve(schedules))}]`,
        reason: `Producers of queue "${this.settings.name}" name each one-time schedule when they send a job for later; the wildcard covers only names starting with "${ONE_TIME_SCHEDULE_PREFIX}" in the default group, not the queue's periodic schedules (a group of their own).`,
      });
    }
    if (grantee instanceof lambda.Function) {
      grantee.addEnvironment(schedulerRoleArnEnvVar(this.settings.name), delivery.role.roleArn);
      grantee.addEnvironment(schedulerDlqArnEnvVar(this.settings.name), delivery.deadLetterQueue.queueArn);
    }
    return grant;
  }

  /** The role EventBridge Scheduler assumes to send this queue's jobs, once a schedule or grant made it. */
  get schedulerRole(): iam.IRole | undefined {
    return this.#scheduleDelivery?.role;
  }

  /** Where EventBridge Scheduler puts runs it could not send to the queue, once a schedule or grant made it. */
  get schedulerDeadLetterQueue(): sqs.IQueue | undefined {
    return this.#scheduleDelivery?.deadLetterQueue;
  }

  /**
   * Runs in the Scheduler dead-letter queue, visible and in flight (see {@link metricDlqDepth});
   * undefined until a schedule or grant created that queue.
   */
  metricSchedulerDlqDepth(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression | undefined {
    const dlq = this.#scheduleDelivery?.deadLetterQueue;
    return dlq === undefined ? undefined : depthOf(dlq, "Jobs Scheduler could not deliver", props);
  }

  /** Messages waiting to be received. */
  metricVisibleMessages(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.queue.metricApproximateNumberOfMessagesVisible({ statistic: "Maximum", ...props });
  }

  /** Messages received and not yet deleted: jobs running or waiting out a backoff. */
  metricInFlightMessages(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.queue.metricApproximateNumberOfMessagesNotVisible({ statistic: "Maximum", ...props });
  }

  /** Age in seconds of the oldest message in the queue. */
  metricAgeOfOldestMessage(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.queue.metricApproximateAgeOfOldestMessage({
      statistic: "Maximum",
      period: Duration.minutes(5),
      ...props,
    });
  }

  /**
   * Messages in the dead-letter queue: visible + in flight. `sqs-jobs dlq peek` and `export` hide
   * messages for a while; counting only visible ones would flip the depth alarm to OK and back.
   */
  metricDlqDepth(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return depthOf(this.deadLetterQueue, "Dead-lettered jobs", props);
  }

  /**
   * Age in seconds of the dead-letter queue's oldest message. On a standard queue a message SQS's
   * redrive policy moved keeps its first enqueue time, so it expires earlier than this age suggests,
   * by the time it spent in the source queue; copies sqs-jobs dead-lettered start afresh.
   */
  metricDlqAgeOfOldestMessage(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateAgeOfOldestMessage({
      statistic: "Maximum",
      period: Duration.minutes(5),
      ...props,
    });
  }

  /** Widgets for this queue, to add to a dashboard of your own. */
  dashboardWidgets(): cloudwatch.IWidget[] {
    const title = `sqs-jobs: ${this.settings.name}`;
    return [
      new cloudwatch.TextWidget({ markdown: `## ${title}`, width: 24, height: 1 }),
      new cloudwatch.GraphWidget({
        title: "Messages",
        left: [this.metricVisibleMessages(), this.metricInFlightMessages(), this.metricDlqDepth()],
      }),
      new cloudwatch.GraphWidget({
        title: "Age of oldest message (s)",
        left: [this.metricAgeOfOldestMessage()],
      }),
      new cloudwatch.GraphWidget({
        title: "Consumer",
        left: [
          this.consumer.metricInvocations(),
          this.consumer.metricErrors(),
          this.consumer.metricThrottles(),
        ],
        right: [this.consumer.metricDuration({ statistic: "p99" })],
      }),
    ];
  }

  /** The Scheduler role, dead-letter queue and its alarm, made once with the first schedule or grant. */
  #delivery(): ScheduleDelivery {
    if (this.#scheduleDelivery !== undefined) return this.#scheduleDelivery;
    const delivery = new ScheduleDelivery(this, "Scheduler", {
      queueName: this.settings.name,
      queue: this.queue,
      encryptionKey: this.encryptionKey,
    });
    this.#scheduleDelivery = delivery;
    // No "queue" key: tools that name queues after it (sqs-jobs dev) would give this one the job
    // queue's own name.
    (delivery.deadLetterQueue.node.defaultChild as sqs.CfnQueue).addMetadata("sqs-jobs", {
      role: "scheduler-dlq",
      jobQueue: this.settings.name,
    });
    if (this.#props.alarms?.enabled ?? true) {
      const depth = depthOf(delivery.deadLetterQueue, "Jobs Scheduler could not deliver");
      this.schedulerDlqDepthAlarm = depth.createAlarm(this, "SchedulerDlqDepthAlarm", {
        alarmDescription: `EventBridge Scheduler could not send jobs to queue "${this.settings.name}" (the queue, its key or the Scheduler role changed?): each message in the Scheduler dead-letter queue says why. Fix, then send the jobs again.`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      if (this.alarmTopic !== undefined) {
        const action = new actions.SnsAction(this.alarmTopic);
        this.schedulerDlqDepthAlarm.addAlarmAction(action);
        this.schedulerDlqDepthAlarm.addOkAction(action);
      }
    }
    return delivery;
  }

  /**
   * Scheduler sends no deduplication id, and SQS refuses a FIFO message without one unless the
   * queue deduplicates by content. JobClient's sends keep their explicit ids, which take precedence.
   */
  #deduplicateContent(): void {
    const cfnQueue = this.queue.node.defaultChild as sqs.CfnQueue;
    if (cfnQueue.contentBasedDeduplication === true) return;
    if (this.#props.contentBasedDeduplication === false) {
      Annotations.of(this).addWarningV2(
        "sqs-jobs:content-based-deduplication",
        "contentBasedDeduplication: false was overridden to true: EventBridge Scheduler sends FIFO messages without a deduplication id, which SQS accepts only with content-based deduplication; JobClient's sends keep their explicit ids",
      );
    }
    cfnQueue.contentBasedDeduplication = true;
  }

  /**
   * The queue as the schedule's target, with exactly the rights it needs: not
   * `aws_scheduler_targets.SqsSendMessage`, which also grants `kms:GenerateDataKey*`.
   */
  #scheduleTarget(settings: JobScheduleSettings, delivery: ScheduleDelivery): scheduler.IScheduleTarget {
    return {
      bind: () => ({
        arn: this.queue.queueArn,
        role: delivery.role,
        input: scheduler.ScheduleTargetInput.fromText(settings.input),
        deadLetterConfig: { arn: delivery.deadLetterQueue.queueArn },
        retryPolicy: {
          maximumEventAgeInSeconds: settings.maxEventAgeSeconds,
          maximumRetryAttempts: settings.retryAttempts,
        },
        sqsParameters: settings.groupId === undefined ? undefined : { messageGroupId: settings.groupId },
      }),
    };
  }

  #createFunction(props: JobQueueProps, s: JobQueueSettings): lambda.IFunction {
    const logGroup = new logs.LogGroup(this, "ConsumerLogs", {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    // Its own role rather than AWSLambdaBasicExecutionRole, which may write to every log group.
    const role = new iam.Role(this, "ConsumerRole", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `Consumer of job queue "${s.name}"`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [logGroup.logGroupArn],
      }),
    );
    return new nodejs.NodejsFunction(this, "Consumer", {
      entry: props.entry,
      handler: props.handler ?? "handler",
      runtime: props.runtime ?? lambda.Runtime.NODEJS_24_X,
      architecture: props.architecture ?? lambda.Architecture.ARM_64,
      memorySize: s.memorySize,
      timeout: Duration.seconds(s.functionTimeoutSeconds),
      // Stack traces point into the TypeScript sources instead of the minified bundle.
      environment: {
        ...sqsJobsBundlingEnvironment(props.bundling),
        ...props.environment,
      },
      logGroup,
      role,
      bundling: sqsJobsBundling(props.bundling),
    });
  }

  /** Exactly the calls a consumer makes: no sqs:GetQueueUrl, no wildcards. */
  #grantConsume(fn: lambda.IFunction): void {
    if (fn.role === undefined) {
      const ledger =
        this.ledger === undefined
          ? ""
          : ", and dynamodb:GetItem, PutItem, UpdateItem and DeleteItem on the ledger's table";
      Annotations.of(this).addWarningV2(
        "sqs-jobs:consumer-role",
        `the imported consumer has no known role: grant it sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility and sqs:GetQueueAttributes on the queue and sqs:SendMessage and sqs:GetQueueAttributes on the dead-letter queue${ledger}`,
      );
      return;
    }
    this.queue.grant(
      fn,
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    );
    // sqs-jobs dead-letters failed jobs itself, with the reason as message attributes fitted to
    // the DLQ's MaximumMessageSize, which it reads.
    this.deadLetterQueue.grant(fn, "sqs:SendMessage", "sqs:GetQueueAttributes");
    this.encryptionKey?.grant(fn, "kms:Decrypt", "kms:GenerateDataKey");
    this.ledger?.grantConsumer(fn);
    this.#payloads?.grantConsumer(fn);
  }

  /**
   * Leaves the queue's logical name, jobs and handler entry in the template's metadata, so tools
   * such as `sqs-jobs dev` can run the app from its synthesized template.
   */
  #describeForTools(props: JobQueueProps): void {
    const cfnQueue = this.queue.node.defaultChild as sqs.CfnQueue;
    const schedules = this.#schedules;
    cfnQueue.addMetadata("sqs-jobs", {
      queue: this.settings.name,
      role: "queue",
      jobs: this.settings.jobNames,
      queueUrlEnvVar: this.queueUrlEnvVar,
      ...(this.payloadBucket === undefined ? {} : { payloadBucket: this.payloadBucket.bucketName }),
      // Filled in by schedule(), which runs after the constructor.
      schedules: Lazy.any({ produce: () => schedules }, { omitEmptyArray: true }),
      ...(props.entry === undefined
        ? {}
        : {
            entry: path.relative(process.cwd(), path.resolve(props.entry)),
            handler: props.handler ?? "handler",
          }),
    });
    const cfnDlq = this.deadLetterQueue.node.defaultChild as sqs.CfnQueue;
    cfnDlq.addMetadata("sqs-jobs", { queue: this.settings.name, role: "dlq" });
  }
}

function consumerKind(props: JobQueueProps): ConsumerKind {
  if (props.consumer === undefined) return { kind: "entry", esbuildFound: esbuildFound() };
  const fn = props.consumer;
  if (fn instanceof lambda.Function)
    return { kind: "function", timeoutSeconds: fn.timeout?.toSeconds() ?? 3 };
  return { kind: "function", timeoutSeconds: undefined };
}

function fifoName(queueName: string | undefined, fifo: boolean): string | undefined {
  if (queueName === undefined || !fifo || queueName.endsWith(".fifo")) return queueName;
  return `${queueName}.fifo`;
}

/**
 * A dead-letter queue's depth: visible + in flight. `sqs-jobs dlq peek` and `export` hide messages
 * for a while; counting only visible ones would flip an alarm to OK and back.
 */
function depthOf(
  queue: sqs.IQueue,
  label: string,
  props?: cloudwatch.MathExpressionOptions,
): cloudwatch.MathExpression {
  const period = props?.period ?? Duration.minutes(1);
  const stat = { statistic: "Maximum", period };
  return new cloudwatch.MathExpression({
    expression: "visible + inFlight",
    usingMetrics: {
      visible: queue.metricApproximateNumberOfMessagesVisible(stat),
      inFlight: queue.metricApproximateNumberOfMessagesNotVisible(stat),
    },
    label,
    ...props,
    period,
  });
}
