/**
 * The parts of Lambda's SQS event, context and response that sqs-jobs reads. They are structural
 * copies of `@types/aws-lambda`'s `SQSEvent`, `Context` and `SQSBatchResponse`, so users need not
 * install that package, and its types are assignable to these.
 */

export interface SqsMessageAttribute {
  readonly stringValue?: string | undefined;
  /** Base64, as Lambda delivers binary attributes. */
  readonly binaryValue?: string | undefined;
  readonly stringListValues?: readonly string[] | undefined;
  readonly binaryListValues?: readonly string[] | undefined;
  readonly dataType: string;
}

export interface SqsRecordAttributes {
  readonly ApproximateReceiveCount: string;
  readonly ApproximateFirstReceiveTimestamp?: string | undefined;
  readonly SentTimestamp?: string | undefined;
  readonly MessageGroupId?: string | undefined;
  /** The X-Ray trace header, when the producer was traced by X-Ray (docs/traces.md). */
  readonly AWSTraceHeader?: string | undefined;
}

export interface SqsRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: SqsRecordAttributes;
  readonly messageAttributes?: { readonly [name: string]: SqsMessageAttribute } | undefined;
  readonly eventSourceARN?: string | undefined;
}

export interface SqsEvent {
  readonly Records: readonly SqsRecord[];
}

/** The Lambda context; only `getRemainingTimeInMillis` is used. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}
