import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { endpointFromEnv } from "../core/env.ts";
import { createLambdaClient } from "../core/lambda-client.ts";
import { type ClientTarget, createSqsClient } from "../core/sqs-client.ts";

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
  --region NAME    AWS region (default: AWS_REGION / your profile)
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
  #progressShown = false;
  #lastPlainProgress = 0;

  constructor(values: GlobalValues) {
    this.json = values.json ?? false;
    this.debug = values.debug ?? false;
    this.target = clientTarget(values);
  }

  get sqs(): SQSClient {
    this.#sqs ??= createSqsClient(this.target);
    return this.#sqs;
  }

  get lambda(): LambdaClient {
    this.#lambda ??= createLambdaClient(this.target);
    return this.#lambda;
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
    } else if (Date.now() - this.#lastPlainProgress >= 2_000) {
      // Logs and CI get a line every two seconds at most, not one per batch of ten messages.
      this.#lastPlainProgress = Date.now();
      process.stderr.write(`${text}\n`);
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
  }
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/i;

/**
 * An emulator on this machine (`sqs-jobs dev`, LocalStack) accepts any credentials and region,
 * so the CLI supplies placeholders there instead of failing on a laptop with no AWS setup.
 * Real endpoints get the SDK's chains untouched.
 */
function clientTarget(values: GlobalValues): ClientTarget {
  const endpoint = values.endpoint ?? endpointFromEnv("SQS");
  let local = false;
  if (endpoint !== undefined) {
    try {
      local = LOOPBACK.test(new URL(endpoint).hostname);
    } catch {
      local = false;
    }
  }
  const env = process.env;
  const hasCredentials =
    (env.AWS_ACCESS_KEY_ID ?? "") !== "" ||
    (env.AWS_PROFILE ?? "") !== "" ||
    (env.AWS_WEB_IDENTITY_TOKEN_FILE ?? "") !== "";
  const hasRegion = (env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "") !== "";
  return {
    ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }),
    ...(values.region !== undefined
      ? { region: values.region }
      : local && !hasRegion
        ? { region: "us-east-1" }
        : {}),
    ...(local && !hasCredentials ? { credentials: { accessKeyId: "test", secretAccessKey: "test" } } : {}),
  };
}
