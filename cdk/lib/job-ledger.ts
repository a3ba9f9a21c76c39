import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import {
  LEDGER_KEY,
  LEDGER_RETENTION_ENV,
  LEDGER_TABLE_ENV,
  LEDGER_TTL_ATTRIBUTE,
  LIST_INDEX,
  LIST_INDEX_ATTRIBUTES,
  LIST_INDEX_KEY,
  LIST_INDEX_SORT,
} from "../../src/ledger/table-layout.ts";
import { JobLedgerConfigError } from "./job-ledger-error.ts";
import type { JobLedgerProps } from "./job-ledger-props.ts";
import { resolveLedgerSettings } from "./job-ledger-settings.ts";

/**
 * The job ledger: one on-demand DynamoDB table holding each job's state, attempts and result, the
 * unique keys and the concurrency slots (layout in src/ledger/table-layout.ts). Encrypted, with
 * point-in-time recovery, finished jobs deleted by TTL after `retentionDays`, and kept when it
 * leaves the stack unless told otherwise.
 *
 * @example
 * const ledger = new JobLedger(this, "Ledger", { retentionDays: 30 });
 * const reports = new JobQueue(this, "Reports", { jobs: [buildReport], entry: "handlers/build-report.ts", ledger });
 * reports.grantSendJobs(apiFunction); // also lets apiFunction write queued jobs and read their status
 */
export class JobLedger extends Construct {
  readonly table: dynamodb.Table;
  /** Days a finished job stays in the ledger before TTL deletes it. */
  readonly retentionDays: number;
  /** The customer-managed key, when one was given. */
  readonly encryptionKey: kms.IKey | undefined;
  /**
   * The variables `grantProducer` and `grantConsumer` set on Lambda functions: the table's name and
   * the retention. Set them yourself on other compute (containers, workers).
   */
  readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: JobLedgerProps = {}) {
    super(scope, id);
    const resolved = resolveLedgerSettings(props);
    if (resolved.problems.length > 0) throw new JobLedgerConfigError(this.node.path, resolved.problems);
    this.retentionDays = resolved.retentionDays;
    this.encryptionKey = props.encryptionKey;

    this.table = new dynamodb.Table(this, "Table", {
      tableName: props.tableName,
      partitionKey: { name: LEDGER_KEY, type: dynamodb.AttributeType.STRING },
      // On demand: job traffic comes in bursts, and provisioned capacity would throttle them.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: LEDGER_TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(props.encryptionKey === undefined
        ? { encryption: dynamodb.TableEncryption.AWS_MANAGED }
        : { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: props.encryptionKey }),
      // Job history is evidence (what ran, why it failed): deleting it takes a decision.
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: LIST_INDEX,
      partitionKey: { name: LIST_INDEX_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: LIST_INDEX_SORT, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...LIST_INDEX_ATTRIBUTES],
    });
    this.environment = {
      [LEDGER_TABLE_ENV]: this.table.tableName,
      [LEDGER_RETENTION_ENV]: String(this.retentionDays),
    };
  }

  /**
   * Lets `grantee` enqueue jobs with the ledger: write queued entries (PutItem, BatchWriteItem),
   * reserve and release unique keys (PutItem, DeleteItem), read a job's status (GetItem), a flow's
   * progress (BatchGetItem) and list jobs by queue and state (Query on the list index only). No UpdateItem and no Scan: changing a
   * running job's entry is the consumer's part. On a Lambda function it also sets {@link environment}.
   */
  grantProducer(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [
        "dynamodb:PutItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:DeleteItem",
      ],
      resourceArns: [this.table.tableArn],
    }).combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ["dynamodb:Query"],
        resourceArns: [`${this.table.tableArn}/index/${LIST_INDEX}`],
      }),
    );
    this.#grantKey(grantee);
    this.#setEnvironment(grantee);
    return grant;
  }

  /**
   * Lets `grantee` run jobs with the ledger: read a job (GetItem), claim a run and record its outcome
   * (PutItem, UpdateItem with conditions), take and free concurrency slots (PutItem, DeleteItem),
   * declare flows (BatchWriteItem of their member pages) and read children's results (BatchGetItem).
   * No Query or Scan. On a Lambda function it also sets {@link environment}.
   */
  grantConsumer(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
      ],
      resourceArns: [this.table.tableArn],
    });
    this.#grantKey(grantee);
    this.#setEnvironment(grantee);
    return grant;
  }

  /**
   * Both sides read and write items, which a customer-managed key must allow: the key actions
   * `grantReadWriteData` would add, spelled out (no `kms:ReEncrypt*` or `kms:GenerateDataKey*`).
   */
  #grantKey(grantee: iam.IGrantable): void {
    this.encryptionKey?.grant(
      grantee,
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
    );
  }

  #setEnvironment(grantee: iam.IGrantable): void {
    if (!(grantee instanceof lambda.Function)) return;
    for (const [key, value] of Object.entries(this.environment)) grantee.addEnvironment(key, value);
  }
}
