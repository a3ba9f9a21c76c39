import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SQSClient } from "@aws-sdk/client-sqs";
import { endpointFromEnv } from "sqs-jobs/internal/core/env";
import { ConfigError } from "sqs-jobs/internal/core/errors";
import { createLambdaClient } from "sqs-jobs/internal/core/lambda-client";
import { type ClientTarget, createSqsClient } from "sqs-jobs/internal/core/sqs-client";
import { clientConfig } from "sqs-jobs/internal/core/sqs-connect";
import { UsageError } from "./usage-error.ts";

/** Options every command accepts. */
export const GLOBAL_OPTIONS = {
  endpoint: { type: "string" },
  region: { type: "string" },
  json: { type: "boolean" },
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export const GLOBAL_HELP = `Global options:
  --endpoint URL   AWS API endpoint (default: AWS_ENDPOINT_URL, else AWS itself)
  --region NAME    AWS region (default: AWS_REGION, else your profile's, as
                   the AWS SDK reads them; AWS_DEFAULT_REGION is not read)
  --json           machine-readable output on stdout
  --debug          print stack traces and AWS error details
  -h, --help       this help`;

export interface GlobalValues {
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  readonly json?: boolean | undefined;
  readonly debug?: boolean | undefined;
}

/** What a command runs with: its clients, output streams and the user's global choices. */
export class CliContext {
  readonly json: boolean;
  readonly debug: boolean;
  readonly target: ClientTarget;
  #sqs: SQSClient | undefined;
  #lambda: LambdaClient | undefined;
  #dynamodb: DynamoDBClient | undefined;
  #scheduler: SchedulerClient | undefined;
  #progressShown = false;
  #lastPlainProgress: number | undefined;

  private constructor(values: GlobalValues, target: ClientTarget) {
    this.json = values.json ?? false;
    this.debug = values.debug ?? false;
    this.target = target;
  }

  /**
   * @throws {UsageError} `--endpoint` is not an http(s) URL
   * @throws {ConfigError} `AWS_ENDPOINT_URL(_SQS)` is not an http(s) URL
   */
  static async create(values: GlobalValues): Promise<CliContext> {
    return new CliContext(values, await clientTarget(values));
  }

  get sqs(): SQSClient {
    this.#sqs ??= createSqsClient(this.target);
    return this.#sqs;
  }

  get lambda(): LambdaClient {
    this.#lambda ??= createLambdaClient(this.target);
    return this.#lambda;
  }

  /**
   * The client for the job ledger, on the same target as the others. Asynchronous because its SDK
   * loads on the first call: only the `jobs` commands read the ledger, and the rest should not
   * pay for importing it.
   */
  async dynamodb(): Promise<DynamoDBClient> {
    if (this.#dynamodb === undefined) {
      const { createDynamoDbClient } = await import("sqs-jobs/internal/core/dynamodb-client");
      this.#dynamodb ??= createDynamoDbClient(this.target);
    }
    return this.#dynamodb;
  }

  /** The EventBridge Scheduler client, its SDK loaded on the first call (only `schedules` needs it). */
  async scheduler(): Promise<SchedulerClient> {
    if (this.#scheduler === undefined) {
      const { loadSchedulerSdk } = await import("sqs-jobs/internal/schedule/one-time");
      const sdk = await loadSchedulerSdk();
      this.#scheduler ??= new sdk.SchedulerClient(clientConfig(this.target, "SCHEDULER"));
    }
    return this.#scheduler;
  }

  /** A result line on stdout. */
  out(line = ""): void {
    this.clearProgress();
    process.stdout.write(`${line}\n`);
  }

  /** A note, warning or error on stderr, so stdout stays clean for pipes and `--json`. */
  note(line: string): void {
    this.clearProgress();
    process.stderr.write(`${line}\n`);
  }

  /** Progress of a long operation on stderr: one line rewritten in a terminal, plain lines otherwise. */
  progress(text: string): void {
    if (process.stderr.isTTY) {
      process.stderr.write(`\r\x1b[2K${text}`);
      this.#progressShown = true;
    } else {
      // Logs and CI get a line every two seconds at most, not one per batch of ten messages, and
      // none for an operation done within two: its result line says the same ("moved 1" twice).
      const now = Date.now();
      this.#lastPlainProgress ??= now;
      if (now - this.#lastPlainProgress >= 2_000) {
        this.#lastPlainProgress = now;
        process.stderr.write(`${text}\n`);
      }
    }
  }

  clearProgress(): void {
    if (this.#progressShown) {
      process.stderr.write("\r\x1b[2K");
      this.#progressShown = false;
    }
  }

  destroy(): void {
    this.#sqs?.destroy();
    this.#lambda?.destroy();
    this.#dynamodb?.destroy();
    this.#scheduler?.destroy();
  }
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/i;

/** The endpoint the user chose, checked: a typo must not surface later as a region or DNS error. */
function chosenEndpoint(values: GlobalValues): URL | undefined {
  const [raw, source] =
    values.endpoint !== undefined
      ? [values.endpoint, "--endpoint"]
      : [
          endpointFromEnv("SQS"),
          process.env.AWS_ENDPOINT_URL_SQS?.trim() ? "AWS_ENDPOINT_URL_SQS" : "AWS_ENDPOINT_URL",
        ];
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    const message = `${source} "${raw.slice(0, 200)}" is not an http(s) URL; give the whole URL, e.g. http://127.0.0.1:4566 for \`sqs-jobs dev\` or https://sqs.eu-west-1.amazonaws.com`;
    throw source === "--endpoint" ? new UsageError(message) : new ConfigError(message);
  }
  return url;
}

/** The region the AWS SDK itself would use (AWS_REGION, then the profile's), if any. */
async function sdkRegion(): Promise<string | undefined> {
  const probe = new SQSClient({});
  try {
    return await probe.config.region();
  } catch {
    return undefined;
  } finally {
    probe.destroy();
  }
}

/**
 * The clients' target, resolved as the AWS SDK resolves it, so the CLI and the user's own code
 * agree: the region is AWS_REGION or the profile's (the SDK ignores AWS_DEFAULT_REGION, which
 * only the AWS CLI reads). An emulator on this machine (`sqs-jobs dev`, LocalStack) accepts any
 * credentials and region, so the CLI supplies placeholders there instead of failing on a laptop
 * with no AWS setup. Real endpoints get the SDK's chains untouched.
 */
async function clientTarget(values: GlobalValues): Promise<ClientTarget> {
  const endpoint = chosenEndpoint(values);
  const local = endpoint !== undefined && LOOPBACK.test(endpoint.hostname);
  const env = process.env;
  const hasCredentials =
    (env.AWS_ACCESS_KEY_ID ?? "") !== "" ||
    (env.AWS_PROFILE ?? "") !== "" ||
    (env.AWS_WEB_IDENTITY_TOKEN_FILE ?? "") !== "";
  const region = values.region ?? (local ? ((await sdkRegion()) ?? "us-east-1") : undefined);
  return {
    ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }),
    ...(region === undefined ? {} : { region }),
    ...(local && !hasCredentials ? { credentials: { accessKeyId: "test", secretAccessKey: "test" } } : {}),
  };
}
