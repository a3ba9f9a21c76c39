/**
 * AWS list prices the cost model multiplies by (us-east-1, on-demand, no free tier), one place: a
 * price change is one edit here and a re-run of `npm run bench:cost`. Each price names where it
 * was read and when. The pages read were price guides that quote AWS's pricing pages (the pages
 * themselves are not reachable from this machine); check them against the AWS page named.
 */
export interface Price {
  readonly usd: number;
  /** What one `usd` buys. */
  readonly per: string;
  /** AWS's page for it. */
  readonly page: string;
  /** Where it was read, and when. */
  readonly readFrom: string;
}

const READ = "2026-12-07";

export const PRICES = {
  sqsStandardRequest: {
    usd: 0.4 / 1e6,
    per: "SQS standard request (each 64 KiB of a request's payload is one)",
    page: "https://aws.amazon.com/sqs/pricing/",
    readFrom: `cloudburn.io/blog/amazon-sqs-pricing (prices as of March 2026), read ${READ}`,
  },
  sqsFifoRequest: {
    usd: 0.5 / 1e6,
    per: "SQS FIFO request",
    page: "https://aws.amazon.com/sqs/pricing/",
    readFrom: `cloudburn.io/blog/amazon-sqs-pricing (prices as of March 2026), read ${READ}`,
  },
  dynamoDbWriteUnit: {
    usd: 0.625 / 1e6,
    per: "DynamoDB on-demand write request unit (1 KB)",
    page: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    readFrom: `airbyte.com/data-engineering-resources/dynamodb-pricing (after the November 2024 cut), read ${READ}`,
  },
  dynamoDbReadUnit: {
    usd: 0.125 / 1e6,
    per: "DynamoDB on-demand read request unit (4 KB, strongly consistent)",
    page: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    readFrom: `airbyte.com/data-engineering-resources/dynamodb-pricing (after the November 2024 cut), read ${READ}`,
  },
  lambdaRequest: {
    usd: 0.2 / 1e6,
    per: "Lambda invocation",
    page: "https://aws.amazon.com/lambda/pricing/",
    readFrom: `AWS's Lambda pricing, as quoted by price guides, read ${READ}`,
  },
  lambdaGbSecondArm: {
    usd: 0.0000133334,
    per: "Lambda GB-second, arm64 (JobQueue's default architecture)",
    page: "https://aws.amazon.com/lambda/pricing/",
    readFrom: `AWS's Lambda pricing, as quoted by price guides, read ${READ}`,
  },
  schedulerInvocation: {
    usd: 1 / 1e6,
    per: "EventBridge Scheduler invocation (after 14 million free a month)",
    page: "https://aws.amazon.com/eventbridge/pricing/",
    readFrom: `cloudburn.io/blog/amazon-eventbridge-pricing (March 2026 prices), read ${READ}`,
  },
  s3Put: {
    usd: 0.005 / 1000,
    per: "S3 Standard PUT request",
    page: "https://aws.amazon.com/s3/pricing/",
    readFrom: `cloudkaramchari.com (S3 request pricing explained), read ${READ}`,
  },
  s3Get: {
    usd: 0.0004 / 1000,
    per: "S3 Standard GET request",
    page: "https://aws.amazon.com/s3/pricing/",
    readFrom: `AWS's S3 pricing, as quoted by price guides, read ${READ}`,
  },
  snsPublish: {
    usd: 0.5 / 1e6,
    per: "SNS standard topic publish (each 64 KiB is one; delivery to SQS has no charge)",
    page: "https://aws.amazon.com/sns/pricing/",
    readFrom: `factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols (June 2026), read ${READ}`,
  },
  elastiCacheServerlessValkeyGbHour: {
    usd: 0.084,
    per: "GB-hour of data stored in ElastiCache Serverless for Valkey (at least 100 MB a cache)",
    page: "https://aws.amazon.com/elasticache/pricing/",
    readFrom: `usage.ai/blogs/aws/database-savings-plans/elasticache/serverless-pricing (us-east-1, June 2026 rates), read ${READ}`,
  },
  elastiCacheServerlessValkeyEcpu: {
    usd: 0.0023 / 1e6,
    per: "ElastiCache Processing Unit of ElastiCache Serverless for Valkey (1 per KB a command moves)",
    page: "https://aws.amazon.com/elasticache/pricing/",
    readFrom: `usage.ai/blogs/aws/database-savings-plans/elasticache/serverless-pricing (us-east-1, June 2026 rates), read ${READ}`,
  },
} as const satisfies Record<string, Price>;

/** ElastiCache Serverless for Valkey meters at least this much stored data per cache. */
export const VALKEY_SERVERLESS_MIN_GB = 0.1;

/** What a job's handler is assumed to take, for Lambda's duration charge: stated, not measured. */
export const LAMBDA_MODEL = {
  /** The handler's own work per job. */
  handlerMs: 100,
  /** JobQueue's default memory. */
  memoryMb: 512,
  /** Time a DynamoDB call adds to the invocation on AWS (a same-region round trip). */
  dynamoDbCallMs: 8,
} as const;
