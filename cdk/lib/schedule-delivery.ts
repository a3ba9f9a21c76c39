import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { DLQ_RETENTION_SECONDS } from "./settings.ts";

export interface ScheduleDeliveryProps {
  /** The job queue's logical name, for descriptions. */
  readonly queueName: string;
  readonly queue: sqs.IQueue;
  readonly encryptionKey: kms.IKey | undefined;
}

/**
 * What EventBridge Scheduler needs to deliver a job queue's schedules, periodic (`queue.schedule`)
 * and one-time (`send(..., { at })`): a role that may send to this queue only, and a dead-letter
 * queue for runs Scheduler could not send. Created once per queue, with its first schedule or grant.
 */
export class ScheduleDelivery extends Construct {
  /** The role Scheduler assumes: `sqs:SendMessage` on the queue and on {@link deadLetterQueue}. */
  readonly role: iam.Role;
  /**
   * Runs Scheduler could not send to the queue after its retries (queue deleted, key disabled, the
   * role changed), each with Scheduler's reason. A standard queue: Scheduler accepts no FIFO DLQ.
   */
  readonly deadLetterQueue: sqs.Queue;
  #group: scheduler.ScheduleGroup | undefined;

  constructor(scope: Construct, id: string, props: ScheduleDeliveryProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.role = new iam.Role(this, "Role", {
      // Only schedules of this account may use it (the confused-deputy guard AWS recommends); who
      // may create schedules with it is decided by iam:PassRole (`grantScheduleJobs`).
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
      }),
      description: `EventBridge Scheduler sends the jobs of queue "${props.queueName}"`,
    });
    this.deadLetterQueue = new sqs.Queue(this, "DeadLetterQueue", {
      ...(props.encryptionKey === undefined
        ? { encryption: sqs.QueueEncryption.SQS_MANAGED }
        : { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey }),
      enforceSSL: true,
      retentionPeriod: Duration.seconds(DLQ_RETENTION_SECONDS),
    });
    // Not queue.grantSendMessages: it adds kms:Encrypt and kms:ReEncrypt*, which sending does not need.
    props.queue.grant(this.role, "sqs:SendMessage");
    this.deadLetterQueue.grant(this.role, "sqs:SendMessage");
    props.encryptionKey?.grant(this.role, "kms:GenerateDataKey", "kms:Decrypt");
    Validations.of(this.deadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is itself a dead-letter queue, EventBridge Scheduler's (a schedule's DeadLetterConfig, which cdk-nag does not recognise as one); nothing consumes it but people redriving runs.",
    });
  }

  /**
   * The schedule group of the queue's periodic schedules, created with the first. Their own group
   * keeps them out of reach of producers granted `grantScheduleJobs`, whose rights cover one-time
   * schedules in the default group only.
   */
  get group(): scheduler.ScheduleGroup {
    // Holds nothing but the stack's own schedules: nothing to keep when it leaves the stack.
    this.#group ??= new scheduler.ScheduleGroup(this, "Group", { removalPolicy: RemovalPolicy.DESTROY });
    return this.#group;
  }
}
