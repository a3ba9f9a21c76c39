import type * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import type * as s3 from "aws-cdk-lib/aws-s3";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import { topicArnEnvVar, topicPayloadBucketEnvVar } from "../../src/core/env.ts";
import type { JobQueue } from "./job-queue.ts";
import { JobTopicConfigError } from "./job-topic-error.ts";
import { subscriptionFilter } from "./job-topic-filter.ts";
import type { JobTopicProps, JobTopicSubscribeOptions } from "./job-topic-props.ts";
import { PayloadBucket } from "./payload-bucket.ts";
import { DLQ_RETENTION_SECONDS } from "./settings.ts";

/** Topic names: letters, digits, `-` and `_`, at most 256 characters with `.fifo`. */
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,251}$/;

/**
 * A topic for typed fan-out: an encrypted, TLS-only SNS topic (standard or FIFO) that job queues
 * subscribe to with raw message delivery and a filter on the job name and the attributes the jobs
 * declare. Each subscribed queue receives its own copy of a matching job; its consumer runs it
 * as any job of that queue.
 *
 * @example
 * const events = new JobTopic(this, "Events", { name: "events" });
 * events.subscribe(audit, { jobs: [reportReady] });
 * events.subscribe(euMail, { jobs: [reportReady], filter: { region: ["eu"] } });
 * events.grantPublishJobs(api); // sets SQS_JOBS_EVENTS_TOPIC_ARN on api
 */
export class JobTopic extends Construct {
  /** The SNS topic. */
  readonly topic: sns.Topic;
  /** The topic's logical name. */
  readonly name: string;
  /** Whether it is a FIFO topic. */
  readonly fifo: boolean;
  /** The variable `grantPublishJobs` sets on publishers, e.g. `SQS_JOBS_EVENTS_TOPIC_ARN`. */
  readonly topicArnEnvVar: string;
  /** The customer-managed key, when one was given. */
  readonly encryptionKey: kms.IKey | undefined;
  /** The bucket publishes past 256 KiB go through, with `payloads` (docs/payloads.md). */
  readonly payloadBucket: s3.IBucket | undefined;
  readonly #payloads: PayloadBucket | undefined;

  constructor(scope: Construct, id: string, props: JobTopicProps = {}) {
    super(scope, id);
    this.name = props.name ?? id;
    this.fifo = props.fifo ?? false;
    const problems: string[] = [];
    if (!TOPIC_NAME.test(this.name)) {
      problems.push(
        `name must be 1-251 letters, digits, "-" and "_", but "${this.name.slice(0, 60)}" was provided`,
      );
    }
    const base = props.topicName?.replace(/\.fifo$/, "");
    if (base !== undefined && !TOPIC_NAME.test(base)) {
      problems.push(
        `topicName must be 1-251 letters, digits, "-" and "_" (plus ".fifo" on a FIFO topic), but "${props.topicName?.slice(0, 60)}" was provided`,
      );
    }
    if (!this.fifo && props.topicName?.endsWith(".fifo") === true) {
      problems.push(`topicName ends with ".fifo" but fifo is not set: set fifo: true or drop the suffix`);
    }
    if (problems.length > 0) throw new JobTopicConfigError(this.node.path, problems);
    this.topicArnEnvVar = topicArnEnvVar(this.name);
    this.encryptionKey = props.encryptionKey;
    this.topic = new sns.Topic(this, "Topic", {
      enforceSSL: true,
      masterKey: props.encryptionKey ?? kms.Alias.fromAliasName(this, "AwsManagedKey", "alias/aws/sns"),
      ...(base === undefined ? {} : { topicName: this.fifo ? `${base}.fifo` : base }),
      ...(this.fifo ? { fifo: true } : {}),
    });
    // A copy may wait in a queue and then its DLQ, each for SQS's longest retention (14 days):
    // the one object must outlast every subscribed queue's copy.
    this.#payloads =
      props.payloads === undefined
        ? undefined
        : new PayloadBucket(this, "Payloads", {
            given: props.payloads.bucket,
            retentionSeconds: DLQ_RETENTION_SECONDS,
            dlqRetentionSeconds: DLQ_RETENTION_SECONDS,
          });
    this.payloadBucket = this.#payloads?.bucket;
    // Lets `sqs-jobs dev` and the testing kit make the topic locally under its logical name.
    // And, with `payloads`, give a producer outside the app the topic's bucket (`sqs-jobs dev`).
    (this.topic.node.defaultChild as sns.CfnTopic).addMetadata("sqs-jobs", {
      topic: this.name,
      role: "topic",
      ...(this.payloadBucket === undefined ? {} : { payloadBucket: this.payloadBucket.bucketName }),
    });
  }

  /**
   * Delivers the topic's `jobs` that match `filter` to `queue`: a subscription with raw message
   * delivery (the queue receives the body and attributes as published) and a filter policy on
   * the job name and the declared attributes; the queue's policy lets the topic send (and, with a
   * customer-managed key on the queue, its key lets SNS use it). With `payloads`, the queue's
   * consumer may read the topic's bucket (`s3:GetObject` under `sqs-jobs/`, `s3:ListBucket`).
   *
   * @throws {JobTopicConfigError} the queue does not carry a job, FIFO and standard are mixed, or
   *   the filter names an attribute a job does not declare or passes SNS's limits
   */
  subscribe(queue: JobQueue, options: JobTopicSubscribeOptions): sns.Subscription {
    const { policy, problems } = subscriptionFilter(
      this.fifo,
      { name: queue.settings.name, fifo: queue.settings.fifo, jobNames: queue.settings.jobNames },
      options,
    );
    if (problems.length > 0) throw new JobTopicConfigError(this.node.path, problems);
    const filterPolicy = Object.fromEntries(
      Object.entries(policy).map(([key, conditions]) => [key, new sns.SubscriptionFilter([...conditions])]),
    );
    // Every subscribed queue's consumer reads the one object a large publish stores; none
    // deletes it (others may still need it), so read rights only.
    this.#payloads?.grantRead(queue.consumer);
    return this.topic.addSubscription(
      new subscriptions.SqsSubscription(queue.queue, { rawMessageDelivery: true, filterPolicy }),
    );
  }

  /**
   * Lets `grantee` publish jobs: `sns:Publish` on the topic (and the key's data-key rights when
   * the topic has a customer-managed key). With `payloads`, also `s3:PutObject` under the
   * bucket's `sqs-jobs/` prefix. On a Lambda function it also sets the topic ARN variable (and the
   * payload bucket's) that `new JobClient({ topic: name })` reads.
   */
  grantPublishJobs(grantee: iam.IGrantable): iam.Grant {
    const grant = this.topic.grantPublish(grantee);
    this.#payloads?.grantPut(grantee);
    if (grantee instanceof lambda.Function) grantee.addEnvironment(this.topicArnEnvVar, this.topic.topicArn);
    if (grantee instanceof lambda.Function && this.payloadBucket !== undefined) {
      grantee.addEnvironment(topicPayloadBucketEnvVar(this.name), this.payloadBucket.bucketName);
    }
    return grant;
  }
}
