import type { MeteredRequest } from "../../tools/src/local/request-meter.ts";
import type { MachineInfo } from "../lib/machine.ts";
import { round } from "../lib/stats.ts";
import { LAMBDA_MODEL, PRICES } from "./prices.ts";

/** What one scenario's calls come to, per job and per million jobs. */
export interface ScenarioCost {
  readonly name: string;
  readonly title: string;
  readonly jobs: number;
  readonly perJob: {
    /** Billed SQS requests: each 64 KiB of a request is one; the consumer's empty receives left out. */
    readonly sqsRequests: number;
    readonly sqsByAction: Readonly<Record<string, number>>;
    /** Write request units on the table (1 KB items; 2 per item of a transaction). */
    readonly dynamoDbWriteUnits: number;
    /** Write request units on the ledger's list index (1 per put into it, 2 per move). */
    readonly dynamoDbIndexWriteUnits: number;
    readonly dynamoDbReadRequests: number;
    readonly dynamoDbByAction: Readonly<Record<string, number>>;
    readonly schedulerInvocations: number;
    readonly s3ByAction: Readonly<Record<string, number>>;
    readonly snsPublishes: number;
    readonly lambdaInvocations: number;
    readonly lambdaGbSeconds: number;
  };
  /** The consumer's ReceiveMessage calls that found nothing: a queue's idle cost, not a job's. */
  readonly emptyReceivesLeftOut: number;
  readonly usdPerMillionJobs: {
    readonly sqs: number;
    readonly dynamodb: number;
    readonly scheduler: number;
    readonly s3: number;
    readonly sns: number;
    readonly lambda: number;
    readonly total: number;
  };
}

export interface CostResults {
  readonly date: string;
  readonly machine: MachineInfo;
  readonly load: readonly number[];
  readonly jobsPerScenario: number;
  readonly scenarios: readonly ScenarioCost[];
}

const KIB_64 = 64 * 1024;
const READS = new Set(["GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"]);

/**
 * The calls one scenario made, priced. The consumer's receives are billed as the batches it ran
 * (each is one non-empty ReceiveMessage of Lambda's poller); Lambda's duration is modelled from
 * {@link LAMBDA_MODEL}: the handler's stated time per job plus a same-region round trip per
 * DynamoDB call the consumer made.
 */
export function costOf(input: {
  readonly name: string;
  readonly title: string;
  readonly jobs: number;
  readonly requests: readonly MeteredRequest[];
  readonly batches: readonly { readonly records: number }[];
  readonly producerAppId: string;
}): ScenarioCost {
  const { jobs, requests, batches } = input;
  const byProducer = (r: MeteredRequest) => r.userAgent.includes(`app/${input.producerAppId}`);
  const sqsByAction: Record<string, number> = {};
  let sqsRequests = 0;
  const pollerReceives = new Set(
    requests.filter((r) => r.service === "sqs" && r.action === "ReceiveMessage" && !byProducer(r)),
  );
  const emptyReceives = Math.max(0, pollerReceives.size - batches.length);
  for (const r of requests) {
    if (r.service !== "sqs" || pollerReceives.has(r)) continue;
    const units = Math.max(1, Math.ceil(r.bytes / KIB_64));
    sqsRequests += units;
    sqsByAction[r.action] = (sqsByAction[r.action] ?? 0) + units;
  }
  if (batches.length > 0) {
    sqsRequests += batches.length;
    sqsByAction.ReceiveMessage = (sqsByAction.ReceiveMessage ?? 0) + batches.length;
  }

  const dynamo = requests.filter((r) => r.service === "dynamodb");
  const dynamoDbByAction: Record<string, number> = {};
  for (const r of dynamo) dynamoDbByAction[r.action] = (dynamoDbByAction[r.action] ?? 0) + 1;
  const writeUnits = dynamo.reduce((n, r) => n + (r.writeUnits ?? 0), 0);
  const indexUnits = dynamo.reduce((n, r) => n + (r.indexWrites ?? 0), 0);
  const reads = dynamo.filter((r) => READS.has(r.action)).length;

  const s3ByAction: Record<string, number> = {};
  for (const r of requests.filter((r) => r.service === "s3"))
    s3ByAction[r.action] = (s3ByAction[r.action] ?? 0) + 1;
  const snsPublishes = requests
    .filter((r) => r.service === "sns")
    .reduce((n, r) => n + Math.max(1, Math.ceil(r.bytes / KIB_64)), 0);
  const schedulerInvocations = requests.filter(
    (r) => r.service === "scheduler" && r.action === "CreateSchedule",
  ).length;
  const invokes = requests.filter((r) => r.service === "lambda" && r.action === "Invoke").length;
  const lambdaInvocations = batches.length + invokes;
  const consumerDynamoCalls = dynamo.filter((r) => !byProducer(r)).length;
  const ranJobs = lambdaInvocations === 0 ? 0 : jobs;
  const lambdaMs = ranJobs * LAMBDA_MODEL.handlerMs + consumerDynamoCalls * LAMBDA_MODEL.dynamoDbCallMs;
  const gbSeconds = (lambdaMs / 1000) * (LAMBDA_MODEL.memoryMb / 1024);

  const perJob = (n: number) => n / jobs;
  const million = (n: number) => round(perJob(n) * 1e6, 4);
  const usd = {
    sqs: million(sqsRequests * PRICES.sqsStandardRequest.usd),
    dynamodb: million(
      (writeUnits + indexUnits) * PRICES.dynamoDbWriteUnit.usd + reads * PRICES.dynamoDbReadUnit.usd,
    ),
    scheduler: million(schedulerInvocations * PRICES.schedulerInvocation.usd),
    s3: million(
      (s3ByAction.PutObject ?? 0) * PRICES.s3Put.usd + (s3ByAction.GetObject ?? 0) * PRICES.s3Get.usd,
    ),
    sns: million(snsPublishes * PRICES.snsPublish.usd),
    lambda: million(lambdaInvocations * PRICES.lambdaRequest.usd + gbSeconds * PRICES.lambdaGbSecondArm.usd),
  };
  const per = (n: number) => round(perJob(n), 4);
  const perRecord = (record: Record<string, number>) =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [k, per(v)]));
  return {
    name: input.name,
    title: input.title,
    jobs,
    perJob: {
      sqsRequests: per(sqsRequests),
      sqsByAction: perRecord(sqsByAction),
      dynamoDbWriteUnits: per(writeUnits),
      dynamoDbIndexWriteUnits: per(indexUnits),
      dynamoDbReadRequests: per(reads),
      dynamoDbByAction: perRecord(dynamoDbByAction),
      schedulerInvocations: per(schedulerInvocations),
      s3ByAction: perRecord(s3ByAction),
      snsPublishes: per(snsPublishes),
      lambdaInvocations: per(lambdaInvocations),
      lambdaGbSeconds: round(perJob(gbSeconds), 6),
    },
    emptyReceivesLeftOut: emptyReceives,
    usdPerMillionJobs: {
      ...usd,
      total: round(usd.sqs + usd.dynamodb + usd.scheduler + usd.s3 + usd.sns + usd.lambda, 4),
    },
  };
}
