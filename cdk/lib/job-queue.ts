import * as path from "node:path";
import { Annotations, Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ENV, functionNameEnvVar } from "../../src/core/env.ts";
import { createAlarmTopic } from "./alarm-topic.ts";
import { esbuildFound, sqsJobsBundling, sqsJobsBundlingEnvironment } from "./bundling.ts";
import type { JobLedger } from "./job-ledger.ts";
import { JobQueueConfigError } from "./job-queue-error.ts";
import type { JobQueueProps } from "./job-queue-props.ts";
import {
  type ConsumerKind,
  DLQ_RETENTION_SECONDS,
  type JobQueueSettings,
  resolveSettings,
} from "./settings.ts";

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

    this.consumer = props.consumer ?? this.#createFunction(props, s);
    const environment: Record<string, string> = {
      [ENV.queueUrl]: this.queue.queueUrl,
      [ENV.dlqUrl]: this.deadLetterQueue.queueUrl,
      ...this.ledger?.environment,
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
    if (grantee instanceof lambda.Function) grantee.addEnvironment(this.queueUrlEnvVar, this.queue.queueUrl);
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
    const period = props?.period ?? Duration.minutes(1);
    const stat = { statistic: "Maximum", period };
    return new cloudwatch.MathExpression({
      expression: "visible + inFlight",
      usingMetrics: {
        visible: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible(stat),
        inFlight: this.deadLetterQueue.metricApproximateNumberOfMessagesNotVisible(stat),
      },
      label: "Dead-lettered jobs",
      ...props,
      period,
    });
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
        `the imported consumer has no known role: grant it sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility and sqs:GetQueueAttributes on the queue and sqs:SendMessage on the dead-letter queue${ledger}`,
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
    // sqs-jobs dead-letters failed jobs itself, with the reason as message attributes.
    this.deadLetterQueue.grant(fn, "sqs:SendMessage");
    this.encryptionKey?.grant(fn, "kms:Decrypt", "kms:GenerateDataKey");
    this.ledger?.grantConsumer(fn);
  }

  /**
   * Leaves the queue's logical name, jobs and handler entry in the template's metadata, so tools
   * such as `sqs-jobs dev` can run the app from its synthesized template.
   */
  #describeForTools(props: JobQueueProps): void {
    const cfnQueue = this.queue.node.defaultChild as sqs.CfnQueue;
    cfnQueue.addMetadata("sqs-jobs", {
      queue: this.settings.name,
      role: "queue",
      jobs: this.settings.jobNames,
      queueUrlEnvVar: this.queueUrlEnvVar,
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
