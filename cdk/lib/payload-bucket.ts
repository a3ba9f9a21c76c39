import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { PAYLOAD_KEY_PREFIX } from "../../src/core/payload-pointer.ts";
import { nagText } from "./nag-text.ts";

/** `JobQueue`'s `payloads`: the bucket messages too large for the queue go through (docs/payloads.md). */
export interface JobQueuePayloadOptions {
  /**
   * A bucket of your own. `JobQueue` grants on it and adds the lifecycle rule for the
   * `sqs-jobs/` prefix only when it created the bucket; on yours, add one (docs/payloads.md).
   * @default a new bucket: encrypted (SSE-S3), TLS only, public access blocked, objects under
   *   `sqs-jobs/` expired after the queue's retention + the DLQ's (14 days) + 1 day
   */
  readonly bucket?: s3.IBucket;
}

/** Past the queue's and the DLQ's retention: a day for a redrive started on the DLQ's last day. */
const MARGIN_DAYS = 1;

/**
 * The payload bucket of one queue and its grants: producers put, the consumer gets and deletes
 * (and lists, so a missing object reads as missing (404) rather than as refused (403)). Objects
 * live under `sqs-jobs/`: the rights and the lifecycle rule cover that prefix, nothing else.
 */
export class PayloadBucket extends Construct {
  readonly bucket: s3.IBucket;

  constructor(
    scope: Construct,
    id: string,
    props: {
      readonly given?: s3.IBucket;
      readonly retentionSeconds: number;
      readonly dlqRetentionSeconds: number;
    },
  ) {
    super(scope, id);
    if (props.given !== undefined) {
      this.bucket = props.given;
      return;
    }
    const days = Math.ceil((props.retentionSeconds + props.dlqRetentionSeconds) / 86_400) + MARGIN_DAYS;
    const bucket = new s3.Bucket(this, "Bucket", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // A job may be sent or redriven until the DLQ lets go of it: its object must still be there.
      lifecycleRules: [
        {
          prefix: PAYLOAD_KEY_PREFIX,
          expiration: Duration.days(days),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(bucket).acknowledge({
      id: "AwsSolutions-S1",
      reason:
        "The bucket holds transient copies of queue messages, expired by its lifecycle rule; access logs would need a second bucket. Pass payloads: { bucket } with server access logging for data that needs it.",
    });
    this.bucket = bucket;
  }

  /** PutObject under the prefix. */
  grantPut(grantee: iam.IGrantable): iam.Grant {
    return this.#grant(grantee, ["s3:PutObject"]);
  }

  /**
   * A reader's that does not own the objects (a consumer of published jobs, which other queues
   * read too): GetObject under the prefix, ListBucket on the bucket (a missing object then reads
   * as missing (404), not as refused (403)).
   */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.#grant(grantee, ["s3:GetObject"]).combine(this.#grantList(grantee));
  }

  /**
   * The consumer's: GetObject and DeleteObject (jobs), PutObject (results too large for the
   * ledger) under the prefix, ListBucket on the bucket.
   */
  grantConsumer(grantee: iam.IGrantable): iam.Grant {
    return this.#grant(grantee, ["s3:GetObject", "s3:DeleteObject", "s3:PutObject"]).combine(
      this.#grantList(grantee),
    );
  }

  #grantList(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ["s3:ListBucket"],
      resourceArns: [this.bucket.bucketArn],
    });
  }

  #grant(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    const objects = this.bucket.arnForObjects(`${PAYLOAD_KEY_PREFIX}*`);
    const grant = iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [objects] });
    const principal = grantee.grantPrincipal;
    if (principal instanceof Construct) {
      Validations.of(principal).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagText(Stack.of(this).resolve(objects))}]`,
        reason: `Each job's payload is its own object, named by its job id when it is sent; the wildcard covers only the "${PAYLOAD_KEY_PREFIX}" prefix of the payload bucket.`,
      });
    }
    return grant;
  }
}
