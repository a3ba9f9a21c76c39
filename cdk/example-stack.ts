import * as path from "node:path";
import { CfnOutput, Duration, Stack, type StackProps, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as sns from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import {
  analyseText,
  BUCKET_ENV,
  buildReport,
  EVENTS_TOPIC,
  QUEUES,
  reportReady,
  sendEmail,
} from "../handlers/jobs.ts";
import { JobLedger, JobQueue, JobTopic, sqsJobsBundling, sqsJobsBundlingEnvironment } from "./lib/index.ts";
import { SiteAudit } from "./site-audit.ts";
import { UNTRACED } from "./untraced.ts";

const HANDLERS = path.join(import.meta.dirname, "..", "handlers");

/**
 * The example app: a `reports` queue whose consumer analyses text files from a bucket and stores a
 * report per job (and builds one every night on a schedule), an `email` FIFO queue grouped by
 * recipient, and an HTTP producer (a function URL with IAM auth) that enqueues both and may schedule
 * emails for later, every job recorded in one job ledger. Each built report is published as
 * `report.ready` on the `events` topic: the `audit` queue records every one, the `digest` queue
 * long reports only. Environment-agnostic: no account or region is needed to synth.
 */
export class SqsJobsExampleStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly ledger: JobLedger;
  readonly reports: JobQueue;
  readonly email: JobQueue;
  readonly events: JobTopic;
  readonly audit: JobQueue;
  readonly digest: JobQueue;
  readonly api: nodejs.NodejsFunction;
  readonly alarmTopic: sns.Topic;
  readonly siteAudit: SiteAudit;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.bucket = new s3.Bucket(this, "Bucket", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // Reports are rebuilt from their inputs on demand: a month is plenty for the example.
      lifecycleRules: [{ prefix: "reports/", expiration: Duration.days(30) }],
    });
    this.alarmTopic = new sns.Topic(this, "AlarmTopic", { enforceSSL: true });
    // One ledger for both queues: one table to look up any job of the app, whichever queue ran it.
    this.ledger = new JobLedger(this, "Ledger");

    this.reports = new JobQueue(this, "Reports", {
      name: QUEUES.reports,
      jobs: [buildReport, analyseText],
      entry: path.join(HANDLERS, "build-report.ts"),
      // analyse-text jobs carry their text: past 1 MiB they travel through S3 (docs/payloads.md).
      payloads: {},
      environment: { [BUCKET_ENV]: this.bucket.bucketName },
      memorySize: 1024,
      maxConcurrency: 10,
      ledger: this.ledger,
      alarms: { topic: this.alarmTopic },
      dashboard: true,
      bundling: UNTRACED,
    });
    // Every night at 03:00 Berlin time (02:00 UTC in winter, 01:00 in summer); a run that finds
    // last night's still working is skipped, which the ledger makes possible.
    this.reports.schedule("NightlyReport", {
      job: buildReport,
      payload: { inputKey: "inputs/sample.txt" },
      cron: "0 3 * * ? *",
      timezone: "Europe/Berlin",
    });
    this.#allowObjects(this.reports.consumer, ["s3:GetObject"], "inputs/*");
    this.#allowObjects(this.reports.consumer, ["s3:GetObject", "s3:PutObject"], "reports/*");
    this.#allowExistenceChecks(this.reports.consumer, "reports/*");

    this.email = new JobQueue(this, "Email", {
      name: QUEUES.email,
      jobs: [sendEmail],
      entry: path.join(HANDLERS, "send-email.ts"),
      environment: { [BUCKET_ENV]: this.bucket.bucketName },
      fifo: true,
      ledger: this.ledger,
      alarms: { topic: this.alarmTopic },
      bundling: UNTRACED,
    });
    this.#allowObjects(this.email.consumer, ["s3:GetObject", "s3:PutObject"], "outbox/*");
    this.#allowExistenceChecks(this.email.consumer, "outbox/*");

    // Fan-out: the report builder publishes report.ready; each subscribed queue gets its own copy.
    this.events = new JobTopic(this, "Events", { name: EVENTS_TOPIC });
    this.events.grantPublishJobs(this.reports.consumer);
    const onReportReady = (id: string, name: string, handler: string, prefix: string) => {
      const queue = new JobQueue(this, id, {
        name,
        jobs: [reportReady],
        entry: path.join(HANDLERS, "report-ready.ts"),
        handler,
        environment: { [BUCKET_ENV]: this.bucket.bucketName },
        ledger: this.ledger,
        alarms: { topic: this.alarmTopic },
        bundling: UNTRACED,
      });
      this.#allowObjects(queue.consumer, ["s3:GetObject", "s3:PutObject"], `${prefix}/*`);
      this.#allowExistenceChecks(queue.consumer, `${prefix}/*`);
      return queue;
    };
    this.audit = onReportReady("Audit", QUEUES.reportAudit, "audit", "audit");
    this.digest = onReportReady("Digest", QUEUES.digest, "digest", "digests");
    this.events.subscribe(this.audit, { jobs: [reportReady] });
    this.events.subscribe(this.digest, {
      jobs: [reportReady],
      filter: { words: [{ numeric: [">=", 1000] }] },
    });

    // The site audit (docs/flows.md): a flow per site, two stages, each on its own queue.
    this.siteAudit = new SiteAudit(this, "SiteAudit", {
      bucket: this.bucket,
      ledger: this.ledger,
      alarmTopic: this.alarmTopic,
    });

    const bundling = sqsJobsBundling(UNTRACED);
    const apiLogs = new logs.LogGroup(this, "ApiLogs", { retention: logs.RetentionDays.ONE_MONTH });
    // Like JobQueue's consumers: a role that may write its own logs only, not AWSLambdaBasicExecutionRole.
    const apiRole = new iam.Role(this, "ApiRole", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
    });
    apiRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [apiLogs.logGroupArn],
      }),
    );
    this.api = new nodejs.NodejsFunction(this, "Api", {
      entry: path.join(HANDLERS, "api.ts"),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(10),
      environment: sqsJobsBundlingEnvironment(bundling),
      bundling,
      logGroup: apiLogs,
      role: apiRole,
    });
    this.reports.grantSendJobs(this.api);
    // The reminder email for tomorrow: a one-time EventBridge Scheduler schedule.
    this.email.grantScheduleJobs(this.api);
    // POST /reports/preview runs a report now, through the consumer, with JobClient.call.
    this.reports.grantCallJobs(this.api);
    // DELETE /reports/<jobId> cancels a report, queued or running, with JobClient.cancel.
    this.reports.grantCancelJobs(this.api);
    const url = this.api.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });

    this.#acknowledgeFindings();

    new CfnOutput(this, "ApiUrl", { value: url.url, description: "POST /reports or /emails (SigV4-signed)" });
    new CfnOutput(this, "AlarmTopicArn", {
      value: this.alarmTopic.topicArn,
      description:
        "every queue's alarms: aws sns subscribe --protocol email --notification-endpoint you@example.com --topic-arn <this ARN>",
    });
    new CfnOutput(this, "LedgerTableName", {
      value: this.ledger.table.tableName,
      description: "the job ledger (DynamoDB): each job's state, attempts and result",
    });
    new CfnOutput(this, "BucketName", {
      value: this.bucket.bucketName,
      description: "upload inputs under inputs/",
    });
  }

  /**
   * cdk-nag (AwsSolutions) findings this example accepts, each with its reason. Anything else it
   * reports fails test/cdk/example-app.test.ts.
   */
  #acknowledgeFindings(): void {
    const bucketArn = `<${this.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    const prefixes: [lambda.IFunction, string[]][] = [
      [this.reports.consumer, ["inputs/*", "reports/*"]],
      [this.email.consumer, ["outbox/*"]],
      [this.audit.consumer, ["audit/*"]],
      [this.digest.consumer, ["digests/*"]],
    ];
    for (const [fn, list] of prefixes) {
      for (const prefix of list) {
        Validations.of(fn.role ?? fn).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}]`,
          reason: `The handler reads or writes objects whose keys it only learns at run time (job ids, producer-given inputs); the wildcard is confined to the ${prefix.slice(0, -2)}/ prefix of the example's own bucket.`,
        });
      }
    }
    Validations.of(this.bucket).acknowledge({
      id: "AwsSolutions-S1",
      reason:
        "The example bucket holds sample inputs and reports only; access logs would need a second bucket that the example does not otherwise use. Enable serverAccessLogsBucket for production data.",
    });
  }

  /** Object actions on one prefix of the bucket, spelled out: no `s3:*`, no `s3:Get*`. */
  #allowObjects(fn: lambda.IFunction, actions: string[], prefix: string): void {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [this.bucket.arnForObjects(prefix)] }));
  }

  /**
   * HeadObject answers 403 instead of 404 for a missing key unless the caller may list the bucket;
   * the handlers' idempotency checks need the 404, so they may list their own prefix only.
   */
  #allowExistenceChecks(fn: lambda.IFunction, prefix: string): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [prefix] } },
      }),
    );
  }
}
