import * as path from "node:path";
import { Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import {
  auditSite,
  BUCKET_ENV,
  extractPage,
  extractPages,
  fetchPage,
  QUEUES,
  writeAuditReport,
} from "../handlers/jobs.ts";
import { type JobLedger, JobQueue } from "./lib/index.ts";
import { UNTRACED } from "./untraced.ts";

const HANDLERS = path.join(import.meta.dirname, "..", "handlers");

export interface SiteAuditProps {
  /** The example's bucket: the site under `site/`, snapshots and reports written beside it. */
  readonly bucket: s3.Bucket;
  readonly ledger: JobLedger;
  readonly alarmTopic: sns.ITopic;
}

/**
 * The example's site audit (handlers/jobs/audit.ts): three queues, one per kind of work. `audit`
 * lists the site, starts each stage and writes the report; `audit-fetch` downloads pages (waits on
 * the site: many at once); `audit-extract` reads them (CPU: a few at once). Each stage's
 * continuation is sent by whichever consumer finishes the stage's last child, so each consumer
 * may send to the queues its stage's continuation goes to.
 */
export class SiteAudit extends Construct {
  readonly audit: JobQueue;
  readonly fetch: JobQueue;
  readonly extract: JobQueue;
  readonly #bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: SiteAuditProps) {
    super(scope, id);
    this.#bucket = props.bucket;
    const common = {
      environment: { [BUCKET_ENV]: props.bucket.bucketName },
      ledger: props.ledger,
      alarms: { topic: props.alarmTopic },
      bundling: UNTRACED,
    };
    this.audit = new JobQueue(this, "Audit", {
      ...common,
      name: QUEUES.audit,
      jobs: [auditSite, extractPages, writeAuditReport],
      entry: path.join(HANDLERS, "audit-site.ts"),
    });
    this.fetch = new JobQueue(this, "Fetch", {
      ...common,
      name: QUEUES.auditFetch,
      jobs: [fetchPage],
      entry: path.join(HANDLERS, "fetch-page.ts"),
      // The site's latency bounds this stage, not our CPU: be polite to the site all the same.
      maxConcurrency: 10,
    });
    this.extract = new JobQueue(this, "Extract", {
      ...common,
      name: QUEUES.auditExtract,
      jobs: [extractPage],
      entry: path.join(HANDLERS, "extract-page.ts"),
      maxConcurrency: 2,
    });
    // Children go from `audit` to both stages; each stage's last child sends its continuation to `audit`.
    this.fetch.grantSendJobs(this.audit.consumer);
    this.extract.grantSendJobs(this.audit.consumer);
    this.audit.grantSendJobs(this.fetch.consumer);
    this.audit.grantSendJobs(this.extract.consumer);

    this.#allow(this.audit.consumer, ["s3:GetObject", "s3:PutObject"], "audits/*");
    this.#allowListing(this.audit.consumer, "site/*");
    this.#allow(this.fetch.consumer, ["s3:GetObject"], "site/*");
    this.#allow(this.fetch.consumer, ["s3:PutObject"], "snapshots/*");
    this.#allow(this.extract.consumer, ["s3:GetObject"], "snapshots/*");
  }

  /** Object actions on one prefix of the bucket, acknowledged for cdk-nag with the reason. */
  #allow(fn: lambda.IFunction, actions: string[], prefix: string): void {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [this.#bucket.arnForObjects(prefix)] }));
    const bucketArn = `<${this.#bucketLogicalId()}.Arn>`;
    Validations.of(fn.role ?? fn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}]`,
      reason: `The audit reads or writes objects whose keys it only learns at run time (page paths, job ids); the wildcard is confined to the ${prefix.slice(0, -2)}/ prefix of the example's own bucket.`,
    });
  }

  /** Listing the site's pages: the bucket, for keys under `prefix` only. */
  #allowListing(fn: lambda.IFunction, prefix: string): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [this.#bucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [prefix] } },
      }),
    );
  }

  #bucketLogicalId(): string {
    const stack = this.#bucket.stack;
    return stack.getLogicalId(this.#bucket.node.defaultChild as s3.CfnBucket);
  }
}
